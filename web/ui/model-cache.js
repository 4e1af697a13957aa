// "Models in this browser": what Transformers.js keeps in Cache Storage, grouped by model, with
// a button that clears it. Transformers.js 4.3.1 stores every model file it fetches (from the
// hub, and from the site's own models/ folder too) in the cache named by `env.cacheKey`, keyed
// by the file's absolute URL; this view reads the same cache from the page (same origin).

import { el } from './dom.js';
import { formatBytes, plural } from './format.js';

// env.cacheKey's default in @huggingface/transformers 4.3.1 (dist/transformers.js).
const CACHE_NAME = 'transformers-cache';

const HUB_FILE = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/; // /<model id>/resolve/<revision>/<file>
const RUNTIME_FILE = /^ort-wasm.*\.(m?js|wasm)$/;

/**
 * Which model a cached file belongs to, and where it came from.
 * @param {string} url the cache key: the absolute URL of the file
 * @param {string} modelsBase absolute URL of the site's models folder (the `models` setting)
 * @returns {{model: string, source: 'site'|'hub'|'runtime'|'other', file: string}}
 */
export function describeCachedUrl(url, modelsBase) {
  const parsed = new URL(url);
  const name = parsed.pathname.split('/').pop();
  // Transformers.js caches ONNX Runtime's own wasm files too: the engine, not a model.
  if (RUNTIME_FILE.test(name)) return { model: 'ONNX Runtime (WebAssembly)', source: 'runtime', file: name };
  if (modelsBase && url.startsWith(modelsBase)) {
    return splitModelPath(url.slice(modelsBase.length), 'site');
  }
  const hub = HUB_FILE.exec(parsed.pathname);
  if (hub) return { model: decodeURIComponent(hub[1]), source: 'hub', file: hub[2] };
  return splitModelPath(parsed.host + parsed.pathname, 'other');
}

// "<org>/<name>/onnx/x.onnx" -> model "<org>/<name>": files sit in the model's folder or in
// its onnx/ sub-folder (that is the layout Transformers.js asks for).
function splitModelPath(path, source) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const file = parts.pop() ?? '';
  const inOnnx = parts.at(-1) === 'onnx';
  if (inOnnx) parts.pop();
  return { model: parts.join('/') || '(unknown)', source, file: (inOnnx ? 'onnx/' : '') + file };
}

async function entrySize(cache, request) {
  const response = await cache.match(request);
  if (!response) return 0;
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > 0) return declared;
  return (await response.blob()).size; // no length header: measure the body itself
}

/**
 * Every model with files in the cache, largest first.
 * @param {string} modelsBase absolute URL of the site's models folder
 * @returns {Promise<Array<{model: string, source: string, files: Array<{file: string,
 *   url: string, bytes: number}>, bytes: number}>>}
 */
async function listCachedModels(modelsBase) {
  if (!(await caches.has(CACHE_NAME))) return [];
  const cache = await caches.open(CACHE_NAME);
  const groups = new Map();
  for (const request of await cache.keys()) {
    const where = describeCachedUrl(request.url, modelsBase);
    const key = `${where.source} ${where.model}`;
    if (!groups.has(key)) groups.set(key, { model: where.model, source: where.source, files: [], bytes: 0 });
    const bytes = await entrySize(cache, request);
    const group = groups.get(key);
    group.files.push({ file: where.file, url: request.url, bytes });
    group.bytes += bytes;
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes || a.model.localeCompare(b.model));
}

/** Delete the whole Transformers.js cache; models are fetched again on next use. */
async function clearModelCache() {
  return caches.delete(CACHE_NAME);
}

const SOURCE_LABEL = {
  site: 'from this site', hub: 'from the Hugging Face hub', runtime: 'the engine that runs the models', other: 'other files',
};

/**
 * Render the view into `section` and keep it up to date.
 * @param {HTMLElement} section the page's #model-cache container
 * @param {{modelsBase: () => string}} options where the site's models live (changes with settings)
 * @returns {{refresh: () => Promise<void>}}
 */
