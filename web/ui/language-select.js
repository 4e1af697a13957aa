// The two language pickers: #lang (the target language, from the schema's language table; the
// caption page only) and #ui-lang (the page's own language). Each carries name="<setting key>"
// and shows what the store's settings say; a pick goes to `onChange(key, value)`.

import { watch } from './store.js';
import { store } from './page-store.js';

const UI_LANG_NAMES = { pt: 'Português', en: 'English' };  // each in itself, like the table's

/** @param {(key: string, value: string) => void} onChange */
export function mountLanguageSelects(onChange) {
  const lang = /** @type {HTMLSelectElement | null} */ (document.getElementById('lang'));
  const uiLang = /** @type {HTMLSelectElement} */ (document.getElementById('ui-lang'));
  if (lang) mountTargetLanguage(lang);
  watch(store, (state) => state.schema, (schema) => {
    const spec = schema?.settings.find((s) => s.key === 'ui_lang');
    if (!spec) return;
    uiLang.replaceChildren(...(spec.choices || []).map((code) => new Option(UI_LANG_NAMES[code] || code, code)));
    uiLang.value = store.get().settings.ui_lang;
    uiLang.disabled = false;
  });
  watch(store, (state) => state.settings.ui_lang, (code) => { if (code) uiLang.value = code; });
  for (const select of [lang, uiLang]) select?.addEventListener('change', () => onChange(select.name, select.value));
}

/** #lang (only the caption page has it) follows the language table and the `lang` setting. */
function mountTargetLanguage(lang) {
  watch(store, (state) => state.languages, (languages) => {
    if (languages.length === 0) return;
    lang.replaceChildren(...languages.map(({ code, name }) => new Option(name, code)));
    lang.value = store.get().settings.lang;
  });
  watch(store, (state) => state.settings.lang, (code) => { if (code && lang.options.length) lang.value = code; });
}
