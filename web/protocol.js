// The worker protocol: every message between the page and Python (inside the Web Worker), its
// type and its fields, named once. Python's twin is web/py/legenda/protocol.py; a test
// (tests/web/py/test_protocol.py) keeps the two equal. docs/architecture.md, "Worker protocol",
// says what each message means. Every other file names a type through `TYPE` and builds the
// messages it sends with the functions below; no file spells a type as a string of its own.
//
// Pure (no DOM, no Worker): the page, web/worker.js and Node's test runner all import it.

/** Every message type. */
export const TYPE = Object.freeze({
  // page -> Python
  INIT: 'init',
  CONFIGURE: 'configure',
  RUN: 'run',
  TRANSLATE: 'translate',
  GENERATE: 'generate',
  CHAT: 'chat',
  COMPARE: 'compare',
  RESET: 'reset',
  INTERRUPT: 'interrupt',
  // Python -> page
  SETTINGS: 'settings',
  STAGE: 'stage',
  PROGRESS: 'progress',
  RESULT: 'result',
  ITEM_ERROR: 'item-error',
  DONE: 'done',
  FATAL: 'fatal',
  NOTICE: 'notice',
  PIECE: 'piece',
  GENERATED: 'generated',
  GENERATION_ERROR: 'generation-error',
  RESET_DONE: 'reset-done',
});

/**
 * Who sends each message and its fields besides `type` (a `?` ends an optional one). `debug`
 * is the one field for the benchmarks' options (bench/): a job that carries `debug` gets its
 * reply's `debug` too; the page never sends it.
 */
export const MESSAGES = Object.freeze({
  [TYPE.INIT]: { from: 'page', fields: ['config', 'page?'] },
  [TYPE.CONFIGURE]: { from: 'page', fields: ['config'] },
  [TYPE.RUN]: { from: 'page', fields: ['jobId', 'items'] },
  [TYPE.TRANSLATE]: { from: 'page', fields: ['jobId', 'items'] },
  [TYPE.GENERATE]: { from: 'page', fields: ['jobId', 'model?', 'prompt', 'params?', 'device?', 'debug?'] },
  [TYPE.CHAT]: { from: 'page', fields: ['jobId', 'model?', 'message', 'system?', 'history?', 'params?', 'device?', 'debug?'] },
  [TYPE.COMPARE]: { from: 'page', fields: ['jobId', 'models?', 'prompt', 'params?', 'debug?'] },
  [TYPE.RESET]: { from: 'page', fields: ['jobId?', 'system?'] },
  [TYPE.INTERRUPT]: { from: 'page', fields: ['jobId?'] },
  [TYPE.SETTINGS]: { from: 'web-worker', fields: ['settings', 'languages', 'problems', 'notices'] },
  [TYPE.STAGE]: { from: 'web-worker', fields: ['stage', 'params', 'jobId?', 'itemId?', 'model?'] },
  [TYPE.PROGRESS]: { from: 'web-worker', fields: ['model', 'file', 'status', 'loaded', 'total', 'progress'] },
  [TYPE.RESULT]: { from: 'web-worker', fields: ['jobId', 'itemId', 'caption', 'translation', 'lang'] },
  [TYPE.ITEM_ERROR]: { from: 'web-worker', fields: ['jobId', 'itemId', 'code', 'key', 'params', 'caption?'] },
  [TYPE.DONE]: { from: 'web-worker', fields: ['jobId'] },
  [TYPE.FATAL]: { from: 'web-worker', fields: ['code', 'key', 'params'] },
  [TYPE.NOTICE]: { from: 'web-worker', fields: ['jobId', 'model', 'key', 'params'] },
  [TYPE.PIECE]: { from: 'web-worker', fields: ['jobId', 'model', 'text', 'figures'] },
  [TYPE.GENERATED]: { from: 'web-worker', fields: ['jobId', 'model', 'text', 'figures', 'stopped', 'debug?'] },
  [TYPE.GENERATION_ERROR]: { from: 'web-worker', fields: ['jobId', 'code', 'key', 'params', 'model?'] },
  [TYPE.RESET_DONE]: { from: 'web-worker', fields: [] },
});

/**
 * @typedef {{code: string, key?: string, params?: Record<string, any>, message?: string}} Failure
 * @typedef {{type: 'fatal', code: string, key: string, params: Record<string, any>}} FatalMessage
 */

/**
 * The one error reply that is not Python's own: the runtime cannot work (it did not start, or
 * the Web Worker died). web/worker.js and ui/worker-host.js send it; the page stops waiting
 * for the running job and stays in `error`.
 * @param {string} code
 * @param {string} key
 * @param {Record<string, any>} [params]
 * @returns {FatalMessage}
 */
export function fatal(code, key, params = {}) {
  return { type: /** @type {'fatal'} */ (TYPE.FATAL), code, key, params };
}

/**
 * @param {Record<string, any>} config the raw settings Python resolves
 * @param {string} [page] the page ("index", "playground"): its own settings' bounds and defaults
 */
export const init = (config, page) => ({ type: TYPE.INIT, config, ...(page ? { page } : {}) });

/** @param {Record<string, any>} config changed settings (possibly none) */
export const configure = (config) => ({ type: TYPE.CONFIGURE, config });

/**
 * @param {string} jobId
 * @param {Array<{itemId: string, url?: string, blob?: Blob, name?: string}>} items
 */
export const run = (jobId, items) => ({ type: TYPE.RUN, jobId, items });

/**
 * @param {string} jobId
 * @param {Array<{itemId: string, caption: string}>} items
 */
export const translate = (jobId, items) => ({ type: TYPE.TRANSLATE, jobId, items });

/** @param {string} [jobId] */
export const interrupt = (jobId) => ({ type: TYPE.INTERRUPT, jobId });

/** @param {string} [system] */
export const reset = (system) => ({ type: TYPE.RESET, system });
