// The page state in document.body.dataset.state (a public contract, see docs/architecture.md):
// loading -> ready -> working -> done | error; from done or error a new job may start.
// A fatal error (the runtime cannot work) is final until the page is reloaded. Each change is
// also written into the store (`pageState`), which the page's modules follow (ui/hooks.js
// repeats it as the legenda:state event for outside scripts).

import { store } from './page-store.js';

const NEXT = {
  loading: ['ready', 'error'],
  ready: ['working', 'error'],
  working: ['done', 'error'],
  done: ['working', 'error'],
  error: ['working'],
};

let fatal = false;

export function getState() {
  return document.body.dataset.state;
}

/** Move to `state`; an illegal move is a programming error, reported and ignored. */
export function setState(state) {
  const current = getState();
  if (state === current) return;
  if (fatal || !NEXT[current]?.includes(state)) {
    console.error(`Legenda: ignored state change ${current} -> ${state}`);
    return;
  }
  document.body.dataset.state = state;
  store.update({ pageState: { state, previous: current } });
}

/** Enter `error` for good: the page cannot work until it is reloaded. */
export function setFatal() {
  if (getState() !== 'error') {
    document.body.dataset.state = 'error';
    store.update({ pageState: { state: 'error', previous: store.get().pageState.state, fatal: true } });
  }
  fatal = true;
}

/** A new job may start: the runtime is up and no job is running. */
export function acceptsWork() {
  return !fatal && ['ready', 'done', 'error'].includes(getState());
}
