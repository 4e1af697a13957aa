// A client of OpenAI's chat completions API (POST <base>/v1/chat/completions, streamed as
// server-sent events) and of its legacy completions API (POST <base>/v1/completions: a raw
// prompt continued, no chat template, as the browser's generate and compare modes do), for the
// playground's models written `server:<id>`: the sidecar
// (tts_server) or any OpenAI-compatible server (llama.cpp's llama-server, vLLM, Ollama). The
// page runs it itself: it is network I/O, not inference. Every failure becomes a ChatError
// whose `key` and `params` the page words (`error.server-*` in ui/i18n/<lang>.js); a Stop is
// the caller's AbortSignal, which aborts the request (the server frees its slot) and keeps
// the text so far. The figures are the worker's (web/py/legenda/generation.py, Figures):
// tokens, time to first token, and tokens after the first per second of decoding. Pure: no
// DOM, so Node's test runner checks it (tests/js/openai-chat.test.js).

export const SERVER_PREFIX = 'server:';

/**
 * @typedef {{role: 'system' | 'user' | 'assistant', content: string}} ChatMessage
 * @typedef {{tokens: number, ttftMs: number | null, tokensPerS: number | null}} Figures
 * @typedef {{base: string, key: string, keySetting: string}} ChatServer
 * @typedef {{text: string, figures: Figures, finishReason: string | null, stopped: boolean}} ChatResult
 */

/** A failure a person can act on: `key` names its sentence (`error.<key>`). */
export class ChatError extends Error {
  /** @param {string} key @param {Record<string, any>} [params] */
  constructor(key, params = {}) {
    super(`${key} ${JSON.stringify(params)}`);
    this.name = 'ChatError';
    this.code = key;
    this.key = key;
    this.params = params;
  }
}

/** The id after `server:` when `model` runs on the server, else null. */
export function serverModel(model) {
  const text = String(model || '').trim();
  return text.startsWith(SERVER_PREFIX) ? text.slice(SERVER_PREFIX.length).trim() : null;
}

/**
 * Which server answers: `chat_url` (with `chat_key`) when set, else the sidecar at `tts`
 * (with `tts_key`).
 * @param {Record<string, any>} settings
 * @returns {ChatServer}
 */
export function chatServer(settings) {
  if (settings.chat_url) return { base: settings.chat_url, key: settings.chat_key || '', keySetting: 'chat_key' };
  return { base: settings.tts || '', key: settings.tts_key || '', keySetting: 'tts_key' };
}

/**
 * The chat completions URL of a base URL (the completions one when `raw`): written with its API
 * version (`…/v1`, as OpenAI's SDK takes it: `http://localhost:11434/v1`) or without
 * (`http://127.0.0.1:5000`: /v1 is added).
 * @param {string} base @param {boolean} [raw]
 */
export function completionsUrl(base, raw = false) {
  const trimmed = String(base).replace(/\/+$/, '');
  const route = raw ? 'completions' : 'chat/completions';
  return /\/v\d+$/.test(trimmed) ? `${trimmed}/${route}` : `${trimmed}/v1/${route}`;
}

/**
 * The request body for the playground's parameters (the schema's names): OpenAI's standard
 * fields only, which every compatible server reads. Greedy (do_sample off) is temperature 0.
 * `input`: the conversation (`messages`, chat API) or a raw prompt (`prompt`, completions API).
 * @param {string} model @param {ChatMessage[] | string} input @param {Record<string, any>} params
 */
export function requestBody(model, input, params = {}) {
  const text = typeof input === 'string' ? { prompt: input } : { messages: input };
  /** @type {Record<string, any>} */
  const body = { model, ...text, stream: true, stream_options: { include_usage: true } };
  if (params.max_new_tokens !== undefined) body.max_tokens = Number(params.max_new_tokens);
  if (params.do_sample === false || params.do_sample === '0') {
    body.temperature = 0;
  } else if (params.do_sample !== undefined) {
    if (params.temperature !== undefined) body.temperature = Number(params.temperature);
    if (params.top_p !== undefined) body.top_p = Number(params.top_p);
  }
  return body;
}

