// The page's store (web/ui/page-store.js) and the playground's part (web/ui/playground-store.js):
// their actions, on a fresh store each (the same parts the pages add).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../web/ui/store.js';
import {
  captionState, featuredItem, jobCaptions, jobSummary, newestResult, sharedState,
} from '../../web/ui/page-store.js';
import { playgroundState } from '../../web/ui/playground-store.js';

const captionStore = () => createStore((set, get) => ({ ...sharedState(set, get), ...captionState(set, get) }));
const playgroundStore = () => createStore((set, get) => ({ ...sharedState(set, get), ...playgroundState(set, get) }));
const items = (n) => Array.from({ length: n }, (_, i) => ({ itemId: `item-${i + 1}`, url: `u${i}`, preview: `u${i}` }));
const failure = { code: 'unsupported-language', key: 'language-not-in-model', params: { lang: 'es' } };

/** A store with a job of `n` items running. */
function running(n = 2) {
  const store = captionStore();
  store.get().moveTo('ready');
  store.get().startJob(store.get().newJobId(), items(n));
  return store;
}

test('the page state moves only along its edges, and a fatal error is final', () => {
  const store = captionStore();
  const errors = [];
  const original = console.error;
  console.error = (line) => errors.push(line);
  try {
    store.get().moveTo('done');  // loading -> done is no move
    assert.equal(store.get().pageState.state, 'loading');
    store.get().moveTo('ready');
    assert.deepEqual(store.get().pageState, { state: 'ready', previous: 'loading' });
    assert.equal(store.get().acceptsWork(), true);
    store.get().failFatal({ code: 'runtime-failed', key: 'no-python' });
    assert.deepEqual(store.get().pageState, { state: 'error', previous: 'ready', fatal: true });
    store.get().moveTo('working');
    assert.equal(store.get().pageState.state, 'error');
    assert.equal(store.get().acceptsWork(), false);
  } finally {
    console.error = original;
  }
  assert.equal(errors.length, 2);
});

test('a job: working, results featured first-come, done with its summary', () => {
  const store = running(2);
  const { currentJob } = store.get();
  assert.equal(currentJob, 'job-1');
  assert.equal(store.get().pageState.state, 'working');
  assert.equal(featuredItem(store.get()), null);
  store.get().itemResult({ jobId: 'job-1', itemId: 'item-2', caption: 'a dog', translation: 'um cão', lang: 'pt' });
  store.get().itemResult({ jobId: 'job-1', itemId: 'item-1', caption: 'a cat', translation: 'um gato', lang: 'pt' });
  assert.equal(featuredItem(store.get())?.itemId, 'item-2');
  assert.equal(newestResult(store.get())?.itemId, 'item-1');
  assert.deepEqual(store.get().finishJob('job-1'), { total: 2, succeeded: 2, errors: [] });
  assert.equal(store.get().currentJob, null);
  assert.equal(store.get().finishJob('job-1'), null);  // not the current job any more
  store.get().feature('job-1', 'item-1');
  assert.equal(featuredItem(store.get())?.itemId, 'item-1');
});

test('a refused translation keeps the caption, which a new language translates again', () => {
  const store = running(1);
  store.get().itemError({ type: 'item-error', jobId: 'job-1', itemId: 'item-1', caption: 'a cat', ...failure });
  const item = store.get().jobs['job-1'].items['item-1'];
  assert.deepEqual([item.status, item.caption, item.translation, item.lang], ['error', 'a cat', '', 'es']);
  assert.deepEqual(item.error, failure);
  assert.equal(featuredItem(store.get())?.itemId, 'item-1');  // its caption is shown above
  assert.deepEqual(store.get().finishJob('job-1'), { total: 1, succeeded: 0, errors: [failure] });
  store.get().moveTo('error');
  assert.deepEqual(jobCaptions(store.get(), store.get().lastJob), [{ itemId: 'item-1', caption: 'a cat' }]);
  store.get().retranslateJob('job-1');
  assert.equal(store.get().pageState.state, 'working');
  store.get().itemResult({ jobId: 'job-1', itemId: 'item-1', caption: 'a cat', translation: 'un gato', lang: 'fr' });
  assert.deepEqual(jobSummary(store.get(), 'job-1'), { total: 1, succeeded: 1, errors: [] });
});

