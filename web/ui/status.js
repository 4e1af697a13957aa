// #status: one sentence about what the page is doing, read out by screen readers (aria-live).
// It renders the store's `status` (`kind` "info" or "error" only changes its look).

import { bind } from './i18n.js';
import { watch } from './store.js';
import { store } from './page-store.js';

export function mountStatus() {
  const element = /** @type {HTMLElement} */ (document.getElementById('status'));
  watch(store, (state) => state.status, (status) => {
    bind(element, status.words);
    element.dataset.kind = status.kind;
  });
}
