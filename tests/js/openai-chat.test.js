// The playground's OpenAI chat client (web/ui/openai-chat.js), against a small Node HTTP server
// on 127.0.0.1 that streams server-sent events the way llama.cpp, vLLM and the sidecar do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  ChatError, FigureClock, SseParser, chatServer, completionsUrl, requestBody, serverModel, streamChat,
} from '../../web/ui/openai-chat.js';
import { catalog } from '../../web/ui/i18n.js';

/** @type {Record<string, (req: http.IncomingMessage, res: http.ServerResponse, body: any) => void>} */
const routes = {};
const seen = [];
let server;
let base;

const chunk = (content, extra = {}) => `data: ${JSON.stringify({
  object: 'chat.completion.chunk', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: null, ...extra }],
})}\n\n`;

/** A text_completion chunk (OpenAI's legacy completions API), as the sidecar and llama.cpp send. */
const textChunk = (text, finish = null) => `data: ${JSON.stringify({
  object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
})}\n\n`;

function sse(res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
}

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (piece) => { raw += piece; });
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      seen.push({ url: req.url, auth: req.headers.authorization, body, req });
      const route = routes[body?.model] || routes.default;
      route(req, res, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

test('a model written server:<id> runs on the server; the address and key come from the settings', () => {
  assert.equal(serverModel('server:HuggingFaceTB/SmolLM2-135M-Instruct'), 'HuggingFaceTB/SmolLM2-135M-Instruct');
  assert.equal(serverModel('server:llama3.2:1b'), 'llama3.2:1b');
  assert.equal(serverModel('HuggingFaceTB/SmolLM2-135M-Instruct'), null);
  assert.deepEqual(chatServer({ tts: 'http://127.0.0.1:5000', tts_key: 'k', chat_url: '', chat_key: 'x' }),
    { base: 'http://127.0.0.1:5000', key: 'k', keySetting: 'tts_key' });
  assert.deepEqual(chatServer({ tts: 'http://127.0.0.1:5000', tts_key: 'k', chat_url: 'http://127.0.0.1:11434/v1', chat_key: '' }),
    { base: 'http://127.0.0.1:11434/v1', key: '', keySetting: 'chat_key' });
  assert.equal(completionsUrl('http://127.0.0.1:5000'), 'http://127.0.0.1:5000/v1/chat/completions');
  assert.equal(completionsUrl('http://127.0.0.1:11434/v1/'), 'http://127.0.0.1:11434/v1/chat/completions');
  assert.equal(completionsUrl('https://host/openai/v1'), 'https://host/openai/v1/chat/completions');
  assert.equal(completionsUrl('http://127.0.0.1:5000', true), 'http://127.0.0.1:5000/v1/completions');
  assert.equal(completionsUrl('http://127.0.0.1:11434/v1/', true), 'http://127.0.0.1:11434/v1/completions');
});

test('the playground parameters become OpenAI fields; greedy is temperature 0', () => {
  const messages = [{ role: 'user', content: 'Oi' }];
  assert.deepEqual(requestBody('m', messages, { max_new_tokens: '512', do_sample: false, temperature: 0.7, top_p: 0.9, top_k: 5 }), {
    model: 'm', messages, stream: true, stream_options: { include_usage: true }, max_tokens: 512, temperature: 0,
  });
  const sampled = requestBody('m', messages, { max_new_tokens: 20, do_sample: true, temperature: 0.7, top_p: 0.9 });
  assert.deepEqual([sampled.temperature, sampled.top_p, sampled.max_tokens], [0.7, 0.9, 20]);
  assert.deepEqual(requestBody('m', 'Era uma vez', { max_new_tokens: 5, do_sample: false }), {
    model: 'm', prompt: 'Era uma vez', stream: true, stream_options: { include_usage: true }, max_tokens: 5, temperature: 0,
  });
});

test('the event parser joins lines split between pieces, whatever ends them', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(': ping\n\ndata: {"a"'), []);
  assert.deepEqual(parser.push(':1}\r'), []);
  assert.deepEqual(parser.push('\n\r\ndata: [DO'), ['{"a":1}']);
  assert.deepEqual(parser.push('NE]\n'), []);
  assert.deepEqual(parser.push('\nevent: x\ndata: a\ndata: b\n\ndata: last'), ['[DONE]', 'a\nb']);
  assert.deepEqual(parser.end(), ['last']);
});

