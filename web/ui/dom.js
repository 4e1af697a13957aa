// Building page elements from code: one helper for every module that makes its own markup.

/** `el('p', {className: 'x', textContent: 'Hi'}, child...)`: a new element, props assigned. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/**
 * The result card of an item (#results, one per image), or null.
 * @param {string} jobId
 * @param {string} itemId
 * @returns {HTMLElement | null}
 */
export function cardOf(jobId, itemId) {
  return document.querySelector(`#results [data-job-id="${CSS.escape(jobId)}"][data-item-id="${CSS.escape(itemId)}"]`);
}
