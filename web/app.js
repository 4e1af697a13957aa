// Legenda's caption page: adds its part to the page's store (ui/page-store.js), mounts the views
// that render from it, wires the image form, and handles Python's messages about its jobs (the
// rest: ui/messages.js). It renders only; all the work (Pyodide, models) happens in the Web
// Worker (web/worker.js). The data flow is in docs/architecture.md, "Map".
//
// Hooks for other scripts (e.g. tests) -- listen on `document` (fired by ui/hooks.js; the
// page's own modules follow the store instead):
//   legenda:settings  detail {settings, languages}: after every settings answer.
//   legenda:result    detail {jobId, itemId, caption, translation, lang, featured, element}:
//                     one per captioned (or translated again) image; `element` is its card.
//   legenda:featured  detail {jobId, itemId, caption, translation, lang, element}: the result
//                     shown in #preview/#caption/#translation changed.
//   legenda:state     detail {state, previous}: body.dataset.state changed.

import { TYPE } from './protocol.js';
import { runJob, translateAgain } from './ui/worker-host.js';
import { mountResults, previewFailed, previewSource } from './ui/results.js';
import { currentSelection, initImageSources, useUrl } from './ui/image-sources.js';
import { mountLanguageSelects } from './ui/language-select.js';
import { renderSamples } from './ui/samples.js';
import { bootPage } from './ui/boot.js';
import { languageName } from './ui/format.js';
import { changeSettings } from './ui/settings.js';
import { mountSettingsForm } from './ui/settings-form.js';
import { mountSpeech } from './ui/speech.js';
import { mountModelCache } from './ui/model-cache.js';
import { t, wordError } from './ui/i18n.js';
import { messageHandler } from './ui/messages.js';
import { addPart, captionState, jobCaptions, store } from './ui/page-store.js';
import { watch } from './ui/store.js';
import { followJobs, sendReport } from './ui/telemetry.js';

addPart(captionState);
// Opt-in timings (the `telemetry` setting): each finished job's report goes to the sidecar.
const seeTimings = followJobs(store, (report) => {
  const { tts, tts_key: key } = store.get().settings;
  if (tts) sendReport(tts, key, report);
});

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const showStatus = (words) => store.get().setStatus(words, 'info');
const showError = (words) => store.get().setStatus(words, 'error');

// Controls that start or change a job are usable only when a job may start.
function updateControls() {
  const { acceptsWork, pageState, languages } = store.get();
  const usable = acceptsWork();
  /** @type {HTMLButtonElement} */ (byId('generate')).disabled = !usable;
  /** @type {HTMLSelectElement} */ (byId('lang')).disabled = !usable || languages.length === 0;
  /** @type {HTMLButtonElement} */ (byId('clear-results')).disabled = pageState.state === 'working';
  for (const button of document.querySelectorAll('#sample-list button')) /** @type {HTMLButtonElement} */ (button).disabled = !usable;
}

function generate() {
  if (!store.get().acceptsWork()) return;
  const { items, problem } = currentSelection();
  if (problem) {
    store.get().moveTo('error');
    showError(() => t(problem));
    return;
  }
  const numbered = items.map((item, index) => ({ ...item, itemId: `item-${index + 1}` }));
  const jobId = runJob(numbered.map(({ itemId, url, blob, name }) => (url ? { itemId, url } : { itemId, blob, name })));
  store.get().startJob(jobId, numbered.map((item) => ({ ...item, preview: previewSource(item) })));
  // On a phone the output is below the form: bring it into view.
  if (window.matchMedia('(max-width: 760px)').matches) {
    byId('output-heading').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  showStatus(() => t('status.working', { count: numbered.length }));
}

/**
 * #lang changed: the last job's captions are translated again, in place (no new captioning),
 * when it ended (done, or error because its translations failed: e.g. a language the translator
 * refused); otherwise the next job uses the new language.
 */
function retranslate(code) {
  const state = store.get();
  const captions = jobCaptions(state, state.lastJob);
  const name = () => languageName(store.get().languages, code);
  if (!['done', 'error'].includes(state.pageState.state) || !state.acceptsWork() || captions.length === 0) {
    showStatus(() => t('status.lang-next', { name: name() }));
    return;
  }
  translateAgain(state.lastJob, captions);
  state.retranslateJob(state.lastJob);
  showStatus(() => t('status.translating-again', { name: name() }));
}

function finishJob({ jobId }) {
  const summary = store.get().finishJob(jobId);
  if (!summary) return;
  const { total, succeeded, errors } = summary;
  if (succeeded === 0) {
    store.get().moveTo('error');
    showError(() => t('status.all-failed', { first: errors[0] ? wordError(errors[0]) : '', others: errors.length - 1 }));
  } else if (errors.length > 0) {
    store.get().moveTo('done');
    showError(() => t('status.some-failed', { succeeded, total, failed: errors.length, first: wordError(errors[0]) }));
  } else {
    store.get().moveTo('done');
    showStatus(() => t('status.done', { total }));
  }
}

/** After a settings answer with no bad value: notices (e.g. no WebGPU), or "ready". */
function onReady() {
  const { notices, pageState } = store.get();
  if (notices.length > 0) {
    showStatus(() => `${notices.map((notice) => t(`notice.${notice.key}`)).join(' ')} ${t('stage.ready')}`);
  } else if (pageState.state === 'ready') {
    showStatus(() => t('stage.ready'));  // after a configure, a finished job's message stays
  }
}

const handleMessage = messageHandler({
  own: {
    [TYPE.RESULT]: (message) => store.get().itemResult(message),
    [TYPE.ITEM_ERROR]: (message) => store.get().itemError(message),
    [TYPE.DONE]: finishJob,
  },
  onReady,
});

/** Every message: its time to the job's timings first (stages), then to the page. */
function onMessage(message) {
  seeTimings(message);
  handleMessage(message);
}

function wirePage() {
  byId('image-form').addEventListener('submit', (event) => {
    event.preventDefault();
    generate();
  });
  initImageSources();
  // A new image after an error: the error no longer applies, so say what to do next.
  watch(store, (state) => state.selection, () => {
    const { pageState, status, acceptsWork } = store.get();
    if (pageState.state !== 'working' && status.kind === 'error' && acceptsWork()) {
      showStatus(() => t('status.press-generate'));
    }
  }, false);
  renderSamples(byId('sample-list'), (url) => {
    useUrl(url);
    generate();
  });
  mountLanguageSelects((key, value) => {
    changeSettings({ [key]: value });  // saved; Python takes it before the translation below
    if (key === 'lang') retranslate(value);
  });
  byId('clear-results').addEventListener('click', () => {
    store.get().clearJobs();
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

bootPage({ name: 'index', mount: mountPage, onMessage });
