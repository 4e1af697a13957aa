// The page's settings: gathered at start (the schema's defaults < config.json < saved in this
// browser < the query string), changed by any control (changeSettings), saved once accepted,
// reset, and shared by link. The keys, defaults and checks all come from web/settings-schema.json
// (ui/schema.js): the page resolves its own settings (side "page": the speech server, its key,
// the voice, isolation, the page language) and never sends them to Python; Python (in the Web
// Worker) resolves the rest and answers with a `settings` message (acceptWorkerSettings).
// Everything lands in the store (ui/page-store.js): the settings, the changes pending, the
// page's own problems, the site's config.json, the page language.

import {
  allKeys, defaults, forPage, fromQuery, fromSaved, pythonShare, resolvePageSettings, savedName, shareLink, toSaved,
  withoutKeys,
} from './schema.js';
import { configureWorker } from './worker-host.js';
import { rewordAll, translateStatic } from './i18n.js';
import { store } from './page-store.js';

export const SAVED_SETTINGS_KEY = 'legenda.settings';

/** The saved settings; a missing or unreadable entry counts as none. */
export function savedSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(SAVED_SETTINGS_KEY) || '{}');
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
  } catch {
    return {};  // private mode or a corrupt entry: the defaults still work
  }
}

function writeSaved(values) {
  try {
    localStorage.setItem(SAVED_SETTINGS_KEY, JSON.stringify(values));
  } catch (err) {
    console.warn('Settings could not be saved', err);  // they still apply to this visit
  }
}

/** Save `changes` over what is saved already (a page's own settings under its own names). */
export function saveSettings(changes) {
  const { schema } = store.get();
  writeSaved({ ...savedSettings(), ...(schema ? toSaved(schema, changes) : changes) });
}

function forgetSaved(keys) {
  const { schema } = store.get();
  const names = keys.map((key) => {
    const spec = schema?.settings.find((s) => s.key === key);
    return spec ? savedName(spec, schema.page) : key;
  });
  const saved = savedSettings();
  if (!names.some((name) => name in saved)) return;
  for (const name of names) delete saved[name];
  writeSaved(saved);
}

/** Drop settings from the address bar, so they no longer override what is saved. */
export function removeFromAddress(keys) {
  const next = withoutKeys(window.location.href, keys);
  if (next !== window.location.href) window.history.replaceState(window.history.state, '', next);
}

async function fetchJson(name) {
  const response = await fetch(new URL(name, document.baseURI), { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  const value = await response.json();
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name}: not a JSON object`);
  return value;
}

/** The schema's defaults (for this browser's language) with config.json's choices over them. */
function siteDefaults(schema) {
  return { ...defaults(schema, navigator.language), ...fromSaved(schema, store.get().siteConfig) };
}

/** Follow the `ui_lang` setting: <html lang>, the static text and every bound sentence. */
function followUiLang(lang) {
  if (lang === store.get().uiLang) return;
  store.update({ uiLang: lang });
  document.documentElement.lang = lang === 'pt' ? 'pt-BR' : 'en';
  translateStatic(document);
  rewordAll();
}

/** Resolve the page's own settings from `raw` over `base`, into the store. */
function applyPageSettings(raw, base) {
  const schema = store.get().schema;
  const { values, problems } = resolvePageSettings(schema, raw, base);
  store.update((state) => ({ settings: { ...state.settings, ...values }, pageProblems: problems }));
  followUiLang(values.ui_lang);
}

/**
 * Read the schema (as `page` has it: `forPage`), config.json, the saved settings and the query
 * string; the page's own settings are resolved at once. Returns Python's share, for `init`.
 * Throws when a file is missing (the caller says so).
 * @param {string} page "index" or "playground"
 */
export async function loadSettings(page) {
  const [file, config] = await Promise.all([fetchJson('settings-schema.json'), fetchJson('config.json')]);
  const schema = forPage(/** @type {import('./schema.js').Schema} */ (file), page);
  store.update({ siteConfig: config });
  const base = siteDefaults(schema);
  const raw = { ...base, ...fromSaved(schema, savedSettings()), ...fromQuery(schema, window.location.search) };
  store.update({ schema, languages: schema.languages, settings: { ...raw } });
  applyPageSettings(raw, base);
  return pythonShare(schema, raw);
}

/**
 * Change settings from anywhere on the page (the settings form, #lang, #voice, the page
 * language): the page's own apply now, Python's go in a `configure`; all are saved once
 * accepted and dropped from the address bar, so a reload keeps them.
 */
export function changeSettings(changes) {
  const schema = store.get().schema;
  if (!schema) return;
  store.update((state) => ({ pending: { ...state.pending, ...changes } }));
  removeFromAddress(Object.keys(changes));
  applyPageSettings(changes, store.get().settings);
  configureWorker(pythonShare(schema, changes));  // always: its answer settles the change
}

/** Python's `settings` answer: save what was accepted, keep what was refused out. */
export function acceptWorkerSettings({ settings, problems = [], notices = [] }) {
  const { pending, pageProblems } = store.get();
  const all = [...pageProblems, ...problems];
  const refused = all.map((problem) => problem.setting);
  // A saved value that is refused would only fail again next visit (unless the refused value
  // came from the address, which wins over the saved one).
  const inAddress = new URLSearchParams(window.location.search);
  forgetSaved(refused.filter((key) => !inAddress.has(key)));
  const accepted = Object.fromEntries(Object.entries(pending).filter(([key]) => !refused.includes(key)));
  const applied = Object.keys(pending).length > 0;
  if (Object.keys(accepted).length) saveSettings(accepted);
  store.update((state) => ({
    settings: { ...state.settings, ...settings },
    problems: all,
    notices,
    pending: {},
    pageProblems: [],
    answer: { problems: all, notices, applied },
  }));
}

/** Forget every saved setting and go back to the site's defaults. */
export function resetSettings() {
  const schema = store.get().schema;
  if (!schema) return;
  try {
    localStorage.removeItem(SAVED_SETTINGS_KEY);
  } catch (err) {
    console.warn('Saved settings could not be removed', err);
  }
  removeFromAddress(allKeys(schema));
  store.update({ pending: {} });
  const base = siteDefaults(schema);
  applyPageSettings(base, base);
  configureWorker(pythonShare(schema, base));
}

/** The link that opens this page with the current settings (secret ones left out). */
export function currentLink() {
  const { schema, settings } = store.get();
  return schema ? shareLink(schema, window.location.href, settings) : window.location.href;
}
