// Legenda's page: wires the UI modules in ui/ to the worker (ui/engine.js). It renders only;
// all the work (Pyodide, models) happens in web/worker.js.
//
// Hooks for other modules (speech, settings, model cache) -- listen on `document`:
//   legenda:settings  detail {settings, languages}: after every init/configure, the resolved
//                     settings (e.g. settings.tts, settings.voice, settings.lang) and the
//                     language table [{code, name, nllb, speech}].
//   legenda:result    detail {jobId, itemId, caption, translation, lang, featured, element}:
//                     one per captioned image. `element` is its card in #results; its
//                     `.result-audio` div is the slot for that item's speech. `featured` is true
//                     for the result shown in #caption/#translation, whose player is #audio.
//   legenda:featured  detail {jobId, itemId, caption, translation, lang, element}: the result
//                     shown in #preview/#caption/#translation changed (a job's first result, or
//                     the user pressed "Show above" on a card); #audio should follow it.
//   legenda:state     detail {state, previous}: body.dataset.state changed.
// To change settings, call applySettings({key: value, ...}) from ui/engine.js: it sends
// `configure`, and a legenda:settings event follows. A choice the user makes on the page (the
// language, the voice) goes through changeSettings in ui/settings.js, which also saves it.

import { acceptsWork, getState, setFatal, setState } from './ui/state.js';
import { engine, runJob, startEngine } from './ui/engine.js';
import {
  abandonJob, clearResults, jobSummary, previewFailed, setLanguageNames, showItemError, showResult, startJob,
} from './ui/results.js';
import { currentSelection, initImageSources, useUrl } from './ui/image-sources.js';
import { initLanguageSelect, renderLanguages } from './ui/language-select.js';
import { loadRawConfig } from './ui/config.js';
import { renderSamples } from './ui/samples.js';
import { showError, showStatus } from './ui/status.js';
import { showProgress } from './ui/downloads.js';
import { languageName, plural } from './ui/format.js';
import { changeSettings, mountSettings } from './ui/settings.js';
import { mountSpeech } from './ui/speech.js';
import { mountModelCache } from './ui/model-cache.js';

const byId = (id) => document.getElementById(id);
const form = byId('image-form');

let currentJobId = null;
let lastItems = null;  // the last job's images, translated again when the language changes
let resolved = { settings: null, languages: [] };
let settingProblems = [];  // sentences from the last settings answer, shown at the next "ready"
let settingNotices = [];

// Controls that start or change a job are usable only when a job may start.
function updateControls() {
  const usable = acceptsWork();
  byId('generate').disabled = !usable;
  byId('lang').disabled = !usable || resolved.languages.length === 0;
  byId('clear-results').disabled = getState() === 'working';
  for (const button of document.querySelectorAll('#sample-list button')) button.disabled = !usable;
}

function generate() {
  if (!acceptsWork()) return;
  const { items, problem } = currentSelection();
  if (problem) {
    setState('error');
    showError(problem);
    return;
  }
  startRun(items);
}

