// The settings schema (web/settings-schema.json) as the page uses it: defaults, which side a
// setting lives on, reading the query string and the saved settings, the share link, and the
// validation of the page's own settings (the worker's are validated by its Python,
// web/py/legenda/settings.py, from the same file). Pure functions: no DOM, no fetch, so Node's
// test runner checks them (tests/js/).

/**
 * @typedef {{en: string, pt: string}} Words
 * @typedef {{value: string, label: Words}} Suggestion
 * @typedef {{key: string, default: any, type: string, side: 'python'|'page'|'both',
 *   group: string, label: Words, help?: Words, choices?: string[], min?: number, max?: number,
 *   min_open?: boolean, empty_ok?: boolean, secret?: boolean, pages?: string[],
 *   control?: string, link_when_set?: boolean, suggestions?: Suggestion[],
 *   browser_default?: Record<string, string>,
 *   per_page?: Record<string, Partial<SettingSpec>>}} SettingSpec
 * @typedef {{code: string, name: string, nllb: string, m2m100: string,
 *   marian: string[]}} Language
 * @typedef {{source_language: string, languages: Language[], page?: string,
 *   groups: Array<{id: string, label: Words}>, settings: SettingSpec[]}} Schema
 * @typedef {{kind: string, choices?: string[], min?: number, max?: number,
 *   min_open?: boolean}} Accepts
 * @typedef {{code: string, setting: string,
 *   params: {setting: string, value: string, kept: string, accepts: Accepts}}} SettingProblem
 */

/**
 * The schema as `page` sees it: each setting with its `per_page` fields for that page over the
 * shared ones (the playground's own max_new_tokens: its default and bounds), and `page` set, so
 * the saved values of those settings are that page's (`savedName`). Python applies the same
 * fields for the worker (legenda.schema.setting_specs).
 * @param {Schema} schema
 * @param {string} page
 * @returns {Schema}
 */
export function forPage(schema, page) {
  const settings = schema.settings.map((spec) => ({ ...spec, ...(spec.per_page?.[page] || {}) }));
  return { ...schema, page, settings };
}

/** The name a setting is saved under: `key@page` where it is that page's own, else its key. */
export function savedName(spec, page) {
  return page && spec.per_page?.[page] ? `${spec.key}@${page}` : spec.key;
}

/** `values` under the names they are saved with on the schema's page (`savedName`). */
export function toSaved(schema, values) {
  const names = new Map(schema.settings.map((spec) => [spec.key, savedName(spec, schema.page)]));
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [names.get(key) ?? key, value]));
}

/** The settings a page uses (`pages` absent: every page). */
export function specsFor(schema, page) {
  return schema.settings.filter((spec) => !spec.pages || spec.pages.includes(page));
}

/**
 * A free-text setting's documented choices (`suggestions`: the default first), offered beside
 * its field; any other value stays allowed.
 * @param {SettingSpec} spec
 * @returns {Suggestion[]}
 */
export function suggestionsOf(spec) {
  return spec.suggestions || [];
}

/** Every key of the schema. */
export function allKeys(schema) {
  return schema.settings.map((spec) => spec.key);
}

/** Does Python (in the Web Worker) use this setting, and validate it? */
export function forPython(spec) {
  return spec.side === 'python' || spec.side === 'both';
}

/** The keys of `values` Python uses, with their values: what `init`/`configure` carry. */
export function pythonShare(schema, values) {
  const keys = new Set(schema.settings.filter(forPython).map((spec) => spec.key));
  return Object.fromEntries(Object.entries(values).filter(([key]) => keys.has(key)));
}

/**
 * The defaults, with `browser_default` applied: e.g. ui_lang is "pt" when the browser's
 * language is any pt-*.
 * @param {Schema} schema
 * @param {string} [browserLanguage] navigator.language
 */
export function defaults(schema, browserLanguage = '') {
  const base = (browserLanguage || '').toLowerCase().split('-')[0];
  return Object.fromEntries(schema.settings.map((spec) => [spec.key, spec.browser_default?.[base] ?? spec.default]));
}

/** The schema's settings named in a query string, as raw strings. */
export function fromQuery(schema, search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(allKeys(schema).filter((key) => params.has(key)).map((key) => [key, params.get(key)]));
}

/**
 * The schema's settings in a saved object, by the names they are saved with on the schema's
 * page (`savedName`: another page's own value of a setting is not this page's); anything else
 * there is dropped.
 */