function initModelCache(section, { modelsBase }) {
  const summary = el('p', { className: 'model-cache-summary', role: 'status' });
  const list = el('ul', { className: 'model-cache-list' });
  const refreshButton = el('button', { type: 'button', className: 'button small secondary model-cache-refresh', textContent: 'Refresh' });
  const clearButton = el('button', { type: 'button', className: 'button small secondary model-cache-clear', textContent: 'Clear models…' });
  const confirmBox = el('div', { className: 'model-cache-confirm', hidden: true });
  const confirmText = el('p', { className: 'model-cache-confirm-text' });
  const confirmYes = el('button', { type: 'button', className: 'button small primary model-cache-confirm-yes', textContent: 'Yes, delete them' });
  const confirmNo = el('button', { type: 'button', className: 'button small secondary model-cache-confirm-no', textContent: 'Cancel' });
  confirmBox.append(confirmText, confirmYes, confirmNo);
  if (!section.querySelector('h2')) section.append(el('h2', { textContent: 'Models in this browser' }));
  section.append(summary, list, el('div', { className: 'model-cache-actions' }, refreshButton, clearButton), confirmBox);

  if (typeof caches === 'undefined') {
    // Cache Storage exists only in secure contexts (https, or localhost / 127.0.0.1).
    summary.textContent = 'This browser does not offer Cache Storage here (the page needs https or localhost), so models are not kept between visits.';
    refreshButton.disabled = clearButton.disabled = true;
    return { refresh: async () => {} };
  }

  let models = [];
  let refreshing = null;

  function render() {
    list.replaceChildren(...models.map((m) => el('li', { className: 'model-cache-item' },
      el('span', { className: 'model-cache-name', textContent: m.model }),
      el('span', { className: 'model-cache-source', textContent: ` (${SOURCE_LABEL[m.source]})` }),
      el('span', { className: 'model-cache-size', textContent: ` ${formatBytes(m.bytes)}` }),
      el('span', { className: 'model-cache-files', textContent: `, ${plural(m.files.length, 'file')}` }),
    )));
    const total = models.reduce((sum, m) => sum + m.bytes, 0);
    const count = models.filter((m) => m.source !== 'runtime').length;
    const engine = models.some((m) => m.source === 'runtime') ? ' and the ONNX Runtime engine' : '';
    summary.textContent = models.length
      ? `${plural(count, 'model')}${engine} stored, ${formatBytes(total)} in all.`
      : 'No models are stored in this browser yet: they are saved here the first time they are used.';
    section.dataset.models = String(count);
    section.dataset.entries = String(models.length);
    clearButton.disabled = models.length === 0;
  }

  async function load() {
    try {
      models = await listCachedModels(modelsBase());
      render();
    } catch (err) {
      console.error('Reading the model cache failed', err);
      summary.textContent = 'The list of stored models could not be read: the browser refused access to its storage. Reload the page and try again.';
    }
  }

  // One refresh at a time; a request during one runs once more afterwards.
  let again = false;
  async function refresh() {
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      do { again = false; await load(); } while (again);
      refreshing = null;
    })();
    return refreshing;
  }

  refreshButton.addEventListener('click', () => refresh());
  clearButton.addEventListener('click', () => {
    const total = models.reduce((sum, m) => sum + m.bytes, 0);
    confirmText.textContent = `Delete everything listed (${formatBytes(total)}) from this browser? It is downloaded again the next time it is needed.`;
    confirmBox.hidden = false;
    confirmYes.focus();
  });
  confirmNo.addEventListener('click', () => { confirmBox.hidden = true; });
  confirmYes.addEventListener('click', async () => {
    confirmBox.hidden = true;
    try {
      await clearModelCache();
    } catch (err) {
      console.error('Clearing the model cache failed', err);
      summary.textContent = 'The stored models could not be deleted: the browser refused. Try again, or clear the site data in the browser settings.';
      return;
    }
    await refresh();
  });

  refresh();
  return { refresh };
}

/** Build the view in #model-cache; it refreshes whenever a job ends (models may have been added). */
export function mountModelCache() {
  const section = document.getElementById('model-cache');
  section.hidden = false;
  let models = 'models/';  // config.json's default; the view's first read uses it
  const view = initModelCache(section, { modelsBase: () => new URL(models, document.baseURI).href });
  // Only the models path changes how the cache reads: a new language, voice or model adds no
  // files until a job runs, and a job's end refreshes the view below.
  document.addEventListener('legenda:settings', ({ detail }) => {
    const next = detail.settings.models || models;
    if (next === models) return;
    models = next;
    view.refresh();
  });
  document.addEventListener('legenda:state', ({ detail }) => {
    if (detail.state === 'done' || detail.state === 'error') view.refresh();
  });
}
