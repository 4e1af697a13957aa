// How every page of the site starts (index.html and playground.html): #status and the page
// state first, then the page's own views, the outside hooks, then the settings (schema <
// config.json < saved < query), cross-origin isolation, and the Web Worker. A page passes what
// is its own.

import { mountPageState } from './state.js';
import { startWorker } from './worker-host.js';
import { mountStatus } from './status.js';
import { loadSettings } from './settings.js';
import { mountHooks } from './hooks.js';
import { applyIsolation } from './isolation.js';
import { followLanguage, t } from './i18n.js';
import { store } from './page-store.js';

/**
 * @param {object} page
 * @param {string} page.name "index" or "playground": the schema's `per_page` fields it takes
 * @param {() => void} page.mount the page's views and controls (before the settings are read)
 * @param {(message: any) => void} page.onMessage every message from the Web Worker
 * @param {(settings: Record<string, any>) => void} [page.onSettings] the page's own use of the
 *   resolved settings, before the Web Worker starts
 */
export async function bootPage({ name, mount, onMessage, onSettings = () => {} }) {
  followLanguage(() => store.get().uiLang);
  mountStatus();
  mountPageState();
  store.get().setStatus(() => t('stage.starting'));
  mount();
  mountHooks();  // after the views: a hook's listener sees the page already updated
  let pythonSettings;
  try {
    pythonSettings = await loadSettings(name);
  } catch (error) {
    console.error('The settings files could not be read', error);
    fail('error.settings-file');
    return;
  }
  const { settings } = store.get();
  applyIsolation(settings.isolate === true);
  onSettings(settings);
  if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') {
    fail('error.no-wasm');
    return;
  }
  startWorker(pythonSettings, onMessage, name);
}

/** The page cannot work: `error` until a reload, with the catalog's sentence for `key`. */
function fail(key) {
  store.get().failFatal({ code: 'runtime-failed', key });
  store.get().setStatus(() => t(key), 'error');
}
