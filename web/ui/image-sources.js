// Where the image comes from: a file chooser (several files at once), drag-and-drop, paste, or
// an address typed into #image-url. The latest one given wins: choosing files clears the
// address, typing an address forgets the chosen files. What is chosen is the store's
// `selection` (`{files, url}`, changed at each new image: app.js follows it).

import { say } from './i18n.js';
import { store } from './page-store.js';

const urlInput = () => /** @type {HTMLInputElement} */ (document.getElementById('image-url'));
const fileInput = () => /** @type {HTMLInputElement} */ (document.getElementById('image-file'));

const selection = () => /** @type {HTMLElement} */ (document.getElementById('selection'));

function useFiles(files) {
  if (files.length === 0) return;
  urlInput().value = '';
  say(selection(), 'sources.chosen', { count: files.length, name: files[0].name });
  store.update({ selection: { files, url: '' } });
}

function forgetFiles() {
  fileInput().value = '';
  say(selection(), 'empty');
}

/** Put an address in #image-url as if the user had typed it. */
export function useUrl(url) {
  forgetFiles();
  urlInput().value = url;
  store.update({ selection: { files: [], url } });
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

/** Wire every image source: each new image becomes the store's `selection`. */
export function initImageSources() {
  fileInput().addEventListener('change', () => useFiles([...fileInput().files]));
  urlInput().addEventListener('input', () => {
    if (store.get().selection.files.length > 0) forgetFiles();
    store.update({ selection: { files: [], url: urlInput().value } });
  });
  wireDropZone(document.getElementById('drop-zone'));
  wirePaste();
}

/**
 * What Generate should run, as `{items, problem}`: items are `{url}` or `{blob, name}`; problem
 * is the catalog key of the sentence for the user when there is nothing usable.
 */
export function currentSelection() {
  const { files } = store.get().selection;
  if (files.length > 0) {
    return { items: files.map((file) => ({ blob: file, name: file.name || '' })) };
  }
  const typed = urlInput().value.trim();
  if (!typed) {
    return { problem: 'sources.none' };
  }
  let url;
  try {
    url = new URL(typed, document.baseURI);
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    return { problem: 'sources.not-a-link' };
  }
  return { items: [{ url: url.href, name: url.pathname.split('/').pop() || url.host }] };
}
