// The worker's write-behind cache of model files (web/model-file-cache.js), over an in-memory
// Cache Storage whose writes finish only when the test lets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeBehindCache } from '../../web/model-file-cache.js';

/** A Cache Storage stand-in: each put waits until `finishWrites()`; `failWrites` rejects. */
function fakeCaches({ failWrites = false, failOpen = false } = {}) {
  const entries = new Map();
  const pending = [];
  const cache = {
    async match(url) { return entries.get(url); },
    put(url, response) {
      return new Promise((resolve, reject) => pending.push(() => {
        if (failWrites) { reject(new Error('QuotaExceededError')); return; }
        entries.set(url, response);
        resolve();
      }));
    },
    async delete(url) { return entries.delete(url); },
  };
  return {
    entries,
    caches: { open: async () => { if (failOpen) throw new Error('SecurityError'); return cache; } },
    async finishWrites() {
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      await settle();  // the writes started by put() reach the cache
      pending.splice(0).forEach((finish) => finish());
      await settle();
    },
  };
}

async function quietly(run) {
  const warn = console.warn;
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(' '));
  try { await run(); } finally { console.warn = warn; }
  return warnings;
}

test('put answers before the write lands; the file is kept and said once it does', async () => {
  const fake = fakeCaches();
  globalThis.caches = fake.caches;
  const stored = [];
  const cache = writeBehindCache('transformers-cache', (url) => stored.push(url));
  await cache.put('http://x/m/onnx/encoder.onnx', new Response('weights'));
  assert.equal(await cache.match('http://x/m/onnx/encoder.onnx'), undefined);
  assert.deepEqual(stored, []);
  await fake.finishWrites();
  assert.equal(await (await cache.match('http://x/m/onnx/encoder.onnx')).text(), 'weights');
  assert.deepEqual(stored, ['http://x/m/onnx/encoder.onnx']);
  assert.equal(await cache.delete('http://x/m/onnx/encoder.onnx'), true);
  assert.equal(fake.entries.size, 0);
});

test('a write that fails is logged and dropped, never thrown into the load', async () => {
  const fake = fakeCaches({ failWrites: true });
  globalThis.caches = fake.caches;
  const stored = [];
  const warnings = await quietly(async () => {
    const cache = writeBehindCache('transformers-cache', (url) => stored.push(url));
    await cache.put('http://x/m/config.json', new Response('{}'));
    await fake.finishWrites();
  });
  assert.deepEqual(stored, []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /http:\/\/x\/m\/config.json was not kept/);
});

test('without a usable Cache Storage nothing is kept and nothing fails', async () => {
  const fake = fakeCaches({ failOpen: true });
  globalThis.caches = fake.caches;
  const warnings = await quietly(async () => {
    const cache = writeBehindCache('transformers-cache', () => assert.fail('nothing is stored'));
    await cache.put('http://x/m/config.json', new Response('{}'));
    assert.equal(await cache.match('http://x/m/config.json'), undefined);
    assert.equal(await cache.delete('http://x/m/config.json'), false);
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /Cache Storage cannot be opened/);
});
