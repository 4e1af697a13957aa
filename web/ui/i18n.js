// The page's words, in the language of the `ui_lang` setting: one catalog per language
// (ui/i18n/en.js, ui/i18n/pt.js, the same keys in each; a Node test keeps them so). An entry is
// a string with {name} placeholders, or a function of the parameters for sentences that need
// grammar (plurals, optional parts). Another page adds its own words with `extendCatalogs`. The
// language itself is page state: the page's store keeps it (`uiLang`), and `followLanguage`
// tells this module where to read it.

import en from './i18n/en.js';
import pt from './i18n/pt.js';

/** @type {Record<string, Record<string, string | ((params: any) => string)>>} */
const CATALOGS = { en: { ...en }, pt: { ...pt } };
export const UI_LANGS = Object.keys(CATALOGS);

/** Where the page's language is read (the store's `uiLang`, see ui/boot.js). */
let languageOf = () => 'en';

/** The page's language (an unknown one words in English). */
export function uiLang() {
  const lang = languageOf();
  return lang && lang in CATALOGS ? lang : 'en';
}

/**
 * Read the page's language from `source()` from now on.
 * @param {() => string | null | undefined} source
 */
export function followLanguage(source) {
  languageOf = () => source() || 'en';
}

/** Word in `lang` from now on (tests; the page follows its store instead). */
export function setUiLang(lang) {
  followLanguage(() => lang);
}

/** Add a page's own entries: `{en: {...}, pt: {...}}`. */
export function extendCatalogs(additions) {
  for (const [lang, entries] of Object.entries(additions)) CATALOGS[lang] = { ...CATALOGS[lang], ...entries };
}

/** The catalog of `lang` (for tests). */
export function catalog(lang) {
  return CATALOGS[lang];
}

/**
 * The words for `key` with `params`, in the current language.
 * @param {string} key
 * @param {Record<string, any>} [params]
 */
export function t(key, params = {}) {
  const entry = CATALOGS[uiLang()][key] ?? CATALOGS.en[key];
  if (entry === undefined) {
    console.error(`Legenda: no words for "${key}"`);
    return key;
  }
  if (typeof entry === 'function') return entry(params);
  return entry.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Words for `key` when the catalog has them, else `fallback`. */
export function tOr(key, params, fallback) {
  return key in CATALOGS[uiLang()] ? t(key, params) : fallback;
}

/**
 * A failure the worker or the page reports (`{code, key?, params?, message?}`), worded: the
 * catalog's `error.<key>` (or `error.<code>`); the English message only when neither is known.
 */
export function wordError(failure) {
  const key = `error.${failure.key || failure.code}`;
  if (key in CATALOGS[uiLang()]) return t(key, failure.params || {});
  return failure.message || t('error.unexpected', { what: 'job' });
}

/**
 * Fill the static page: `data-i18n="key"` sets an element's text, `data-i18n-attr="attr:key;
 * attr:key"` its attributes.
 * @param {ParentNode} root
 */
export function translateStatic(root) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n') || '');
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of (node.getAttribute('data-i18n-attr') || '').split(';')) {
      const [attr, key] = pair.split(':').map((part) => part.trim());
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
}

/** @type {Map<Element, Map<string, () => void>>} element -> slot -> how to word it again */
const bound = new Map();

/**
 * Forget the elements no longer on the page (cleared results, replaced options). Only when
 * nothing is being built: an element made but not yet added is not on the page either.
 */
export function forgetRemoved() {
  for (const element of bound.keys()) if (!element.isConnected) bound.delete(element);
}

/**
 * Run `render()` now and again at every language change while `element` is on the page; a
 * later call for the same element and `slot` replaces the earlier one.
 * @param {Element} element
 * @param {() => void} render
 * @param {string} [slot]
 */
export function rerender(element, render, slot = '#render') {
  if (!bound.has(element)) bound.set(element, new Map());
  bound.get(element)?.set(slot, render);
  render();
}

/**
 * Put `words()` into `element` (its text, or `attribute`) now and again at every language
 * change: every sentence the page shows is set this way, so a new ui_lang re-words the page.
 * @param {Element} element
 * @param {() => string} words
 * @param {string} [attribute]
 */
export function bind(element, words, attribute = '') {
  rerender(element, () => {
    if (attribute) element.setAttribute(attribute, words());
    else element.textContent = words();
  }, attribute || '#text');
}

/** `bind` for one catalog entry: `say(element, 'status.ready')`. */
export function say(element, key, params = {}, attribute = '') {
  bind(element, () => t(key, params), attribute);
}

/** Re-word every bound element still on the page (after setUiLang). */
export function rewordAll() {
  forgetRemoved();
  for (const renders of bound.values()) for (const render of renders.values()) render();
}