/**
 * Server-sent events, fed in pieces as they arrive: `push` returns the `data` of each event
 * completed so far (a line may be split between pieces; `\n`, `\r\n` and `\r` all end one).
 */
export class SseParser {
  constructor() {
    this.buffer = '';
    /** @type {string[]} */
    this.data = [];
  }

  /** @param {string} text @returns {string[]} */
  push(text) {
    this.buffer += text;
    const events = [];
    const lines = this.buffer.split(/\r\n|\r(?!$)|\n/);
    this.buffer = lines.pop() ?? '';  // the last line may not be complete yet
    for (const line of lines) {
      if (line === '') {
        if (this.data.length) events.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(5).replace(/^ /, ''));
      }  // comments (": ping"), event:, id: and retry: lines carry nothing the chat needs
    }
    return events;
  }

  /** What is left when the stream ends (a last event without its blank line). */
  end() {
    const events = this.push('\n\n');
    this.buffer = '';
    return events;
  }
}

/** Tokens, time to first token and decoding speed, from one clock (ms), as the worker's. */
export class FigureClock {
  /** @param {() => number} now */
  constructor(now) {
    this.now = now;
    this.startedMs = now();
    this.tokens = 0;
    /** @type {number | null} */
    this.firstMs = null;
    /** @type {number | null} */
    this.lastMs = null;
  }

  /** `count` tokens arrived now. */
  add(count = 1) {
    const at = this.now();
    if (this.firstMs === null) this.firstMs = at;
    this.lastMs = at;
    this.tokens += count;
  }

  /** The server's own count (usage.completion_tokens) replaces the chunks counted. */
  settle(tokens) {
    if (Number.isInteger(tokens) && tokens >= 0) this.tokens = tokens;
  }

  /** @returns {Figures} */
  figures() {
    const ttft = this.firstMs === null ? null : this.firstMs - this.startedMs;
    const elapsed = this.firstMs === null || this.lastMs === null ? 0 : this.lastMs - this.firstMs;
    const speed = this.tokens >= 2 && elapsed > 0 ? ((this.tokens - 1) * 1000) / elapsed : null;
    return {
      tokens: this.tokens,
      ttftMs: ttft === null ? null : Math.round(ttft * 10) / 10,
      tokensPerS: speed === null ? null : Math.round(speed * 100) / 100,
    };
  }
}

/** The address as people write it, for sentences. */
function shown(base) {
  return String(base).replace(/\/+$/, '');
}

/** The server's own explanation in an OpenAI error body (`{error: {message}}`), if any. */
function explanation(body) {
  const said = body?.error?.message ?? (typeof body?.error === 'string' ? body.error : body?.message);
  return typeof said === 'string' ? said.trim().slice(0, 300) : '';
}

/** The ChatError for an HTTP status and its body. */
export function httpError(status, body, { address, model, keySetting, retryAfter = '' }) {
  const said = explanation(body);
  if (status === 401 || status === 403) return new ChatError('server-key', { address, setting: keySetting, said });
  if (status === 404) return new ChatError('server-no-model', { address, model, said });
  if (status === 429) {
    const seconds = Number.parseInt(retryAfter, 10);
    return new ChatError('server-busy', { address, retryAfter: Number.isFinite(seconds) ? seconds : null, said });
  }
  if (status === 400 || status === 413 || status === 422) return new ChatError('server-refused', { address, model, said });
  if (status === 503) return new ChatError('server-unavailable', { address, model, said });
  return new ChatError('server-failed', { address, status, said });
}

/**
 * One parsed `data:` payload: its text, finish reason and usage, or a ChatError for an error
 * sent inside the stream (vLLM and others do so after a 200).
 */
function readChunk(data, context) {
  let chunk;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new ChatError('server-garbled', { address: context.address });
  }
  if (chunk?.error) throw new ChatError('server-failed', { address: context.address, status: 200, said: explanation(chunk) });
  const choice = chunk?.choices?.[0];
  return {
    text: choiceText(choice?.delta ?? choice),
    finishReason: choice?.finish_reason ?? null,
    usage: chunk?.usage ?? null,
  };
}