test('figures: tokens, time to first token, tokens after the first per second', () => {
  const times = [100, 350, 450, 550, 650];
  const clock = new FigureClock(() => times.shift());
  assert.deepEqual(clock.figures(), { tokens: 0, ttftMs: null, tokensPerS: null });
  clock.add();
  assert.deepEqual(clock.figures(), { tokens: 1, ttftMs: 250, tokensPerS: null });
  clock.add();
  clock.add();
  clock.add();
  assert.deepEqual(clock.figures(), { tokens: 4, ttftMs: 250, tokensPerS: 10 });
  clock.settle(7);  // the server's usage: 6 tokens after the first in 0.3 s
  assert.deepEqual(clock.figures(), { tokens: 7, ttftMs: 250, tokensPerS: 20 });
});

test('a streamed answer: pieces in order, split UTF-8 and lines, usage, finish reason, key sent', async () => {
  routes.stream = (req, res) => {
    sse(res);
    const bytes = Buffer.from(chunk('Olá, ') + chunk('você') + chunk(null, { finish_reason: 'length' })
      + `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\ndata: [DONE]\n\n`);
    // One byte at a time: every line and every multi-byte character is split somewhere.
    let at = 0;
    const next = () => {
      if (at >= bytes.length) { res.end(); return; }
      res.write(bytes.subarray(at, at + 1));
      at += 1;
      setImmediate(next);
    };
    next();
  };
  const pieces = [];
  const result = await streamChat({
    server: { base, key: 'sk-test', keySetting: 'chat_key' }, model: 'stream',
    messages: [{ role: 'system', content: 'Responda em Português.' }, { role: 'user', content: 'Oi' }],
    params: { max_new_tokens: 3, do_sample: false },
    onPiece: (text, figures) => pieces.push([text, figures.tokens]),
  });
  assert.deepEqual(pieces, [['Olá, ', 1], ['você', 2]]);
  assert.equal(result.text, 'Olá, você');
  assert.equal(result.finishReason, 'length');
  assert.equal(result.stopped, false);
  assert.equal(result.figures.tokens, 3);  // the server's usage, not the 2 chunks
  assert.ok(result.figures.ttftMs >= 0);
  const request = seen.at(-1);
  assert.equal(request.url, '/v1/chat/completions');
  assert.equal(request.auth, 'Bearer sk-test');
  assert.deepEqual(request.body.messages[1], { role: 'user', content: 'Oi' });
  assert.equal(request.body.max_tokens, 3);
});

test('a server that answers one chat.completion instead of a stream still answers', async () => {
  routes.whole = (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Tudo bem' }, finish_reason: 'stop' }], usage: { completion_tokens: 4 } }));
  };
  const result = await streamChat({ server: { base: `${base}/v1`, key: '', keySetting: 'chat_key' }, model: 'whole', messages: [] });
  assert.deepEqual([result.text, result.finishReason, result.figures.tokens], ['Tudo bem', 'stop', 4]);
  assert.equal(seen.at(-1).auth, undefined);
});

test('Stop aborts the request: the server sees the connection close, the text so far is kept', { timeout: 10000 }, async () => {
  for (const raw of [false, true]) {  // a chat, and a raw prompt (completions API)
    let closed;
    const serverSawClose = new Promise((resolve) => { closed = resolve; });
    routes.endless = (req, res) => {
      sse(res);
      const timer = setInterval(() => res.write(raw ? textChunk('palavra ') : chunk('palavra ')), 5);
      res.on('close', () => { clearInterval(timer); closed(); });
    };
    const controller = new AbortController();
    const result = await streamChat({
      server: { base, key: '', keySetting: 'tts_key' }, model: 'endless', ...(raw ? { prompt: 'Era' } : { messages: [] }),
      signal: controller.signal, onPiece: (_text, figures) => { if (figures.tokens === 3) controller.abort(); },
    });
    assert.equal(seen.at(-1).url, raw ? '/v1/completions' : '/v1/chat/completions');
    assert.equal(result.stopped, true);
    assert.equal(result.text, 'palavra palavra palavra ');
    assert.equal(result.figures.tokens, 3);
    await serverSawClose;
  }
});

test('a Stop before the server answers ends at once, with nothing', { timeout: 10000 }, async () => {
  routes.slow = () => {};  // never answers
  const controller = new AbortController();
  const running = streamChat({ server: { base, key: '', keySetting: 'tts_key' }, model: 'slow', messages: [], signal: controller.signal });
  controller.abort();
  const result = await running;
  assert.deepEqual([result.stopped, result.text, result.figures.tokens], [true, '', 0]);
});

/** The ChatError a request for `model` ends with. */
async function failure(model, serverBase = base) {
  try {
    await streamChat({ server: { base: serverBase, key: '', keySetting: 'tts_key' }, model, messages: [] });
  } catch (err) {
    assert.ok(err instanceof ChatError, String(err));
    return err;
  }
  assert.fail('no error');
  return null;
}

