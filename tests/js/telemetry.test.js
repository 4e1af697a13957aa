// The browser timings (web/ui/telemetry.js): stage times from Python's messages, words as
// tokens, models and the error code from the page store; sent only with `telemetry` on, once
// the job's speech came; nothing of the image or the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from '../../web/ui/store.js';
import { createJobTimer, followJobs, jobOutcome, ortThreads, reportedModel, visitKind } from '../../web/ui/telemetry.js';

const SETTINGS = {
  caption_model: 'Xenova/vit-gpt2-image-captioning', translation_model: 'Xenova/nllb-200-distilled-600M',
  dtype: 'q8', device: 'wasm',
};
const CAT = { itemId: 'item-1', caption: 'a cat on a sofa', translation: 'um gato num sofá' };
const DOG = { itemId: 'item-2', caption: 'a dog', translation: 'um cão' };

/** A timer on a clock the test moves: `at(ms, message)` sees the message at that time. */
function timed() {
  let clock = 0;
  const timer = createJobTimer(() => clock);
  return { timer, at: (ms, message) => { clock = ms; timer.see(message); }, end: (ms) => { clock = ms; } };
}

test('a job with translation: load, caption and translation times, seconds per word', () => {
  const { timer, at, end } = timed();
  at(0, { type: 'stage', stage: 'model', params: { role: 'captioning' } });
  at(3000, { type: 'stage', stage: 'captioning' });
  at(3500, { type: 'stage', stage: 'model', params: { role: 'translation' } });
  at(9500, { type: 'stage', stage: 'translating' });
  at(10500, { type: 'result', ...CAT });
  at(10600, { type: 'stage', stage: 'translating' });
  at(11100, { type: 'result', ...DOG });
  at(11200, { type: 'done' });
  timer.speechWaited(1200);
  end(20000);
  const outcome = { captions: [CAT.caption, DOG.caption], translations: [CAT.translation, DOG.translation], error: null };
  const report = timer.report(SETTINGS, { visit: 'first', threads: 2 }, outcome);
  assert.deepEqual(report, {
    visit: 'first', device: 'wasm', dtype: 'q8', threads: 2,
    caption_model: SETTINGS.caption_model, translation_model: SETTINGS.translation_model,
    caption_load_s: 3, caption_s: 0.5, translation_load_s: 6, translation_s: 1.5, speech_wait_s: 1.2,
    caption_token_s: 0.071429, translation_token_s: 0.25, error: null,
  });
  const sent = JSON.stringify(report);
  for (const text of ['cat', 'gato', 'sofa']) assert.ok(!sent.includes(text), text);
});

test('an English job with a failed item: no translation model, a local model, the error code', () => {
  const { timer, at } = timed();
  at(0, { type: 'stage', stage: 'captioning' });
  at(400, { type: 'result', itemId: 'item-1', caption: 'a cat', translation: 'a cat' });
  at(470, { type: 'done' });
  const state = { jobs: { 'job-1': { items: {
    'item-1': { caption: 'a cat', translation: 'a cat' },
    'item-2': { error: { code: 'not-an-image', key: 'not-an-image' } },
  } } } };
  const outcome = jobOutcome(state, 'job-1');
  assert.deepEqual(outcome, { captions: ['a cat'], translations: [], error: 'not-an-image' });
  const report = timer.report({ ...SETTINGS, caption_model: '/models/my-folder/' }, { visit: 'revisit', threads: 1 }, outcome);
  assert.equal(report.translation_model, null);
  assert.equal(report.caption_model, 'local');
  assert.equal(report.caption_load_s, null);
  assert.equal(report.caption_s, 0.4);
  assert.equal(report.caption_token_s, 0.2);
  assert.equal(report.error, 'not-an-image');
});

/** A page store with what followJobs reads, a clock, and the reports sent. */
function page(telemetry) {
  let clock = 0;
  const store = createStore({
    settings: { ...SETTINGS, telemetry }, jobs: {}, currentJob: null, fatal: null,
    speech: { started: 0, followUps: new Set(), lastResult: null },
  });
  const sent = [];
  const see = followJobs(store, (report) => sent.push(report), { now: () => clock, visit: () => 'first', threads: () => 1 });
  const at = (ms, change) => { clock = ms; if (change) store.set(change); };
  return { store, sent, see, at };
}

test('a finished job is sent once its speech came, and only with telemetry on', () => {
  for (const telemetry of [true, false]) {
    const { store, sent, see, at } = page(telemetry);
    at(0, { currentJob: 'job-1', jobs: { 'job-1': { items: { 'item-1': { itemId: 'item-1' } } } } });
    see({ type: 'stage', stage: 'captioning' });
    at(500);
    see({ type: 'result', ...CAT });
    at(600, { jobs: { 'job-1': { items: { 'item-1': CAT } } } });
    const followUp = new Set([{}]);
    at(700, { speech: { started: 700, followUps: followUp, lastResult: CAT } });
    at(800);
    see({ type: 'done', jobId: 'job-1' });
    at(800, { currentJob: null });
    assert.equal(sent.length, 0, 'the speech is still on its way');
    at(2700, { speech: { ...store.get().speech, followUps: new Set() } });
    if (!telemetry) {
      assert.deepEqual(sent, []);
      continue;
    }
    assert.equal(sent.length, 1);
    assert.equal(sent[0].caption_s, 0.5);
    assert.equal(sent[0].speech_wait_s, 2);
    assert.equal(sent[0].translation_model, SETTINGS.translation_model);
    assert.equal(sent[0].caption_token_s, 0.1);  // five words in 0.5 s
  }
});

test('a job without speech is sent when it finishes', () => {
  const { sent, at } = page(true);
  at(0, { currentJob: 'job-1', jobs: { 'job-1': { items: { 'item-1': { itemId: 'item-1', error: { code: 'image-unreachable' } } } } } });
  at(100, { currentJob: null });
  assert.equal(sent.length, 1);
  assert.equal(sent[0].error, 'image-unreachable');
  assert.equal(sent[0].speech_wait_s, null);
});

test('model ids, thread counts and first visits', () => {
  assert.equal(reportedModel('Xenova/opus-mt-en-ROMANCE'), 'Xenova/opus-mt-en-ROMANCE');
  assert.equal(reportedModel('../secret'), 'local');
  assert.equal(ortThreads(false, 16), 1);
  assert.equal(ortThreads(true, 16), 4);
  assert.equal(ortThreads(true, 2), 1);
  const saved = new Map();
  const storage = { getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => saved.set(k, v) };
  assert.equal(visitKind(storage), 'first');
  assert.equal(visitKind(storage), 'revisit');
  assert.equal(visitKind({ getItem: () => { throw new Error('private'); } }), 'first');
});
