// The one handler for what Python says to both pages (web/protocol.js names every message):
// `settings` (into the store), `stage` (the status line; `ready` settles the settings answer),
// `progress` (the download bars) and `fatal` (the page stays in `error`). A page passes its own
// handlers for the rest (the caption page's results, the playground's streamed text); an own
// handler that returns `false` leaves the message to the shared one.

import { TYPE } from '../protocol.js';
import { showProgress } from './downloads.js';
import { languageName } from './format.js';
import { t, wordError } from './i18n.js';
import { store } from './page-store.js';
import { acceptWorkerSettings } from './settings.js';

/**
 * @typedef {(message: Record<string, any>) => (boolean | void)} Handler
 * @typedef {{own: Partial<Record<string, Handler>>, onReady: () => void,
 *   onProblems?: () => void}} PageHandlers
 */

/** The `ready` stage: the page is ready, and a bad setting (kept at its default) is said. */
function ready(/** @type {PageHandlers} */ page) {
  const { pageState, problems, moveTo, setStatus } = store.get();
  if (pageState.state === 'loading') moveTo('ready');
  if (problems.length > 0) {
    page.onProblems?.();
    moveTo('error');
    setStatus(() => t('status.setting-problems', { problems: problems.map(wordError).join(' ') }), 'error');
  } else {
    page.onReady();
  }
}

/** @param {Record<string, any>} message */
function stage({ stage: name, params = {} }) {
  store.get().setStatus(() => t(`stage.${name}`, { ...params, name: languageName(store.get().languages, params.lang) }));
}

/** @param {Record<string, any>} message */
function fatal(message) {
  store.get().failFatal(message);
  store.get().setStatus(() => wordError(message), 'error');
}

/**
 * The page's handler of every message from the Web Worker.
 * @param {PageHandlers} page
 * @returns {(message: Record<string, any>) => void}
 */
export function messageHandler(page) {
  /** @type {Record<string, Handler>} */
  const shared = {
    [TYPE.SETTINGS]: acceptWorkerSettings,
    [TYPE.STAGE]: (message) => (message.stage === 'ready' ? ready(page) : stage(message)),
    [TYPE.PROGRESS]: showProgress,
    [TYPE.FATAL]: fatal,
  };
  return (message) => {
    const own = page.own[message.type];
    if (own && own(message) !== false) return;
    const handler = shared[message.type];
    if (handler) handler(message);
    else console.warn('Legenda: unknown message from the Web Worker', message.type);
  };
}
