// The settings schema's logic (web/ui/schema.js) against the real web/settings-schema.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  allKeys, asText, defaults, forPage, fromQuery, fromSaved, pythonShare, resolvePageSettings, savedName, shareLink, specsFor,
  suggestionsOf, toSaved, withoutKeys,
} from '../../web/ui/schema.js';

const schema = JSON.parse(readFileSync(new URL('../../web/settings-schema.json', import.meta.url), 'utf8'));

test('every setting is complete: a side, a group, words in both languages', () => {
  const groups = new Set(schema.groups.map((g) => g.id));
  const keys = allKeys(schema);
  assert.equal(new Set(keys).size, keys.length);
  for (const spec of schema.settings) {
    assert.ok(['python', 'page', 'both'].includes(spec.side), spec.key);
    assert.ok(groups.has(spec.group), spec.key);
    assert.ok(spec.label.en && spec.label.pt, spec.key);
    if (spec.type === 'choice') assert.ok(spec.choices.includes(spec.default) || spec.browser_default, spec.key);
    for (const own of [spec, ...Object.values(spec.per_page || {}).map((fields) => ({ ...spec, ...fields }))]) {
      if (own.type === 'int' || own.type === 'float') assert.ok(own.min <= own.default && own.default <= own.max, spec.key);
    }
  }
});

test('ui_lang defaults to pt for any pt-* browser, else en', () => {
  assert.equal(defaults(schema, 'pt-BR').ui_lang, 'pt');
  assert.equal(defaults(schema, 'pt-PT').ui_lang, 'pt');
  assert.equal(defaults(schema, 'en-US').ui_lang, 'en');
  assert.equal(defaults(schema, 'es').ui_lang, 'en');
  assert.equal(defaults(schema, '').ui_lang, 'en');
});

test('every key can come from the query string, and other parameters are ignored', () => {
  const query = new URLSearchParams(Object.fromEntries(allKeys(schema).map((key) => [key, `v-${key}`])));
  query.set('not_a_setting', '1');
  const found = fromQuery(schema, `?${query}`);
  assert.deepEqual(Object.keys(found).sort(), allKeys(schema).sort());
  assert.equal(found.batch_size, 'v-batch_size');
});

test('saved settings keep only the schema keys', () => {
  assert.deepEqual(fromSaved(schema, { batch_size: '2', theme: 'dark' }), { batch_size: '2' });
  assert.deepEqual(fromSaved(schema, ['x']), {});
  assert.deepEqual(fromSaved(schema, null), {});
});

test('the worker gets only its share: never the speech server, its key, the voice or the page', () => {
  const share = pythonShare(schema, defaults(schema, 'en'));
  for (const key of ['tts', 'tts_key', 'voice', 'isolate', 'ui_lang']) assert.ok(!(key in share), key);
  for (const key of ['caption_model', 'lang', 'models', 'batch_size', 'translation_max_new_tokens']) assert.ok(key in share, key);
});

test('a share link carries every setting but the secret key; link_when_set ones only when set', () => {
  const values = { ...defaults(schema, 'en'), tts_key: 'secret', batch_size: 2 };
  const url = new URL(shareLink(schema, 'http://h/app/?batch_size=9&x=1#top', values));
  assert.equal(url.searchParams.get('batch_size'), '2');
  assert.equal(url.searchParams.get('x'), '1');
  assert.equal(url.hash, '');
  assert.ok(!url.searchParams.has('tts_key'));
  assert.ok(!url.searchParams.has('isolate'));
  assert.equal(new URL(shareLink(schema, 'http://h/', { ...values, isolate: true })).searchParams.get('isolate'), '1');
  const whenSet = schema.settings.filter((spec) => spec.link_when_set).map((spec) => spec.key);
  assert.ok(whenSet.includes('isolate') && whenSet.includes('system_prompt'));
  const secret = schema.settings.filter((spec) => spec.secret).map((spec) => spec.key);
  assert.deepEqual(secret, ['chat_key', 'tts_key', 'telemetry']);  // a link never turns timings on for another
  assert.ok(!new URL(shareLink(schema, 'http://h/', { ...values, telemetry: true })).searchParams.has('telemetry'));
  for (const key of allKeys(schema).filter((k) => !secret.includes(k) && !whenSet.includes(k))) assert.ok(url.searchParams.has(key), key);
  for (const key of whenSet) assert.ok(!url.searchParams.has(key), key);
  const chat = new URL(shareLink(schema, 'http://h/playground.html', { ...values, mode: 'chat' }));
  assert.equal(chat.searchParams.get('mode'), 'chat');
});

