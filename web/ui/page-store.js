// The main page's state, in one store (ui/store.js); see docs/architecture.md, "Data flow".
// Writers: ui/settings.js (schema, settings, languages, problems, notices, uiLang), app.js
// (status), ui/results.js (result, featured, cleared), ui/state.js (pageState). Everything
// else renders from it.

import { createStore } from './store.js';

/**
 * @typedef {{words: () => string, kind: 'info'|'error'}} Status
 * @typedef {{
 *   schema: import('./schema.js').Schema | null,
 *   settings: Record<string, any>,
 *   languages: import('./schema.js').Language[],
 *   problems: import('./schema.js').SettingProblem[],
 *   notices: Array<{key: string}>,
 *   settingsAnswer: number,
 *   settingsApplied: boolean,
 *   uiLang: string,
 *   status: Status,
 *   result: Record<string, any> | null,
 *   featured: Record<string, any> | null,
 *   cleared: number,
 *   pageState: {state: string, previous?: string, fatal?: boolean},
 * }} PageState
 */

/** @type {import('./store.js').Store<PageState>} */
export const store = createStore({
  schema: null,
  settings: {},  // every setting, resolved: the page's own and the worker's answer
  languages: [],  // the target languages (the schema's table)
  problems: [],  // bad values from the last settings answer, the page's and Python's
  notices: [],  // e.g. "no WebGPU here"
  settingsAnswer: 0,  // counts the worker's settings answers (the form follows it)
  settingsApplied: false,  // the last answer settled changes the user made
  uiLang: 'en',
  status: { words: () => '', kind: 'info' },
  result: null,  // the newest result (or result translated again): ui/results.js writes it
  featured: null,  // the result shown above
  cleared: 0,  // counts Clear presses: follow-ups of cleared results stop
  pageState: { state: 'loading' },  // body.dataset.state's last change (ui/state.js writes it)
});

/**
 * Say `words()` in #status (re-worded when the page's language changes).
 * @param {() => string} words
 * @param {'info'|'error'} [kind]
 */
export function setStatus(words, kind = 'info') {
  store.update({ status: { words, kind } });
}
