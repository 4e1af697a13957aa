// Formatting helpers (web/ui/format.js) and the sidecar client's headers (web/ui/sidecar.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, languageName } from '../../web/ui/format.js';
import { SidecarClient, SpeechError } from '../../web/ui/sidecar.js';

test('formatBytes', () => {
  assert.equal(formatBytes(0), '');
  assert.equal(formatBytes(500), '500 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(50 * 1024 * 1024), '50 MB');
});

test('languageName falls back to the code', () => {
  assert.equal(languageName([{ code: 'pt', name: 'Português (Brasil)' }], 'pt'), 'Português (Brasil)');
  assert.equal(languageName([], 'xx'), 'xx');
});

test('the sidecar client sends the API key as a Bearer token, and none when empty', async (t) => {
  const seen = [];
  t.mock.method(globalThis, 'fetch', async (url, init) => {
    seen.push([url, init.headers]);
    return new Response(JSON.stringify({ engine: 'espeak' }), { status: 200 });
  });
  await new SidecarClient('http://h:5000', 'k-1').voices();
  await new SidecarClient('http://h:5000/').voices();
  assert.equal(seen[0][0], 'http://h:5000/api/voices');
  assert.equal(seen[0][1].Authorization, 'Bearer k-1');
  assert.ok(!('Authorization' in seen[1][1]));
});

test('a refusal becomes a SpeechError with the server\'s code', async (t) => {
  t.mock.method(globalThis, 'fetch', async () => new Response(JSON.stringify({ error: { code: 'api-key-required', message: 'Bad key.' } }), { status: 401 }));
  await assert.rejects(new SidecarClient('http://h').health(), (err) => err instanceof SpeechError && err.key === 'server-said' && err.params.code === 'api-key-required');
});

test('with an API key the audio is fetched with it and played from a blob URL', async (t) => {
  const seen = [];
  t.mock.method(globalThis, 'fetch', async (url, init) => {
    seen.push([url, init.headers]);
    return new Response(new Uint8Array([82, 73, 70, 70]), { status: 200 });
  });
  const src = await new SidecarClient('http://h:5000', 'k-1').audioSrc('/api/audio/x.wav');
  assert.match(src, /^blob:/);
  assert.deepEqual(seen, [['http://h:5000/api/audio/x.wav', { Authorization: 'Bearer k-1' }]]);
  assert.equal(await new SidecarClient('http://h:5000').audioSrc('/api/audio/x.wav'), 'http://h:5000/api/audio/x.wav');
});
