// Where the image comes from: a file chooser (several files at once), drag-and-drop, paste, or
// an address typed into #image-url. The latest one given wins: choosing files clears the
// address, typing an address forgets the chosen files.

let pendingFiles = [];
let onSelectionChange = () => {};

const urlInput = () => document.getElementById('image-url');
const fileInput = () => document.getElementById('image-file');

function describe(files) {
  if (files.length === 0) return '';
  if (files.length === 1) return `Chosen: ${files[0].name || 'a pasted image'}`;
  return `Chosen: ${files.length} images`;
}

function useFiles(files) {
  if (files.length === 0) return;
  pendingFiles = files;
  urlInput().value = '';
  document.getElementById('selection').textContent = describe(files);
  onSelectionChange();
}

function forgetFiles() {
  pendingFiles = [];
  fileInput().value = '';
  document.getElementById('selection').textContent = '';
}

/** Put an address in #image-url as if the user had typed it. */
export function useUrl(url) {
  forgetFiles();
  urlInput().value = url;
  onSelectionChange();
}

function looksLikeLink(text) {
  return /^https?:\/\/\S+$/i.test(text.trim());
}

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function wireDropZone(zone) {
  // Drops anywhere on the page count; the zone lights up while something is dragged over it.
  const over = (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  };
  document.addEventListener('dragover', over);
  document.addEventListener('dragenter', over);
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) zone.classList.remove('dragging');
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const files = [...(event.dataTransfer?.files || [])];
    if (files.length > 0) {
      useFiles(files);
      return;
    }
    const link = event.dataTransfer?.getData('text/uri-list') || event.dataTransfer?.getData('text/plain') || '';
    const first = link.split('\n').map((line) => line.trim()).find((line) => line && !line.startsWith('#'));
    if (first) useUrl(first);
  });
}

function wirePaste() {
  document.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length > 0) {
      event.preventDefault();
      useFiles(files);
      return;
    }
    const text = event.clipboardData?.getData('text/plain') || '';
    if (!isTyping(event.target) && looksLikeLink(text)) {
      event.preventDefault();
      useUrl(text.trim());
    }
  });
}

/** Wire every image source; `onChange()` runs whenever the user gives a new image. */
export function initImageSources(onChange) {
  onSelectionChange = onChange;
  fileInput().addEventListener('change', () => useFiles([...fileInput().files]));
  urlInput().addEventListener('input', () => {
    if (pendingFiles.length > 0) forgetFiles();
    onSelectionChange();
  });
  wireDropZone(document.getElementById('drop-zone'));
  wirePaste();
}

/**
 * What Generate should run, as `{items, problem}`: items are `{url}` or `{blob, name}`; problem
 * is a sentence for the user when there is nothing usable.
 */
export function currentSelection() {
  if (pendingFiles.length > 0) {
    return { items: pendingFiles.map((file) => ({ blob: file, name: file.name || 'pasted image' })) };
  }
  const typed = urlInput().value.trim();
  if (!typed) {
    return { problem: 'Give an image first: choose or drop a file, paste one, type its address or pick a sample photo.' };
  }
  let url;
  try {
    url = new URL(typed, document.baseURI);
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    return { problem: 'That address is not a web link. Type an address that starts with http:// or https://, or choose a file instead.' };
  }
  return { items: [{ url: url.href, name: url.pathname.split('/').pop() || url.host }] };
}
