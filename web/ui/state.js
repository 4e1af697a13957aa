// The page state in document.body.dataset.state (a public contract, see docs/architecture.md):
// loading -> ready -> working -> done | error; from done or error a new job may start. A fatal
// error (the runtime cannot work) is final until the page is reloaded. The store owns it
// (`pageState`, `fatal`, and the moves in ui/page-store.js); body.dataset.state renders it.

import { watch } from './store.js';
import { store } from './page-store.js';

/** Render the store's page state as body.dataset.state. */
export function mountPageState() {
  watch(store, (state) => state.pageState.state, (state) => { document.body.dataset.state = state; });
}

/** @returns {import('./page-store.js').PageStateName} */
export function getState() {
  return store.get().pageState.state;
}

/** Move to `state` (the store's `moveTo`). */
export function setState(state) {
  store.get().moveTo(state);
}

/** A new job may start: the runtime is up and no job is running. */
export function acceptsWork() {
  return store.get().acceptsWork();
}
