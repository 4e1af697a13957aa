// A small store in the shape of zustand's vanilla store: `createStore((set, get) => ({...state,
// ...actions}))`, one state object changed only through `set` (here also called `update`), and
// one way to follow it (`subscribe`, or `watch` for one slice). Each page makes one
// (ui/page-store.js; the playground adds its part to the same one). Pure: no DOM, so Node's
// test runner checks it.

/**
 * @template {object} S
 * @typedef {(change: Partial<S> | ((state: S) => Partial<S>)) => void} SetState
 */

/**
 * @template {object} S
 * @typedef {{get: () => S, set: SetState<S>, update: SetState<S>,
 *   subscribe: (listener: (state: S, previous: S) => void) => () => void}} Store
 */

/**
 * A store whose first state is `init(set, get)` (its data and its actions), or `init` itself.
 * @template {object} S
 * @param {S | ((set: SetState<S>, get: () => S) => S)} init
 * @returns {Store<S>}
 */
export function createStore(init) {
  /** @type {S} */
  let state;
  const listeners = new Set();
  const get = () => state;
  /** @type {SetState<S>} */
  const set = (change) => {
    const previous = state;
    const patch = typeof change === 'function' ? change(state) : change;
    state = /** @type {S} */ (Object.assign({}, state, patch));
    for (const listener of [...listeners]) listener(state, previous);
  };
  state = typeof init === 'function' ? /** @type {Function} */ (init)(set, get) : init;
  return {
    get,
    set,
    update: set,
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
