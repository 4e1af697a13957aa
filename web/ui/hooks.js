// Events on `document` for scripts outside the page's modules (tests, a user's own script);
// the page's modules follow the store instead. See app.js for each event's detail. An event
// names its result's card (`element`): the store keeps no DOM node, so it is looked up here.

import { cardOf } from './dom.js';
import { watch } from './store.js';
import { featuredItem, newestResult, store } from './page-store.js';

function fire(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

/** @param {import('./page-store.js').Item} item */
function detailOf(item) {
  const { jobId, itemId, caption, translation, lang } = item;
  return { jobId, itemId, caption, translation, lang, element: cardOf(jobId, itemId) };
}

export function mountHooks() {
  watch(store, (state) => state.answer, () => {
    const { settings, languages } = store.get();
    fire('legenda:settings', { settings, languages });
  }, false);
  if ('jobs' in store.get()) {
    watch(store, (state) => newestResult(state)?.resultAt, () => {
      const state = store.get();
      const item = newestResult(state);
      const featured = item !== null && state.featured?.jobId === item.jobId && state.featured.itemId === item.itemId;
      if (item) fire('legenda:result', { ...detailOf(item), featured });
    }, false);
    watch(store, featuredItem, (item) => { if (item) fire('legenda:featured', detailOf(item)); }, false);
  }
  watch(store, (state) => state.pageState, (detail) => fire('legenda:state', detail), false);
}
