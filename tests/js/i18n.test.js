// The catalogs (web/ui/i18n/*.js) and the wording helpers (web/ui/i18n.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import en from '../../web/ui/i18n/en.js';
import pt from '../../web/ui/i18n/pt.js';
import { catalog, extendCatalogs, setUiLang, t, wordError } from '../../web/ui/i18n.js';

// Parameters every entry may ask for, so each function entry can be called.
const PARAMS = {
  role: 'captioning', model: 'org/m', where: '/models/org/m/', file: 'onnx/a.onnx', dtype: 'q8', weights: true,
  url: 'http://h/a.png', reason: 'missing', status: 500, source: 'file', name: 'a.png', type: 'text/html', what: 'job',
  setting: 'max_new_tokens', value: 'lots', kept: '30', accepts: { kind: 'int', min: 1, max: 256 }, part: 'python',
  first: 1, last: 4, total: 9, count: 2, others: 1, succeeded: 1, failed: 1, problems: 'x.', position: 1,
  label: 'A cat', files: 2, models: 1, bytes: '1 MB', ready: 1, engine: 'espeak', voice: 'pt', percent: 50, took: '3 s',
  address: 'http://h:5000', said: 'busy', option: 'webgpu', lang: 'pt', webgpu: false,
  tokens: 12, ttftMs: 41.5, tokensPerS: 88.2, wanted: 'q8', shipped: 'fp32, q4', kind: 'vit', why: 'no-webgpu',
  languages: 'Español', suggested: 'org/default', retryAfter: 2,
};

test('both catalogs have the same keys', () => {
  assert.deepEqual(Object.keys(pt).sort(), Object.keys(en).sort());
});

test('every entry words to text with no placeholder or undefined left', () => {
  for (const [lang, words] of Object.entries({ en, pt })) {
    setUiLang(lang);
    for (const key of Object.keys(words)) {
      const text = t(key, PARAMS);
      assert.equal(typeof text, 'string', `${lang} ${key}`);
      assert.ok(!/\{\w+\}|undefined|\[object/.test(text), `${lang} ${key}: ${text}`);
    }
  }
  setUiLang('en');
});

test('errors are worded from their key and parameters in the page language', () => {
  const failure = { code: 'bad-setting', key: 'bad-setting', params: PARAMS, message: 'English' };
  setUiLang('en');
  assert.match(wordError(failure), /whole number from 1 to 256/);
  setUiLang('pt');
  assert.match(wordError(failure), /número inteiro de 1 a 256/);
  assert.equal(wordError({ code: 'x', message: 'Only English.' }), 'Only English.');
  setUiLang('en');
});

test('a queued speech says its place in line', () => {
  setUiLang('en');
  assert.equal(t('speech.waiting', { place: 3 }), 'Waiting for the speech server: 3rd in line…');
  assert.equal(t('speech.waiting', { place: 12 }), 'Waiting for the speech server: 12th in line…');
  assert.equal(t('speech.waiting', { place: 0 }), 'Waiting for the speech server…');
  setUiLang('pt');
  assert.equal(t('speech.waiting', { place: 2 }), 'Aguardando o servidor de voz: 2º na fila…');
  setUiLang('en');
});

test('another page adds its own words', () => {
  extendCatalogs({ en: { 'play.stop': 'Stop' }, pt: { 'play.stop': 'Parar' } });
  setUiLang('pt');
  assert.equal(t('play.stop'), 'Parar');
  assert.equal(catalog('en')['play.stop'], 'Stop');
  setUiLang('en');
});

test('the errors say what to do, in both languages (the facts the worker sends are in them)', () => {
  const missing = { ...PARAMS, weights: true, file: 'onnx/encoder_model_fp16.onnx' };
  const cases = [
    ['error.model-missing-local', missing, ['org/m', 'onnx/encoder_model_fp16.onnx', 'q8', 'remote_models=0', 'make models', '/models/org/m/']],
    ['error.model-missing', { ...PARAMS, weights: false, file: 'tokenizer.json' }, ['tokenizer.json', 'Hugging Face hub', 'make models']],
    ['error.model-webgpu', PARAMS, ['device=wasm']],
    ['error.no-backend', PARAMS, ['vendor/ort/', 'make site']],
    ['error.model-offline', PARAMS, ['make models', '/models/org/m/']],
    ['error.image-unreachable', { url: 'http://h/a.png', reason: 'status', status: 500 }, ['http://h/a.png', '500']],
    ['error.not-an-image', { source: 'address', name: 'http://h/x', type: 'text/html' }, ['http://h/x', 'text/html']],
    ['error.undecodable-image', { source: 'file', name: 'a.png' }, ['a.png']],
    ['error.language-not-in-model', { model: 'org/m', name: 'Deutsch', languages: 'Español, Français', suggested: 'org/nllb' },
      ['org/m', 'Deutsch', 'Español, Français', 'translation_model=org/nllb']],
    ['error.language-not-in-model', { model: 'org/m', name: 'Deutsch', languages: '', suggested: 'org/nllb' },
      ['org/m', 'Deutsch', 'translation_model=org/nllb']],
  ];
  for (const lang of ['en', 'pt']) {
    setUiLang(lang);
    for (const [key, params, facts] of cases) {
      const text = t(key, params);
      for (const fact of facts) assert.ok(text.includes(fact), `${lang} ${key} lacks ${fact}: ${text}`);
      assert.match(text, /^[A-Z“OÓ].*[.)]$/u, `${lang} ${key} is a sentence`);
    }
  }
  setUiLang('en');
  assert.match(t('error.model-missing-local', missing), /q8 weights \(onnx\/encoder_model_fp16\.onnx\).*another dtype/);
});