test('the page resolves its own settings: good values apply, bad ones keep the base and say why', () => {
  const base = defaults(schema, 'en');
  const good = resolvePageSettings(schema, { tts: 'http://h:5000/', ui_lang: 'PT', isolate: 'yes', tts_key: 'k-1' }, base);
  assert.deepEqual(good.problems, []);
  assert.equal(good.values.tts, 'http://h:5000');
  assert.equal(good.values.ui_lang, 'pt');
  assert.equal(good.values.isolate, true);
  assert.equal(good.values.tts_key, 'k-1');
  const bad = resolvePageSettings(schema, { tts: 'ftp://h', ui_lang: 'xx', isolate: 'maybe', tts_key: 'a b' }, base);
  assert.deepEqual(bad.problems.map((p) => p.setting).sort(), ['isolate', 'tts', 'tts_key', 'ui_lang']);
  assert.equal(bad.values.tts, base.tts);
  const ttsProblem = bad.problems.find((p) => p.setting === 'tts');
  assert.deepEqual(ttsProblem.params, { setting: 'tts', value: 'ftp://h', kept: base.tts, accepts: { kind: 'url' } });
  assert.equal(bad.problems.find((p) => p.setting === 'tts_key').params.value, '…', 'a key is never shown');
  assert.equal(resolvePageSettings(schema, { tts: '' }, base).values.tts, '', 'empty turns speech off');
});

test('form text, links and address helpers', () => {
  assert.equal(asText(true), '1');
  assert.equal(asText(false), '0');
  assert.equal(asText(null), '');
  assert.equal(asText(1.5), '1.5');
  assert.equal(withoutKeys('http://h/?lang=es&x=1', ['lang']), 'http://h/?x=1');
  assert.ok(specsFor(schema, 'playground').every((spec) => !spec.pages || spec.pages.includes('playground')));
  assert.ok(specsFor(schema, 'playground').some((spec) => spec.key === 'dtype'));
  assert.ok(!specsFor(schema, 'playground').some((spec) => spec.key === 'batch_size'));
});

test('a free-text setting lists its documented choices, the default first, worded in both languages', () => {
  const spec = schema.settings.find((s) => s.key === 'translation_model');
  const suggestions = suggestionsOf(spec);
  assert.equal(suggestions[0].value, spec.default);
  assert.ok(suggestions.some((s) => s.value === 'Xenova/opus-mt-en-ROMANCE'));
  for (const s of suggestions) assert.ok(s.label.en && s.label.pt, s.value);
  assert.deepEqual(suggestionsOf(schema.settings.find((s) => s.key === 'dtype')), []);
});

test("a page's own setting: its default and bounds, saved under its own name", () => {
  const playground = forPage(schema, 'playground');
  const index = forPage(schema, 'index');
  const spec = (view) => view.settings.find((s) => s.key === 'max_new_tokens');
  assert.deepEqual([spec(playground).default, spec(playground).max], [256, 2048]);
  assert.deepEqual([spec(index).default, spec(index).max], [30, 256]);
  assert.equal(defaults(playground, 'en').max_new_tokens, 256);
  assert.equal(savedName(spec(playground), 'playground'), 'max_new_tokens@playground');
  assert.equal(savedName(spec(index), 'index'), 'max_new_tokens');
  assert.equal(savedName(schema.settings.find((s) => s.key === 'dtype'), 'playground'), 'dtype');
  // One browser's saved settings: each page reads its own max_new_tokens, and shares the rest.
  const saved = { ...toSaved(index, { max_new_tokens: 40, dtype: 'fp32' }), ...toSaved(playground, { max_new_tokens: 1024 }) };
  assert.deepEqual(saved, { max_new_tokens: 40, dtype: 'fp32', 'max_new_tokens@playground': 1024 });
  assert.deepEqual(fromSaved(playground, saved), { max_new_tokens: 1024, dtype: 'fp32' });
  assert.deepEqual(fromSaved(index, saved), { max_new_tokens: 40, dtype: 'fp32' });
  // The query parameter keeps its name on every page.
  assert.deepEqual(fromQuery(playground, '?max_new_tokens=2048'), { max_new_tokens: '2048' });
});

test('the chat server settings: page-side, the key secret, an address or empty', () => {
  const base = defaults(schema, 'en');
  const spec = (key) => schema.settings.find((s) => s.key === key);
  assert.deepEqual([spec('chat_url').side, spec('chat_key').side, spec('chat_key').secret], ['page', 'page', true]);
  const link = new URL(shareLink(schema, 'http://h/playground.html', { ...base, chat_url: 'http://127.0.0.1:11434/v1', chat_key: 'sk-secret' }));
  assert.equal(link.searchParams.get('chat_url'), 'http://127.0.0.1:11434/v1');
  assert.ok(!link.searchParams.has('chat_key'), 'a key never travels in a link');
  const resolved = resolvePageSettings(schema, { chat_url: 'http://127.0.0.1:8080/v1/', chat_key: 'sk-1' }, base);
  assert.deepEqual([resolved.values.chat_url, resolved.values.chat_key, resolved.problems], ['http://127.0.0.1:8080/v1', 'sk-1', []]);
  const bad = resolvePageSettings(schema, { chat_url: 'localhost:8080' }, base);
  assert.deepEqual(bad.problems.map((p) => p.setting), ['chat_url']);
  assert.ok(!('chat_url' in pythonShare(schema, base)) && !('chat_key' in pythonShare(schema, base)));
});