/**
 * A choice's text: a chat message's or delta's `content`, a text completion's `text`; '' when
 * it has none.
 */
function choiceText(part) {
  const text = part?.content ?? part?.text;
  return typeof text === 'string' ? text : '';
}

/** A server that answered with one chat.completion (or text_completion) instead of a stream. */
async function readWhole(response, clock, onPiece, context) {
  const body = await response.json().catch(() => null);
  const choice = body?.choices?.[0];
  const part = choice?.message ?? choice;
  if (typeof (part?.content ?? part?.text) !== 'string') throw new ChatError('server-garbled', { address: context.address });
  const text = choiceText(part);
  clock.add(0);
  clock.settle(body.usage?.completion_tokens ?? (text ? 1 : 0));
  onPiece(text, clock.figures());
  return { text, figures: clock.figures(), finishReason: choice.finish_reason ?? null, stopped: false };
}

/** POST the request; network failures and HTTP errors become ChatErrors. */
async function post(url, key, body, signal, context) {
  const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  let response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
  } catch (err) {
    if (signal?.aborted) return null;
    // fetch() gives the same TypeError for a closed port, a wrong host and a CORS refusal.
    console.warn('Legenda: chat server unreachable', err);
    throw new ChatError('server-unreachable', { address: context.address });
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw httpError(response.status, answer, { ...context, retryAfter: response.headers.get('Retry-After') || '' });
  }
  return response;
}

/**
 * Stream one answer: to `messages` through the chat API, or `prompt` (when given) continued
 * raw through the completions API. `onPiece(text, figures)` gets each piece as it arrives.
 * Resolves with the whole text and figures, `stopped` when `signal` aborted it (the text so far
 * is kept).
 * @param {{server: ChatServer, model: string, messages?: ChatMessage[], prompt?: string,
 *   params?: Record<string, any>, signal?: AbortSignal,
 *   onPiece?: (text: string, figures: Figures) => void, now?: () => number}} request
 * @returns {Promise<ChatResult>}
 */
export async function streamChat({ server, model, messages = [], prompt, params = {}, signal, onPiece = () => {}, now = () => performance.now() }) {
  const context = { address: shown(server.base), model, keySetting: server.keySetting };
  if (!server.base) throw new ChatError('server-no-address', {});
  const clock = new FigureClock(now);
  const result = { text: '', finishReason: null, done: false };
  const ended = (stopped) => ({ text: result.text, figures: clock.figures(), finishReason: result.finishReason, stopped });
  try {
    const raw = typeof prompt === 'string';
    const body = requestBody(model, raw ? prompt : messages, params);
    const response = await post(completionsUrl(server.base, raw), server.key, body, signal, context);
    if (response === null) return ended(true);
    if (!(response.headers.get('Content-Type') || '').includes('text/event-stream')) {
      return await readWhole(response, clock, onPiece, context);
    }
    await readStream(response, clock, result, onPiece, context);
  } catch (err) {
    if (!signal?.aborted) throw err;  // a Stop ends the request however far it got
  }
  if (signal?.aborted) return ended(true);
  if (!result.done && result.finishReason === null) throw new ChatError('server-cut', { address: context.address });
  return ended(false);
}

/** Read the event stream into `result` until `[DONE]` or its end. */
async function readStream(response, clock, result, onPiece, context) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();  // one for the whole stream: a character may be split
  const parser = new SseParser();
  const handle = (data) => {
    if (data.trim() === '[DONE]') {
      result.done = true;
      return;
    }
    const { text, finishReason, usage } = readChunk(data, context);
    if (text) {
      clock.add(1);
      result.text += text;
      onPiece(text, clock.figures());
    }
    if (finishReason) result.finishReason = finishReason;
    if (usage && Number.isInteger(usage.completion_tokens)) clock.settle(usage.completion_tokens);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const data of parser.push(decoder.decode(value, { stream: true }))) handle(data);
    if (result.done) {
      await reader.cancel().catch(() => {});
      return;
    }
  }
  for (const data of parser.push(decoder.decode())) handle(data);
  for (const data of parser.end()) handle(data);
}