test('a fatal error fails the running job\'s unanswered items; Clear forgets every job', () => {
  const store = running(3);
  store.get().itemResult({ jobId: 'job-1', itemId: 'item-1', caption: 'a', translation: 'b', lang: 'pt' });
  const fatal = { code: 'runtime-failed', key: 'worker-stopped', params: {} };
  store.get().failFatal(fatal);
  const { jobs, currentJob } = store.get();
  assert.equal(currentJob, null);
  assert.deepEqual(Object.values(jobs['job-1'].items).map((item) => item.status), ['done', 'error', 'error']);
  store.get().clearJobs();
  assert.deepEqual([store.get().jobs, store.get().lastJob, newestResult(store.get())], [{}, null, null]);
});

test('a result of a cleared job is dropped', () => {
  const store = running(1);
  store.get().clearJobs();
  store.get().itemResult({ jobId: 'job-1', itemId: 'item-1', caption: 'a', translation: 'b', lang: 'pt' });
  assert.deepEqual(store.get().jobs, {});
});

test('the playground: pieces stream into the compare column, a failure is kept, a fatal ends the job', () => {
  const store = playgroundStore();
  store.update({ job: { id: 'job-1', kind: 'compare', stopping: false }, columns: [
    { model: 'a', text: '', figures: null, failure: null }, { model: 'b', text: '', figures: null, failure: null }] });
  store.get().addPiece({ model: 'a', text: 'Era ', figures: { tokens: 1, ttftMs: 5, tokensPerS: null } });
  store.get().addPiece({ model: 'a', text: 'uma', figures: { tokens: 2, ttftMs: 5, tokensPerS: 10 } });
  store.get().addFailure({ model: 'b', code: 'model-not-found' });
  const [a, b] = store.get().columns;
  assert.deepEqual([a.text, a.figures.tokens, b.failure.code], ['Era uma', 2, 'model-not-found']);
  assert.equal(store.get().failures.length, 1);
  store.get().failFatal({ code: 'runtime-failed', key: 'worker-stopped' });
  assert.equal(store.get().job, null);
  assert.equal(store.get().pageState.state, 'error');
});

test('a chat turn that failed leaves the conversation when its job ends', () => {
  const store = playgroundStore();
  store.update({
    job: { id: 'job-1', kind: 'chat', stopping: false },
    turns: [{ role: 'user', text: 'oi' }, { role: 'assistant', text: '' }],
  });
  store.get().addFailure({ code: 'no-chat-template' });
  store.get().endJob();
  assert.deepEqual([store.get().turns, store.get().job], [[], null]);
});

test('a job runs its legs in order and stops taking them once stopped', () => {
  const store = playgroundStore();
  const legs = [{ where: 'browser', models: ['a', 'b'] }, { where: 'server', model: 'server:a' }, { where: 'browser', models: ['c'] }];
  store.update({ job: { id: 'job-1', kind: 'compare', stopping: false, legs, leg: 0, abort: null, restore: null, request: {} } });
  assert.deepEqual(store.get().nextLeg(), legs[1]);
  assert.equal(store.get().job.leg, 1);
  store.update((state) => ({ job: { ...state.job, stopping: true } }));
  assert.equal(store.get().nextLeg(), null, 'a stopped job runs no further leg');
  store.update((state) => ({ job: { ...state.job, stopping: false, leg: 2 } }));
  assert.equal(store.get().nextLeg(), null, 'none left');
});

test('a chat answer gets its own figures; a failed edit gives back the turns it replaced', () => {
  const store = playgroundStore();
  const before = [
    { role: 'user', text: 'Oi' }, { role: 'assistant', text: 'Olá' },
    { role: 'user', text: 'E o gato?' }, { role: 'assistant', text: 'Dorme.' },
  ];
  const job = { id: 'job-1', kind: 'chat', stopping: false, legs: [], leg: 0, abort: null, restore: { turns: before, message: 'Oi de novo' }, request: {} };
  store.update({ job, turns: [{ role: 'user', text: 'Oi de novo' }, { role: 'assistant', text: '', model: 'server:m' }] });
  const figures = { tokens: 2, ttftMs: 10, tokensPerS: 50 };
  store.get().addPiece({ model: 'server:m', text: 'Oi!', figures });
  assert.deepEqual(store.get().turns[1], { role: 'assistant', text: 'Oi!', model: 'server:m', figures });
  assert.deepEqual(store.get().figures, figures);
  store.get().addFailure({ code: 'server-cut', key: 'server-cut', model: 'server:m' });
  store.get().endJob();
  assert.deepEqual([store.get().turns, store.get().job], [before, null]);
  store.get().editTurn(2);
  assert.equal(store.get().editing, 2);
});
