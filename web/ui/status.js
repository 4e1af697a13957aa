// #status: one human sentence about what the page is doing, read out by screen readers
// (aria-live). `kind` ("info", "error") only changes its look.

const statusElement = () => document.getElementById('status');

export function showStatus(message, kind = 'info') {
  const element = statusElement();
  element.textContent = message;
  element.dataset.kind = kind;
}

export function showError(message) {
  showStatus(message, 'error');
}