test('OpenAI error bodies become worded errors, with the server\'s own explanation', async () => {
  const answer = (status, body, headers = {}) => (req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (message, type, code) => ({ error: { message, type, code } });
  routes.missing = answer(404, error('The model `missing` does not exist', 'invalid_request_error', 'model_not_found'));
  routes.busy = answer(429, error('All 1 slots are busy', 'rate_limit_error', 'busy'), { 'Retry-After': '2' });
  routes.toolong = answer(400, error('max_tokens above 1024', 'invalid_request_error', 'max_tokens'));
  routes.locked = answer(401, error('API key required', 'invalid_request_error', 'api-key-required'));
  routes.cannotload = answer(503, error('The model phi cannot load: not cached', 'server_error', 'model-unavailable'));
  routes.broken = (req, res) => { res.writeHead(500, { 'Content-Type': 'text/html' }); res.end('<h1>oops</h1>'); };
  const expected = {
    missing: ['server-no-model', { model: 'missing', said: 'The model `missing` does not exist' }],
    busy: ['server-busy', { retryAfter: 2, said: 'All 1 slots are busy' }],
    toolong: ['server-refused', { said: 'max_tokens above 1024' }],
    locked: ['server-key', { setting: 'tts_key', said: 'API key required' }],
    cannotload: ['server-unavailable', { said: 'The model phi cannot load: not cached' }],
    broken: ['server-failed', { status: 500, said: '' }],
  };
  for (const [model, [key, params]] of Object.entries(expected)) {
    const err = await failure(model);
    assert.equal(err.key, key, model);
    for (const [name, value] of Object.entries(params)) assert.deepEqual(err.params[name], value, `${model}.${name}`);
    assert.equal(err.params.address, base);
    for (const lang of ['en', 'pt']) {
      const sentence = catalog(lang)[`error.${key}`](err.params);
      assert.ok(sentence.includes(base), `${lang} ${key}: ${sentence}`);
      if (params.said) assert.ok(sentence.includes(params.said), `${lang} ${key}: ${sentence}`);
    }
  }
});

test('an error inside the stream, garbage, a cut stream and a closed port are worded too', async () => {
  routes.midway = (req, res) => {
    sse(res);
    res.end(`${chunk('a')}data: ${JSON.stringify({ error: { message: 'generation deadline passed', type: 'server_error' } })}\n\n`);
  };
  routes.garbage = (req, res) => { sse(res); res.end('data: <html>\n\n'); };
  routes.cut = (req, res) => { sse(res); res.end(chunk('a')); };
  assert.deepEqual([(await failure('midway')).key, (await failure('midway')).params.said], ['server-failed', 'generation deadline passed']);
  assert.equal((await failure('garbage')).key, 'server-garbled');
  assert.equal((await failure('cut')).key, 'server-cut');
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = closed.address().port;
  closed.close();
  const unreachable = await failure('any', `http://127.0.0.1:${port}`);
  assert.deepEqual([unreachable.key, unreachable.params.address], ['server-unreachable', `http://127.0.0.1:${port}`]);
  assert.equal((await failure('any', '')).key, 'server-no-address');
  for (const key of ['server-garbled', 'server-cut', 'server-unreachable', 'server-no-address']) {
    for (const lang of ['en', 'pt']) assert.ok(catalog(lang)[`error.${key}`], `${lang} error.${key}`);
  }
});

test('a raw prompt is continued through /v1/completions: text chunks, whole answers', { timeout: 10000 }, async () => {
  routes.raw = (req, res) => {
    sse(res);
    res.end(`${textChunk(' havia')}${textChunk(' um rei')}${textChunk('', 'length')}data: ${JSON.stringify({
      object: 'text_completion', choices: [], usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 } })}\n\ndata: [DONE]\n\n`);
  };
  const pieces = [];
  const server = { base, key: '', keySetting: 'tts_key' };
  const result = await streamChat({
    server, model: 'raw', prompt: 'Era uma vez', params: { max_new_tokens: 5 },
    onPiece: (text, figures) => pieces.push([text, figures.tokens]),
  });
  assert.deepEqual(pieces, [[' havia', 1], [' um rei', 2]]);
  assert.deepEqual([result.text, result.finishReason, result.figures.tokens, result.stopped], [' havia um rei', 'length', 5, false]);
  assert.equal(seen.at(-1).url, '/v1/completions');
  assert.deepEqual([seen.at(-1).body.prompt, seen.at(-1).body.messages], ['Era uma vez', undefined]);
  routes.rawwhole = (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ object: 'text_completion', choices: [{ text: ' havia', finish_reason: 'stop' }], usage: { completion_tokens: 2 } }));
  };
  const whole = await streamChat({ server, model: 'rawwhole', prompt: 'Era uma vez' });
  assert.deepEqual([whole.text, whole.finishReason, whole.figures.tokens], [' havia', 'stop', 2]);
});
