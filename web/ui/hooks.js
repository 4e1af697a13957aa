// Events on `document` for scripts outside the page's modules (tests, a user's own script);
// the page's modules follow the store instead. See app.js for each event's detail.

import { watch } from './store.js';
import { store } from './page-store.js';

function fire(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export function mountHooks() {
  watch(store, (state) => state.settingsAnswer, () => {
    const { settings, languages } = store.get();
    fire('legenda:settings', { settings, languages });
  }, false);
  watch(store, (state) => state.result, (detail) => { if (detail) fire('legenda:result', detail); }, false);
  watch(store, (state) => state.featured, (detail) => { if (detail) fire('legenda:featured', detail); }, false);
  watch(store, (state) => state.pageState, (detail) => fire('legenda:state', detail), false);
}