export function fromSaved(schema, saved) {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return {};
  const found = schema.settings.map((spec) => [spec.key, savedName(spec, schema.page)]).filter(([, name]) => name in saved);
  return Object.fromEntries(found.map(([key, name]) => [key, saved[name]]));
}

/** A value as the form and the query string write it (booleans as 1/0). */
export function asText(value) {
  if (value === true) return '1';
  if (value === false) return '0';
  return value === undefined || value === null ? '' : String(value);
}

/**
 * The link that opens the page at `href` with `values` in its query string: every setting
 * of the schema except secret ones (an API key never travels in a link), and those marked
 * `link_when_set` only when they differ from their default.
 */
export function shareLink(schema, href, values) {
  const url = new URL(href);
  url.hash = '';
  for (const spec of schema.settings) {
    url.searchParams.delete(spec.key);
    if (spec.secret || !(spec.key in values)) continue;
    if (spec.link_when_set && asText(values[spec.key]) === asText(spec.default)) continue;
    url.searchParams.set(spec.key, asText(values[spec.key]));
  }
  return url.href;
}

/** Drop the schema's keys `keys` from a URL; returns the new href (the same when unchanged). */
export function withoutKeys(href, keys) {
  const url = new URL(href);
  for (const key of keys) url.searchParams.delete(key);
  return url.href;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** What a setting accepts, as the parameters of the sentence that says so. */
export function accepts(spec, schema) {
  if (spec.type === 'language') return { kind: 'choice', choices: schema.languages.map((l) => l.code) };
  if (spec.type === 'choice') return { kind: 'choice', choices: spec.choices };
  if (spec.type === 'int' || spec.type === 'float') {
    return { kind: spec.type, min: spec.min, max: spec.max, min_open: Boolean(spec.min_open) };
  }
  return { kind: spec.type };
}

/** `raw` as the setting's value, or undefined when it does not accept it. */
function parse(spec, raw, schema) {
  if (typeof raw === 'boolean') return spec.type === 'flag' ? raw : undefined;
  const text = String(raw).trim();
  switch (spec.type) {
    case 'flag':
      if (TRUE.includes(text.toLowerCase())) return true;
      return FALSE.includes(text.toLowerCase()) ? false : undefined;
    case 'choice':
    case 'language': {
      const choice = text.toLowerCase();
      return accepts(spec, schema).choices?.includes(choice) ? choice : undefined;
    }
    case 'url':
      if (text && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(text)) return undefined;
      return text.replace(/\/+$/, '');
    case 'voice':
      return text.length <= 100 ? text : undefined;
    case 'text':  // kept as written (a system prompt may end with a space or a new line)
      return String(raw).length <= 4000 ? String(raw) : undefined;
    case 'password':
      return /^[\x21-\x7e]*$/.test(text) && text.length <= 500 ? text : undefined;
    default:
      return undefined;  // the worker's types (model, path, int, float) are Python's to check
  }
}

/**
 * Resolve the page's own settings (side "page") from `raw` over `base`: a bad value keeps the
 * base value and yields a problem, as Python does for the worker's.
 * @returns {{values: Record<string, any>, problems: SettingProblem[]}}
 */
export function resolvePageSettings(schema, raw, base) {
  const values = {};
  const problems = [];
  for (const spec of schema.settings.filter((s) => s.side === 'page')) {
    if (!(spec.key in raw) || raw[spec.key] === null || raw[spec.key] === undefined) continue;
    const given = raw[spec.key];
    if (given === '' && !spec.empty_ok) continue;
    const value = parse(spec, given, schema);
    if (value === undefined) {
      problems.push(badSetting(spec, given, base[spec.key], accepts(spec, schema)));
    } else {
      values[spec.key] = value;
    }
  }
  return { values: { ...base, ...values }, problems };
}

/**
 * A bad-setting problem, shaped as Python's.
 * @returns {SettingProblem}
 */
export function badSetting(spec, given, kept, accepted) {
  const shown = typeof kept === 'boolean' ? asText(kept) : kept === '' ? '' : String(kept);
  return {
    code: 'bad-setting',
    setting: spec.key,
    params: { setting: spec.key, value: spec.secret ? '…' : String(given), kept: spec.secret ? '…' : shown, accepts: accepted },
  };
}
