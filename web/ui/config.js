// The raw settings the page sends to the worker: web/config.json, then the settings saved in this
// browser, then the query string. Python (legenda/settings.py) validates and normalises them;
// this module only gathers them, so there is one place that knows what a valid value is.

export const SAVED_SETTINGS_KEY = 'legenda.settings';

/** Read the saved settings; a missing or unreadable entry counts as none. */
export function savedSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(SAVED_SETTINGS_KEY) || '{}');
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
  } catch {
    return {};  // private mode or a corrupt entry: the defaults still work
  }
}

/** Query parameters that name a known setting (the keys of config.json). */
function querySettings(keys, search = window.location.search) {
  const params = new URLSearchParams(search);
  const found = {};
  for (const key of keys) {
    if (params.has(key)) found[key] = params.get(key);
  }
  return found;
}

/**
 * The defaults: web/config.json, which must hold one JSON object. Throws a sentence for a
 * person (the cause goes to the console).
 */
export async function loadDefaults() {
  try {
    const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-cache' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const defaults = await response.json();
    if (!defaults || typeof defaults !== 'object' || Array.isArray(defaults)) throw new Error('not a JSON object');
    return defaults;
  } catch (error) {
    console.error('config.json could not be read', error);
    throw new Error('The page could not read its settings file (config.json). Reload the page; if it keeps happening, the site was not built completely.');
  }
}

/** config.json <- saved settings <- query parameters. Throws a sentence for a person. */
export async function loadRawConfig() {
  const defaults = await loadDefaults();
  const keys = Object.keys(defaults);
  const saved = Object.fromEntries(Object.entries(savedSettings()).filter(([k]) => keys.includes(k)));
  return { ...defaults, ...saved, ...querySettings(keys) };
}
