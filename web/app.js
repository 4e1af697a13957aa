// Legenda's page: starts the settings (ui/settings.js) and the worker host (ui/worker-host.js),
// routes the worker's messages into the store and the results, and wires the image form. It
// renders only; all the work (Pyodide, models) happens in web/worker.js. The data flow is in
// docs/architecture.md, "Data flow".
//
// Hooks for other scripts (e.g. tests) -- listen on `document` (fired by ui/hooks.js and
// ui/state.js; the page's own modules follow the store instead):
//   legenda:settings  detail {settings, languages}: after every settings answer.
//   legenda:result    detail {jobId, itemId, caption, translation, lang, featured, element}:
//                     one per captioned (or translated again) image; `element` is its card.
//   legenda:featured  detail {jobId, itemId, caption, translation, lang, element}: the result
//                     shown in #preview/#caption/#translation changed.
//   legenda:state     detail {state, previous}: body.dataset.state changed.

import { acceptsWork, getState, setFatal, setState } from './ui/state.js';
import { runJob, translateAgain } from './ui/worker-host.js';
import {
  abandonJob, clearResults, jobCaptions, jobSummary, previewFailed, showItemError, showResult, startJob, mountResults,
} from './ui/results.js';
import { currentSelection, initImageSources, useUrl } from './ui/image-sources.js';
import { mountLanguageSelects } from './ui/language-select.js';
import { renderSamples } from './ui/samples.js';
import { bootPage } from './ui/boot.js';
import { showProgress } from './ui/downloads.js';
import { languageName } from './ui/format.js';
import { acceptWorkerSettings, changeSettings } from './ui/settings.js';
import { mountSettingsForm } from './ui/settings-form.js';
import { mountSpeech } from './ui/speech.js';
import { mountModelCache } from './ui/model-cache.js';
import { t, wordError } from './ui/i18n.js';
import { setStatus, store } from './ui/page-store.js';
import { watch } from './ui/store.js';

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const showStatus = (words) => setStatus(words, 'info');
const showError = (words) => setStatus(words, 'error');

let currentJobId = null;
let lastJobId = null;  // the last job: its captions are translated again when #lang changes

// Controls that start or change a job are usable only when a job may start.
function updateControls() {
  const usable = acceptsWork();
  /** @type {HTMLButtonElement} */ (byId('generate')).disabled = !usable;
  /** @type {HTMLSelectElement} */ (byId('lang')).disabled = !usable || store.get().languages.length === 0;
  /** @type {HTMLButtonElement} */ (byId('clear-results')).disabled = getState() === 'working';
  for (const button of document.querySelectorAll('#sample-list button')) /** @type {HTMLButtonElement} */ (button).disabled = !usable;
}

function generate() {
  if (!acceptsWork()) return;
  const { items, problem } = currentSelection();
  if (problem) {
    setState('error');
    showError(() => t(problem));
    return;
  }
  const numbered = items.map((item, index) => ({ ...item, itemId: `item-${index + 1}` }));
  currentJobId = runJob(numbered.map(({ itemId, url, blob, name }) => (url ? { itemId, url } : { itemId, blob, name })));
  lastJobId = currentJobId;
  startJob(currentJobId, numbered);
  setState('working');
  // On a phone the output is below the form: bring it into view.
  if (window.matchMedia('(max-width: 760px)').matches) {
    byId('output-heading').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  showStatus(() => t('status.working', { count: numbered.length }));
}

/** #lang changed after a job: translate its captions again, in place (no new captioning). */
function retranslate(code) {
  const captions = lastJobId ? jobCaptions(lastJobId) : [];
  const name = () => languageName(store.get().languages, code);
  if (getState() !== 'done' || captions.length === 0) {
    showStatus(() => t('status.lang-next', { name: name() }));
    return;
  }
  currentJobId = lastJobId;
  translateAgain(lastJobId, captions);
  setState('working');
  showStatus(() => t('status.translating-again', { name: name() }));
}

function finishJob(jobId) {
  if (jobId !== currentJobId) return;
  currentJobId = null;
  abandonJob(jobId, { code: 'runtime-failed', key: 'no-answer' });  // none, normally
  const { total, succeeded, errors } = jobSummary(jobId);
  if (succeeded === 0) {
    setState('error');
    showError(() => t('status.all-failed', { first: errors[0] ? wordError(errors[0]) : '', others: errors.length - 1 }));
  } else if (errors.length > 0) {
    setState('done');
    showError(() => t('status.some-failed', { succeeded, total, failed: errors.length, first: wordError(errors[0]) }));
  } else {
    setState('done');
    showStatus(() => t('status.done', { total }));
  }
}

/**
 * A `stage` message: the status line says it (the `ready` one after settings, with problems).
 * @param {{stage: string, params?: Record<string, any>}} message
 */
function showStage({ stage, params = {} }) {
  if (stage !== 'ready') {
    showStatus(() => t(`stage.${stage}`, { ...params, name: languageName(store.get().languages, params.lang) }));
    return;
  }
  if (getState() === 'loading') setState('ready');
  const { problems, notices } = store.get();
  // A bad setting keeps its default and is said in words; a notice (e.g. no WebGPU) too.
  if (problems.length > 0) {
    setState('error');
    showError(() => t('status.setting-problems', { problems: problems.map(wordError).join(' ') }));
  } else if (notices.length > 0) {
    showStatus(() => `${notices.map((notice) => t(`notice.${notice.key}`)).join(' ')} ${t('stage.ready')}`);
  } else if (getState() === 'ready') {
    showStatus(() => t('stage.ready'));  // after a configure, a finished job's message stays
  }
}

/** Every message from the worker, in one place. */
function onWorkerMessage(message) {
  switch (message.type) {
    case 'settings': acceptWorkerSettings(message); updateControls(); break;
    case 'stage': showStage(message); break;
    case 'progress': showProgress(message); break;
    case 'result': showResult(message); break;
    case 'item-error': showItemError(message); break;
    case 'done': finishJob(message.jobId); break;
    case 'fatal':
      if (currentJobId) abandonJob(currentJobId, message);
      currentJobId = null;
      setFatal();
      showError(() => wordError(message));
      updateControls();
      break;
    default: console.warn('Legenda: unknown message from the worker', message.type);
  }
}

function wirePage() {
  byId('image-form').addEventListener('submit', (event) => {
    event.preventDefault();
    generate();
  });
  initImageSources(() => {
    if (getState() !== 'working' && store.get().status.kind === 'error' && acceptsWork()) {
      showStatus(() => t('status.press-generate'));
    }
  });
  renderSamples(byId('sample-list'), (url) => {
    useUrl(url);
    generate();
  });
  mountLanguageSelects((key, value) => {
    changeSettings({ [key]: value });  // saved; the worker takes it before the translation below
    if (key === 'lang') retranslate(value);
  });
  byId('clear-results').addEventListener('click', () => {
    clearResults();
    lastJobId = null;
    showStatus(() => t('status.cleared'));
  });
  // A URL that is not an image cannot be shown: hide the broken picture, the error says why.
  byId('preview').addEventListener('error', previewFailed);
  watch(store, (state) => state.pageState, updateControls, false);
  watch(store, (state) => state.languages, updateControls);
}

function mountPage() {
  wirePage();
  mountResults();
  mountSettingsForm();
  mountSpeech();
  mountModelCache();
  updateControls();
}

bootPage({ mount: mountPage, onMessage: onWorkerMessage });
