// Building page elements from code: one helper for every module that makes its own markup.

/** `el('p', {className: 'x', textContent: 'Hi'}, child...)`: a new element, props assigned. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
