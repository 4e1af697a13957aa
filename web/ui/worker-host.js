// The Web Worker's host: starts web/worker.js (Pyodide + Transformers.js, with Python's message
// handler inside) and sends it the protocol's messages (web/protocol.js; docs/architecture.md,
// "Worker protocol"). Every message back goes to the one handler the page gives
// (ui/messages.js), so no other module touches postMessage.

import * as protocol from '../protocol.js';
import { store } from './page-store.js';

/** @type {Worker | null} the running Web Worker (a handle, not page state) */
let webWorker = null;

/**
 * Start the Web Worker with Python's share of the settings; `onMessage(message)` gets every
 * message. A Web Worker that cannot start or dies becomes the protocol's `fatal`, so the page
 * never waits forever.
 * @param {Record<string, any>} settings
 * @param {(message: any) => void} onMessage
 * @param {string} [page] the page's name: Python applies its own settings' bounds
 */
export function startWorker(settings, onMessage, page) {
  const worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
  webWorker = worker;
  let started = false;  // the Web Worker has said something: its script loaded and runs
  const failed = (key, detail) => {
    console.error('Legenda Web Worker failure:', detail);
    onMessage(protocol.fatal('runtime-failed', key));
  };
  worker.addEventListener('message', (event) => {
    started = true;
    onMessage(event.data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    failed(started ? 'worker-stopped' : 'worker-no-start', event.message || event);
  });
  worker.addEventListener('messageerror', (event) => failed('worker-garbled', event));
  worker.postMessage(protocol.init(settings, page));
}

/** Send changed settings for Python (`configure`); a `settings` message answers. */
export function configureWorker(changes) {
  webWorker?.postMessage(protocol.configure(changes));
}

/**
 * Caption and translate `items` ([{itemId, url} | {itemId, blob, name}]); returns the job id
 * that Python's `result`, `item-error` and `done` messages carry.
 */
export function runJob(items) {
  const jobId = store.get().newJobId();
  webWorker?.postMessage(protocol.run(jobId, items));
  return jobId;
}

/** Translate a job's captions again into the current `lang` ([{itemId, caption}]). */
export function translateAgain(jobId, items) {
  webWorker?.postMessage(protocol.translate(jobId, items));
}

/**
 * A playground job (a `generate`, `chat` or `compare` message, with the id of the job it is a
 * part of or without: a new one); returns the job id its `piece`, `generated`,
 * `generation-error` and `done` messages carry.
 * @param {Record<string, any>} message
 */
export function sendJob(message) {
  const jobId = message.jobId || store.get().newJobId();
  webWorker?.postMessage({ ...message, jobId });
  return jobId;
}

/** Forget the chat's conversation (`reset`; Python answers `reset-done`). */
export function resetChat(system) {
  webWorker?.postMessage(protocol.reset(system));
}

/** Stop the playground job `jobId` (Python takes it at once, within one token). */
export function stopJob(jobId) {
  webWorker?.postMessage(protocol.interrupt(jobId));
}
