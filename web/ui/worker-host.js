// The worker host: starts web/worker.js (Pyodide + Transformers.js) and speaks the protocol in
// docs/architecture.md ("Worker protocol"). Every message from the worker goes to the one
// `onMessage` handler the page gives (app.js routes it into the store and the renderers), so
// no other module touches postMessage.

let worker = null;
let nextJobId = 1;

/**
 * Start the worker with the worker's share of the settings; `onMessage(message)` gets every
 * message. A worker that cannot start or dies becomes a `fatal` message, so the page never
 * waits forever.
 */
export function startWorker(settings, onMessage) {
  worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
  let started = false;  // the worker has said something: its script loaded and runs
  const failed = (key, detail) => {
    console.error('Legenda worker failure:', detail);
    onMessage({ type: 'fatal', code: 'runtime-failed', key });
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
  worker.postMessage({ type: 'init', config: settings });
}

/** Send changed worker settings (`configure`); a `settings` message answers. */
export function configureWorker(changes) {
  worker?.postMessage({ type: 'configure', config: changes });
}

/**
 * Caption and translate `items` ([{itemId, url} | {itemId, blob}]); returns the job id that
 * the worker's `result`, `item-error` and `done` messages carry.
 */
export function runJob(items) {
  const jobId = `job-${nextJobId++}`;
  worker?.postMessage({ type: 'run', jobId, items });
  return jobId;
}

/** Translate a job's captions again into the current `lang` ([{itemId, caption}]). */
export function translateAgain(jobId, items) {
  worker?.postMessage({ type: 'translate', jobId, items });
}

/**
 * A playground job (`{type: "generate" | "chat" | "compare", ...}`) or a chat `reset`; returns
 * the job id its `piece`, `generated`, `generation-error` and `done` messages carry.
 * @param {Record<string, any>} message
 */
export function sendJob(message) {
  const jobId = `job-${nextJobId++}`;
  worker?.postMessage({ ...message, jobId });
  return jobId;
}

/** Stop the playground job `jobId` (the worker takes it at once, within one token). */
export function stopJob(jobId) {
  worker?.postMessage({ type: 'interrupt', jobId });
}
