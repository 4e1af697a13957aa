// The browser timings' report (web/ui/telemetry.js): stage times from the worker's messages,
// words as tokens, models and the error code; nothing of the image or the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobTimer, ortThreads, reportedModel, visitKind } from '../../web/ui/telemetry.js';

const SETTINGS = {
  caption_model: 'Xenova/vit-gpt2-image-captioning', translation_model: 'Xenova/nllb-200-distilled-600M',
  dtype: 'q8', device: 'wasm',
};

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
  at(10500, { type: 'result', caption: 'a cat on a sofa', translation: 'um gato num sofá' });
  at(10600, { type: 'stage', stage: 'translating' });
  at(11100, { type: 'result', caption: 'a dog', translation: 'um cão' });
  at(11200, { type: 'done' });
  timer.speechWaited(1200);
  end(20000);
  const report = timer.report(SETTINGS, { visit: 'first', threads: 2 });
  assert.deepEqual(report, {
    visit: 'first', device: 'wasm', dtype: 'q8', threads: 2,
    caption_model: SETTINGS.caption_model, translation_model: SETTINGS.translation_model,
    caption_load_s: 3, caption_s: 0.5, translation_load_s: 6, translation_s: 1.5, speech_wait_s: 1.2,
    caption_token_s: 0.071429, translation_token_s: 0.25, error: null,
  });
  const sent = JSON.stringify(report);
  for (const text of ['cat', 'gato', 'sofa']) assert.ok(!sent.includes(text), text);
});

test('a revisit in English with a failed item: no translation model, the first error code', () => {
  const { timer, at } = timed();
  at(0, { type: 'stage', stage: 'captioning' });
  at(400, { type: 'result', caption: 'a cat', translation: 'a cat' });
  at(450, { type: 'item-error', code: 'not-an-image' });
  at(460, { type: 'item-error', code: 'image-unreachable' });
  at(470, { type: 'done' });
  const report = timer.report({ ...SETTINGS, caption_model: '/models/my-folder/' }, { visit: 'revisit', threads: 1 });
  assert.equal(report.translation_model, null);
  assert.equal(report.caption_model, 'local');
  assert.equal(report.caption_load_s, null);
  assert.equal(report.caption_s, 0.4);
  assert.equal(report.caption_token_s, 0.2);
  assert.equal(report.error, 'not-an-image');
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
