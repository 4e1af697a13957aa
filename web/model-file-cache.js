// Transformers.js's cache of model files, with its writes done behind the load.
//
// Transformers.js keeps every downloaded model file in Cache Storage, and it waits for that
// write (`await cache.put(...)`) before it hands the file to ONNX Runtime. Writing a model's
// hundreds of megabytes takes seconds, in the browser process, while the worker waits: at real
// size it was the largest part of the translation model's load on a first visit
// (docs/performance.md, "Cache Storage writes"). This cache answers `put` at once and lets the
// write finish in the background, so ONNX Runtime builds the session while the browser process
// stores the file on the other core. Same cache name and entries as Transformers.js's own, so
// a revisit, the page's model-cache view and Clear all see the same files.

/**
 * @typedef {object} FileCache
 * @property {(request: string) => Promise<Response | undefined>} match
 * @property {(request: string, response: Response) => Promise<void>} put
 * @property {(request: string) => Promise<boolean>} delete
 */

/**
 * A Cache Storage cache whose `put` returns before the write ends; `onStored(url)` is called
 * when a file's write has landed. A write that fails (full storage, private mode) is logged and
 * dropped, as Transformers.js does with its own.
 * @param {string} name the Cache Storage cache to use (Transformers.js's `env.cacheKey`)
 * @param {(url: string) => void} onStored
 * @returns {FileCache}
 */
export function writeBehindCache(name, onStored) {
  /** @type {Promise<Cache | null>} */
  const opened = caches.open(name).catch((error) => {
    console.warn("Legenda worker: Cache Storage cannot be opened; model files are not kept.", error);
    return null;
  });
  return {
    async match(request) {
      return (await opened)?.match(request);
    },
    async put(request, response) {
      opened
        .then(async (cache) => {
          if (!cache) return;
          await cache.put(request, response);
          onStored(request);
        })
        .catch((error) => console.warn(`Legenda worker: ${request} was not kept:`, error));
    },
    async delete(request) {
      return (await opened)?.delete(request) ?? false;
    },
  };
}
