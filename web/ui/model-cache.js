// "Models in this browser": what Transformers.js keeps in Cache Storage, grouped by model, with
// a button that clears it. Transformers.js 4.3.1 stores every model file it fetches (from the
// hub, and from the site's own models/ folder too) in the cache named by `env.cacheKey`, keyed
// by the file's absolute URL; this view reads the same cache from the page (same origin).

import { el } from './dom.js';
import { formatBytes } from './format.js';
import { bind, say, t } from './i18n.js';
import { watch } from './store.js';
import { store } from './page-store.js';

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


function cacheButton(className, key) {
  const node = el('button', { type: 'button', className: `button small ${className}` });
  say(node, key);
  return node;
}

/** One cached model as a list item: name, source, size and file count. */
function modelItem(m) {
  const source = el('span', { className: 'model-cache-source' });
  bind(source, () => ` (${t(`cache.source.${m.source}`)})`);
  const files = el('span', { className: 'model-cache-files' });
  bind(files, () => `, ${t('cache.files', { count: m.files.length })}`);
  return el('li', { className: 'model-cache-item' },
    el('span', { className: 'model-cache-name', textContent: m.model }), source,
    el('span', { className: 'model-cache-size', textContent: ` ${formatBytes(m.bytes)}` }), files);
}

/**
 * The view in a section (the main page's #model-cache; another page may make its own): the
 * models in Cache Storage, kept up to date with `refresh()`, and a Clear with a confirmation.
 */
export class ModelCacheView {
  /**
   * @param {HTMLElement} section
   * @param {{modelsBase: () => string}} options where the site's models live (changes with settings)
   */
  constructor(section, { modelsBase }) {
    this.section = section;
    this.modelsBase = modelsBase;
    this.models = [];
    this.refreshing = null;
    this.again = false;
    this.build();
    if (typeof caches === 'undefined') {
      // Cache Storage exists only in secure contexts (https, or localhost / 127.0.0.1).
      say(this.summary, 'cache.unsupported');
      this.refreshButton.disabled = this.clearButton.disabled = true;
      this.refresh = async () => {};
      return;
    }
    this.refreshButton.addEventListener('click', () => this.refresh());
    this.clearButton.addEventListener('click', () => this.askClear());
    this.confirmNo.addEventListener('click', () => { this.confirmBox.hidden = true; });
    this.confirmYes.addEventListener('click', () => this.clear());
    this.refresh();
  }

  build() {
    this.summary = el('p', { className: 'model-cache-summary', role: 'status' });
    this.list = el('ul', { className: 'model-cache-list' });
    this.refreshButton = cacheButton('secondary model-cache-refresh', 'cache.refresh');
    this.clearButton = cacheButton('secondary model-cache-clear', 'cache.clear');
    this.confirmText = el('p', { className: 'model-cache-confirm-text' });
    this.confirmYes = cacheButton('primary model-cache-confirm-yes', 'cache.confirm-yes');
    this.confirmNo = cacheButton('secondary model-cache-confirm-no', 'cache.confirm-no');
    this.confirmBox = el('div', { className: 'model-cache-confirm', hidden: true }, this.confirmText, this.confirmYes, this.confirmNo);
    if (!this.section.querySelector('h2')) {
      const heading = el('h2');
      say(heading, 'cache.heading');
      this.section.append(heading);
    }
    const actions = el('div', { className: 'model-cache-actions' }, this.refreshButton, this.clearButton);
    this.section.append(this.summary, this.list, actions, this.confirmBox);
  }

  render() {
    const models = this.models;
    this.list.replaceChildren(...models.map(modelItem));
    const total = formatBytes(models.reduce((sum, m) => sum + m.bytes, 0));
    const count = models.filter((m) => m.source !== 'runtime').length;
    const engine = models.some((m) => m.source === 'runtime');
    if (models.length) say(this.summary, 'cache.summary', { count, engine, total });
    else say(this.summary, 'cache.empty');
    this.section.dataset.models = String(count);
    this.section.dataset.entries = String(models.length);
    this.clearButton.disabled = models.length === 0;
  }

  async load() {
    try {
      this.models = await listCachedModels(this.modelsBase());
      this.render();
    } catch (err) {
      console.error('Reading the model cache failed', err);
      say(this.summary, 'cache.read-failed');
    }
  }

  /** Read the cache again; one read at a time, and a request during one runs once more. */
  async refresh() {
    if (this.refreshing) { this.again = true; return this.refreshing; }
    this.refreshing = (async () => {
      do { this.again = false; await this.load(); } while (this.again);
      this.refreshing = null;
    })();
    return this.refreshing;
  }

  askClear() {
    const total = this.models.reduce((sum, m) => sum + m.bytes, 0);
    say(this.confirmText, 'cache.confirm', { total: formatBytes(total) });
    this.confirmBox.hidden = false;
    this.confirmYes.focus();
  }

  async clear() {
    this.confirmBox.hidden = true;
    try {
      await clearModelCache();
    } catch (err) {
      console.error('Clearing the model cache failed', err);
      say(this.summary, 'cache.delete-failed');
      return;
    }
    await this.refresh();
  }
}

/**
 * Build the view in #model-cache once the settings are known; it reads the cache again when
 * the `models` path changes and whenever a job ends (models may have been added). A new
 * language, voice or model adds no files until a job runs.
 */
export function mountModelCache() {
  const section = /** @type {HTMLElement} */ (document.getElementById('model-cache'));
  let view = null;
  watch(store, (state) => state.settings.models, (models) => {
    if (!models) return;
    if (!view) {
      section.hidden = false;
      view = new ModelCacheView(section, { modelsBase: () => new URL(store.get().settings.models, document.baseURI).href });
    } else {
      view.refresh();
    }
  });
  watch(store, (state) => state.pageState, ({ state }) => {
    if (view && (state === 'done' || state === 'error')) view.refresh();
  }, false);
}
