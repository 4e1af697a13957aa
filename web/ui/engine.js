// The worker host: starts web/worker.js (Pyodide + Transformers.js) and speaks the protocol in
// docs/architecture.md. Every message from the worker is re-dispatched on `engine` as an event
// named after its type ("settings", "stage", "progress", "result", "item-error", "done",
// "fatal"), with the message as `event.detail`. The page's modules listen there, so none of
// them touches postMessage.

export const engine = new EventTarget();

let worker = null;
let rawConfig = {};
let nextJobId = 1;

function emit(message) {
  engine.dispatchEvent(new CustomEvent(message.type, { detail: message }));
}

// A worker that cannot start or dies must never leave the page waiting: it becomes a fatal error.
function failed(why, consoleDetail) {
  console.error('Legenda worker failure:', consoleDetail);
  emit({ type: 'fatal', code: 'runtime-failed', message: why });
}

/** Start the worker and send it the raw settings. */
export function startEngine(config) {
  rawConfig = { ...config };
  worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
  let started = false;  // the worker has said something: its script loaded and runs
  worker.addEventListener('message', (event) => {
    started = true;
    emit(event.data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    failed(started
      ? 'The part of the page that runs the models stopped working. Reload the page to start it again.'
      : 'The part of the page that runs the models could not start: one of the site\'s files is missing or broken. Reload the page; if you host the site yourself, build it again with `make site`.',
    event.message || event);
  });
  worker.addEventListener('messageerror', (event) => {
    failed('The page and its model runner could not understand each other. Reload the page.', event);
  });
  worker.postMessage({ type: 'init', config: rawConfig });
}

/**
 * Apply changed settings (e.g. `{lang: 'es'}`): merged into the raw settings and sent as
 * `configure`. The worker answers with a `settings` event; models reload on their next use.
 */
export function applySettings(changes) {
  rawConfig = { ...rawConfig, ...changes };
  worker?.postMessage({ type: 'configure', config: rawConfig });
}

/**
 * Caption and translate `items` ([{itemId, url} | {itemId, blob}]); returns the job id that
 * the worker's `result`, `item-error` and `done` events carry.
 */
export function runJob(items) {
  const jobId = `job-${nextJobId++}`;
  worker.postMessage({ type: 'run', jobId, items });
  return jobId;
}