/** Caption and translate `items` ({url} or {blob, name}) as a new job. */
function startRun(items) {
  lastItems = items;
  const numbered = items.map((item, index) => ({ ...item, itemId: `item-${index + 1}` }));
  currentJobId = runJob(numbered.map(({ itemId, url, blob, name }) => (url ? { itemId, url } : { itemId, blob, name })));
  startJob(currentJobId, numbered);
  setState('working');
  // On a phone the output is below the form: bring it into view.
  if (window.matchMedia('(max-width: 760px)').matches) {
    byId('output-heading').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  showStatus(numbered.length > 1 ? `Working on ${numbered.length} images…` : 'Working on your image…');
}

function finishJob(jobId) {
  if (jobId !== currentJobId) return;
  currentJobId = null;
  abandonJob(jobId, 'No caption came back for this image. Try it again.');  // none, normally
  const { total, succeeded, errors } = jobSummary(jobId);
  if (succeeded === 0) {
    setState('error');
    const others = errors.length > 1 ? ` (${plural(errors.length - 1, 'other image')} failed too.)` : '';
    showError((errors[0] || 'No caption came back. Try again with another image.') + others);
  } else if (errors.length > 0) {
    setState('done');
    showError(`${succeeded} of ${total} images captioned. ${plural(errors.length, 'image')} failed: ${errors[0]}`);
  } else {
    setState('done');
    showStatus(total > 1 ? `Done: ${total} images captioned and translated.` : 'Done: the caption and its translation are below.');
  }
}

function wireEngine() {
  engine.addEventListener('settings', ({ detail }) => {
    resolved = { settings: detail.settings, languages: detail.languages || [] };
    settingProblems = (detail.problems || []).map((problem) => problem.message);
    settingNotices = detail.notices || [];
    setLanguageNames(resolved.languages, detail.settings.lang);
    renderLanguages(resolved.languages, detail.settings.lang);
    updateControls();
    document.dispatchEvent(new CustomEvent('legenda:settings', { detail: { ...resolved } }));
  });
  engine.addEventListener('stage', ({ detail }) => {
    if (detail.stage !== 'ready') {
      showStatus(detail.message);
      return;
    }
    if (getState() === 'loading') setState('ready');
    // A bad setting keeps its default and is said in words; a notice (e.g. no WebGPU) too.
    if (settingProblems.length > 0) {
      setState('error');
      showError(`${settingProblems.join(' ')} Fix the address or the settings, or go on with these.`);
    } else if (settingNotices.length > 0) {
      showStatus(`${settingNotices.join(' ')} ${detail.message}`);
    } else if (getState() === 'ready') {
      showStatus(detail.message);  // after a configure, a finished job's message stays
    }
  });
  engine.addEventListener('progress', ({ detail }) => showProgress(detail));
  engine.addEventListener('result', ({ detail }) => showResult(detail));
  engine.addEventListener('item-error', ({ detail }) => showItemError(detail));
  engine.addEventListener('done', ({ detail }) => finishJob(detail.jobId));
  engine.addEventListener('fatal', ({ detail }) => {
    if (currentJobId) abandonJob(currentJobId, detail.message);
    currentJobId = null;
    setFatal();
    showError(detail.message);
    updateControls();
  });
}

function wirePage() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    generate();
  });
  initImageSources(() => {
    if (getState() !== 'working' && byId('status').dataset.kind === 'error' && acceptsWork()) {
      showStatus('Press Generate to caption the new image.');
    }
  });
  renderSamples(byId('sample-list'), (url) => {
    useUrl(url);
    generate();
  });
  initLanguageSelect((code) => {
    changeSettings({ lang: code });  // saved; the worker takes it before the run below
    if (getState() === 'done' && lastItems) {
      startRun(lastItems);
      showStatus(`Translating again into ${languageName(resolved.languages, code)}…`);
    } else {
      showStatus(`Translations now go into ${languageName(resolved.languages, code)}. Press Generate to translate.`);
    }
  });
  byId('clear-results').addEventListener('click', () => {
    clearResults();
    showStatus('Results cleared.');
  });
  // A URL that is not an image cannot be shown: hide the broken picture, the error says why.
  byId('preview').addEventListener('error', previewFailed);
  document.addEventListener('legenda:state', updateControls);
}

async function main() {
  wireEngine();
  wirePage();
  // Speech, settings and the model cache (W3's modules) follow the legenda:* events above.
  mountSettings();
  mountSpeech();
  mountModelCache();
  updateControls();
  let config;
  try {
    config = await loadRawConfig();
  } catch (error) {
    setFatal();
    showError(error.message);
    return;
  }
  if (typeof WebAssembly !== 'object' || typeof Worker !== 'function') {
    setFatal();
    showError('This browser cannot run the models (it lacks WebAssembly or Web Workers). Try a recent Chrome, Edge, Firefox or Safari.');
    return;
  }
  startEngine(config);
}

main();
