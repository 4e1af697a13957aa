// The playground's jobs on the server (web/ui/server-jobs.js), against a small Node HTTP server
// on 127.0.0.1 streaming server-sent events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { compareLegs, runOnServer } from '../../web/ui/server-jobs.js';
import { TYPE } from '../../web/protocol.js';

let server;
let settings;
const bodies = [];
const urls = [];

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (piece) => { raw += piece; });
    req.on('end', () => {
      const body = JSON.parse(raw);
      bodies.push(body);
      urls.push(req.url);
      if (body.model !== 'tiny') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `The model ${body.model} does not exist`, type: 'invalid_request_error', code: 'model_not_found' } }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      // A chat streams deltas; a raw completion (text_completion) streams `text`.
      const completion = req.url === '/v1/completions';
      const choice = (content) => (completion ? { text: content ?? '' } : { delta: content === null ? {} : { content } });
      for (const content of ['Olá', ' mundo']) {
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, ...choice(content), finish_reason: null }] })}\n\n`);
      }
      res.end(`data: ${JSON.stringify({ choices: [{ index: 0, ...choice(null), finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  settings = { tts: 'http://unused.invalid', chat_url: `http://127.0.0.1:${server.address().port}/v1`, chat_key: '' };
});

after(() => server.close());

test('a compare runs its columns in order: browser neighbours together, each server model alone', () => {
  assert.deepEqual(compareLegs(['a/b', 'c/d', 'server:a/b', 'e', 'server:x', 'server:y']), [
    { where: 'browser', models: ['a/b', 'c/d'] },
    { where: 'server', model: 'server:a/b' },
    { where: 'browser', models: ['e'] },
    { where: 'server', model: 'server:x' },
    { where: 'server', model: 'server:y' },
  ]);
  assert.deepEqual(compareLegs([]), []);
});

test('a server run posts the worker\'s messages: stage, each piece with figures, generated', async () => {
  const posted = [];
  const result = await runOnServer({
    jobId: 'j1', model: 'server:tiny', messages: [{ role: 'user', content: 'Oi' }], params: { max_new_tokens: 8, do_sample: false },
    settings, signal: new AbortController().signal, post: (message) => posted.push(message),
  });
  assert.deepEqual(result, { text: 'Olá mundo', stopped: false, failed: false });
  assert.deepEqual(posted.map((m) => [m.type, m.jobId, m.model]), [
    [TYPE.STAGE, 'j1', 'server:tiny'], [TYPE.PIECE, 'j1', 'server:tiny'], [TYPE.PIECE, 'j1', 'server:tiny'], [TYPE.GENERATED, 'j1', 'server:tiny'],
  ]);
  assert.deepEqual(posted[0].params, { model: 'tiny', address: settings.chat_url });
  assert.deepEqual(posted.filter((m) => m.type === TYPE.PIECE).map((m) => [m.text, m.figures.tokens]), [['Olá', 1], [' mundo', 2]]);
  assert.deepEqual([posted[3].text, posted[3].stopped, posted[3].figures.tokens], ['Olá mundo', false, 2]);
  assert.deepEqual(bodies.at(-1), {
    model: 'tiny', messages: [{ role: 'user', content: 'Oi' }], stream: true, stream_options: { include_usage: true }, max_tokens: 8, temperature: 0,
  });
  assert.equal(urls.at(-1), '/v1/chat/completions');
});

test('a generate or compare prompt is continued raw on the server: /v1/completions, no chat turn', async () => {
  const posted = [];
  const result = await runOnServer({
    jobId: 'j3', model: 'server:tiny', prompt: 'Era uma vez', params: { max_new_tokens: 8, do_sample: false },
    settings, signal: new AbortController().signal, post: (message) => posted.push(message),
  });
  assert.deepEqual(result, { text: 'Olá mundo', stopped: false, failed: false });
  assert.equal(urls.at(-1), '/v1/completions');
  assert.deepEqual(bodies.at(-1), {
    model: 'tiny', prompt: 'Era uma vez', stream: true, stream_options: { include_usage: true }, max_tokens: 8, temperature: 0,
  });
  assert.deepEqual(posted.filter((m) => m.type === TYPE.PIECE).map((m) => [m.text, m.figures.tokens]), [['Olá', 1], [' mundo', 2]]);
  assert.deepEqual([posted.at(-1).type, posted.at(-1).text, posted.at(-1).figures.tokens], [TYPE.GENERATED, 'Olá mundo', 2]);
});

test('a server that refuses is a generation-error with its words, never a throw', async () => {
  const posted = [];
  const result = await runOnServer({
    jobId: 'j2', model: 'server:other', prompt: 'Oi', params: {},
    settings, signal: new AbortController().signal, post: (message) => posted.push(message),
  });
  assert.deepEqual(result, { text: '', stopped: false, failed: true });
  const failure = posted.at(-1);
  assert.deepEqual([failure.type, failure.jobId, failure.model, failure.key], [TYPE.GENERATION_ERROR, 'j2', 'server:other', 'server-no-model']);
  assert.equal(failure.params.said, 'The model other does not exist');
});
