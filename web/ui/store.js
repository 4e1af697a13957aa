// A small store: one state object, changed only through `update`, and one way to follow it
// (`subscribe`, or `watch` for one slice). Generic: the main page keeps its settings, languages,
// status and jobs in one (ui/page-store.js); another page makes its own with `createStore`.
// Pure: no DOM, so Node's test runner checks it.

/**
 * @template {object} S
 * @typedef {{get: () => S, update: (change: Partial<S> | ((state: S) => Partial<S>)) => void,
 *   subscribe: (listener: (state: S, previous: S) => void) => () => void}} Store
 */

/**
 * @template {object} S
 * @param {S} initial
 * @returns {Store<S>}
 */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    update(change) {
      const previous = state;
      const patch = typeof change === 'function' ? change(state) : change;
      state = /** @type {S} */ (Object.assign({}, state, patch));
      for (const listener of [...listeners]) listener(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}

/**
 * Call `onChange(value, previous)` whenever `select(state)` changes (compared with Object.is),
 * and once now when `now` is true. Returns the unsubscribe function.
 * @template {object} S
 * @template T
 * @param {Store<S>} store
 * @param {(state: S) => T} select
 * @param {(value: T, previous: T | undefined) => void} onChange
 */
export function watch(store, select, onChange, now = true) {
  let current = select(store.get());
  if (now) onChange(current, undefined);
  return store.subscribe((state) => {
    const next = select(state);
    if (Object.is(next, current)) return;
    const previous = current;
    current = next;
    onChange(next, previous);
  });
}
