// The generic store (web/ui/store.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, watch } from '../../web/ui/store.js';

test('update merges, subscribers see the new and the previous state', () => {
  const store = createStore({ a: 1, b: 2 });
  const seen = [];
  const stop = store.subscribe((state, previous) => seen.push([state.a, previous.a]));
  store.update({ a: 3 });
  store.update((state) => ({ a: state.a + 1 }));
  stop();
  store.update({ a: 10 });
  assert.deepEqual(seen, [[3, 1], [4, 3]]);
  assert.deepEqual(store.get(), { a: 10, b: 2 });
});

test('watch follows one slice and only when it changes', () => {
  const store = createStore({ lang: 'pt', other: 0 });
  const seen = [];
  watch(store, (s) => s.lang, (lang, previous) => seen.push([lang, previous]));
  store.update({ other: 1 });
  store.update({ lang: 'es' });
  store.update({ lang: 'es' });
  assert.deepEqual(seen, [['pt', undefined], ['es', 'pt']]);
  const later = [];
  watch(store, (s) => s.other, (v) => later.push(v), false);
  store.update({ other: 2 });
  assert.deepEqual(later, [2]);
});

test('a store made from (set, get) holds its actions beside its state', () => {
  const store = createStore((set, get) => ({
    count: 0,
    add(n) { set({ count: get().count + n }); },
  }));
  const seen = [];
  watch(store, (s) => s.count, (count) => seen.push(count), false);
  store.get().add(2);
  store.get().add(3);
  assert.deepEqual(seen, [2, 5]);
  assert.equal(store.set, store.update);
});
