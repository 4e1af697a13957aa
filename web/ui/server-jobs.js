// The playground's jobs on the server: where each model runs (`server:<id>` on the chat server,
// anything else in the browser's worker), the order a compare runs its columns in, and one
// model's run on the server reported with the worker's own messages (`stage`, `piece`,
// `generated`, `generation-error`), so the page shows, stops and words both places the same
// way. The request itself is ui/openai-chat.js. Pure but for fetch, so Node's test runner checks
// it (tests/js/server-jobs.test.js).

import { ChatError, chatServer, serverModel, streamChat } from './openai-chat.js';
import { TYPE } from '../protocol.js';

/**
 * @typedef {import('./openai-chat.js').ChatMessage} ChatMessage
 * @typedef {{where: 'browser', models: string[]} | {where: 'server', model: string}} Leg
 */

/**
 * A compare's models as legs run one after the other, in the columns' order: the browser's
 * neighbours together (one worker job: it loads one model at a time), each server model alone.
 * Never two at once, so a browser model and a server one never share the CPU while timed.
 * @param {string[]} models
 * @returns {Leg[]}
 */
export function compareLegs(models) {
  /** @type {Leg[]} */
  const legs = [];
  for (const model of models) {
    const last = legs[legs.length - 1];
    if (serverModel(model) !== null) legs.push({ where: 'server', model });
    else if (last && last.where === 'browser') last.models.push(model);
    else legs.push({ where: 'browser', models: [model] });
  }
  return legs;
}

/**
 * Run `model` (written `server:<id>`) on the chat server of `settings`, posting what happens as
 * the worker's messages with `jobId` and `model` to `post`: a chat's `messages` through the
 * chat API; a generate or compare `prompt` continued raw through the completions API, as the
 * browser continues it (no chat template). Never throws: a failure is a `generation-error`.
 * Resolves once the answer ended, failed or was stopped (`signal`).
 * @param {{jobId: string, model: string, messages?: ChatMessage[], prompt?: string, params: Record<string, any>,
 *   settings: Record<string, any>, signal: AbortSignal, post: (message: Record<string, any>) => void,
 *   now?: () => number}} run
 * @returns {Promise<{text: string, stopped: boolean, failed: boolean}>}
 */
export async function runOnServer({ jobId, model, messages, prompt, params, settings, signal, post, now }) {
  const server = chatServer(settings);
  const id = serverModel(model) || '';
  const ids = { jobId, model };
  post({ type: TYPE.STAGE, stage: 'server', ...ids, params: { model: id, address: server.base } });
  try {
    const result = await streamChat({
      server, model: id, messages, prompt, params, signal, now,
      onPiece: (text, figures) => post({ type: TYPE.PIECE, ...ids, text, figures }),
    });
    post({ type: TYPE.GENERATED, ...ids, text: result.text, figures: result.figures, stopped: result.stopped });
    return { text: result.text, stopped: result.stopped, failed: false };
  } catch (err) {
    const failure = err instanceof ChatError ? err : new ChatError('server-failed', { address: server.base, said: '' });
    if (!(err instanceof ChatError)) console.error('Legenda: the server run failed', err);
    post({ type: TYPE.GENERATION_ERROR, ...ids, code: failure.code, key: failure.key, params: failure.params });
    return { text: '', stopped: false, failed: true };
  }
}
