// How every page of the site starts (index.html and playground.html): #status and the outside
// hooks first, then the page's own views, then the settings (schema < config.json < saved <
// query), cross-origin isolation, and the Web Worker. A page passes what is its own.

import { setFatal } from './state.js';
import { startWorker } from './worker-host.js';
import { mountStatus } from './status.js';
import { loadSettings } from './settings.js';
import { mountHooks } from './hooks.js';
import { applyIsolation } from './isolation.js';
import { t } from './i18n.js';
import { setStatus, store } from './page-store.js';

/**
 * @param {object} page
 * @param {() => void} page.mount the page's views and controls (before the settings are read)
 * @param {(message: any) => void} page.onMessage every message of the worker
 * @param {(settings: Record<string, any>) => void} [page.onSettings] the page's own use of the
 *   resolved settings, before the worker starts
 */
export async function bootPage({ mount, onMessage, onSettings = () => {} }) {
  mountStatus();
  mountHooks();
  setStatus(() => t('stage.starting'), 'info');
  mount();
  let workerSettings;
  try {
    workerSettings = await loadSettings();
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
  startWorker(workerSettings, onMessage);
}

/** The page cannot work: `error` until a reload, with the catalog's sentence for `key`. */
function fail(key) {
  setFatal();
  setStatus(() => t(key), 'error');
}
