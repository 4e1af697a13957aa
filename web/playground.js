// The playground page (playground.html): text generation, a chat and model comparison, streamed
// from the same worker as the caption page (web/worker.js: Pyodide + Transformers.js). It reuses
// that page's settings (ui/settings.js over the schema), store (ui/page-store.js), words
// (ui/i18n.js), status line, progress bars, settings form and model cache view; its own state
// is ui/playground-store.js and its views ui/playground-view.js. The worker messages it sends
// and reads are in docs/architecture.md ("Playground").

import { acceptsWork, getState, setFatal, setState } from './ui/state.js';
import { sendJob, stopJob } from './ui/worker-host.js';
import { bootPage } from './ui/boot.js';
import { showProgress } from './ui/downloads.js';
import { acceptWorkerSettings, changeSettings } from './ui/settings.js';
import { mountSettingsForm } from './ui/settings-form.js';
import { mountModelCache } from './ui/model-cache.js';
import { mountLanguageSelects } from './ui/language-select.js';
import { t, wordError } from './ui/i18n.js';
import { setStatus, store } from './ui/page-store.js';
import { watch } from './ui/store.js';
import { MODES, appendText, playground, setFigures } from './ui/playground-store.js';
import { mountPlaygroundViews } from './ui/playground-view.js';
import { PARAMETER_GROUP, mountParameters, parameterChanges } from './ui/playground-params.js';
import { compareModels, jobModel, mountModelFields } from './ui/playground-models.js';

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const text = (id) => /** @type {HTMLTextAreaElement} */ (byId(id));
const button = (id) => /** @type {HTMLButtonElement} */ (byId(id));
const showStatus = (words) => setStatus(words, 'info');
const showError = (words) => setStatus(words, 'error');

/** @type {Array<Record<string, any>>} */
let failures = [];  // the running job's generation-error messages
let runAfterSettings = false;  // Generate/Send was pressed with parameters still to apply

/** Buttons follow the state: one job at a time, Stop only while one runs, no empty prompt. */
function updateControls() {
  const usable = acceptsWork();
  const running = getState() === 'working';
  button('generate').disabled = !usable || !text('prompt').value.trim();
  button('send').disabled = !usable || !text('message').value.trim();
  button('stop').disabled = !running || Boolean(playground.get().job?.stopping);
  button('reset').disabled = running;
  /** @type {HTMLSelectElement} */ (byId('mode')).disabled = running;
}

/**
 * The job for the current mode, or the catalog key saying why none can start.
 * @returns {{job?: Record<string, any>, problem?: string}}
 */
function jobFor(mode) {
  if (mode === 'chat') {
    const message = text('message').value;
    if (!message.trim()) return { problem: 'playground.empty-message' };
    return { job: { type: 'chat', ...jobModel('chat'), message, system: text('system').value } };
  }
  const prompt = text('prompt').value;
  if (!prompt.trim()) return { problem: 'playground.empty-prompt' };
  if (mode === 'compare') {
    const models = compareModels();
    if (models.length === 0) return { problem: 'playground.no-models' };
    return { job: { type: 'compare', models, prompt } };
  }
  return { job: { type: 'generate', ...jobModel('generate'), prompt } };
}

/**
 * What the store shows when a job starts: an empty output, the user's turn, empty columns.
 * @returns {Partial<import('./ui/playground-store.js').PlaygroundState>}
 */
function startedState(mode, job) {
  const state = playground.get();
  if (mode === 'chat') {
    /** @type {import('./ui/playground-store.js').Turn[]} */
    const turns = [{ role: 'user', text: job.message }, { role: 'assistant', text: '' }];
    return { turns: [...state.turns, ...turns] };
  }
  if (mode === 'compare') {
    return { columns: job.models.map((model) => ({ model, text: '', figures: null, failure: null })) };
  }
  return { output: '' };
}

function start() {
  if (!acceptsWork()) return;
  const changes = parameterChanges();
  if (Object.keys(changes).length > 0) {
    // New parameters first: the worker checks them, and its answer starts the run (or says
    // which one is out of range).
    runAfterSettings = true;
    changeSettings(changes);
    return;
  }
  const { mode } = playground.get();
  const { job, problem } = jobFor(mode);
  if (problem) {
    setState('error');
    showError(() => t(problem));
    return;
  }
  failures = [];
  const id = sendJob(job);
  playground.update({ ...startedState(mode, job), job: { id, kind: job.type, stopping: false }, figures: null });
  if (mode === 'chat') text('message').value = '';
  setState('working');
  showStatus(() => t('playground.starting'));
}

function stop() {
  const { job } = playground.get();
  if (!job || job.stopping) return;
  stopJob(job.id);
  playground.update({ job: { ...job, stopping: true } });
  showStatus(() => t('playground.stopping'));
  updateControls();
}

function finish(jobId) {
  const { job, columns } = playground.get();
  if (!job || job.id !== jobId) return;
  playground.update({ job: null });
  if (job.kind === 'chat' && failures.length > 0) {
    // The turn that failed is not part of the conversation the worker keeps.
    playground.update((state) => ({ turns: state.turns.slice(0, -2) }));
  }
  const answered = columns.filter((column) => !column.failure && column.figures).length;
  if (failures.length > 0 && answered === 0) {
    setState('error');
    showError(() => wordError(failures[0]));
  } else if (failures.length > 0) {
    setState('done');
    showError(() => t('playground.some-failed', { failed: failures.length, first: wordError(failures[0]) }));
  } else {
    setState('done');
    const figures = playground.get().figures || {};
    showStatus(() => t(job.stopping ? 'playground.stopped' : 'playground.done', figures));
  }
}

/** The worker's `ready` (after every settings answer): say problems, or run what waited. */
function onReady() {
  if (getState() === 'loading') setState('ready');
  const { problems, notices } = store.get();
  if (problems.length > 0) {
    runAfterSettings = false;
    setState('error');
    showError(() => t('status.setting-problems', { problems: problems.map(wordError).join(' ') }));
  } else if (runAfterSettings) {
    runAfterSettings = false;
    start();
  } else if (getState() === 'ready') {
    const said = () => notices.map((notice) => t(`notice.${notice.key}`)).join(' ');
    showStatus(() => `${said()} ${t(`playground.ready-${playground.get().mode}`)}`.trim());
  }
}

/** A message about the running job. */
function onJobMessage(message, job) {
  switch (message.type) {
    case 'stage':
      showStatus(() => t(`playground.stage-${message.stage}`, message.params));
      break;
    case 'notice':
      showStatus(() => t(`notice.${message.key}`, message.params));
      break;
    case 'piece':
      playground.update((state) => {
        const appended = { ...state, ...appendText(state, message.model, message.text) };
        return { ...appended, ...setFigures(appended, message.model, message.figures) };
      });
      break;
    case 'generated':
      playground.update((state) => setFigures(state, message.model, message.figures));
      break;
    case 'generation-error':
      failures.push(message);
      if (job.kind === 'compare') {
        playground.update((state) => ({
          columns: state.columns.map((c) => (c.model === message.model ? { ...c, failure: message } : c)),
        }));
      }
      break;
    case 'done': finish(message.jobId); break;
    default: break;
  }
}

/** Every message from the worker, in one place. */
function onWorkerMessage(message) {
  const { job } = playground.get();
  if (job && message.jobId === job.id) {
    onJobMessage(message, job);
  } else {
    switch (message.type) {
      case 'settings': acceptWorkerSettings(message); break;
      case 'stage':
        if (message.stage === 'ready') onReady();
        else showStatus(() => t(`stage.${message.stage}`, message.params || {}));
        break;
      case 'progress': showProgress(message); break;
      case 'reset-done': break;
      case 'fatal':
        playground.update({ job: null });
        setFatal();
        showError(() => wordError(message));
        break;
      default: console.warn('Legenda: unknown message from the worker', message.type);
    }
  }
  updateControls();
}

function switchMode(mode) {
  if (!MODES.includes(mode) || getState() === 'working') return;
  changeSettings({ mode });
  playground.update({ mode, figures: null });
  if (acceptsWork() && store.get().status.kind !== 'error') showStatus(() => t(`playground.ready-${mode}`));
}

function resetChat() {
  sendJob({ type: 'reset', system: text('system').value });
  playground.update({ turns: [], figures: null });
  showStatus(() => t('playground.reset'));
}

function wirePage() {
  byId('mode').addEventListener('change', (event) => switchMode(/** @type {HTMLSelectElement} */ (event.target).value));
  byId('prompt-form').addEventListener('submit', (event) => { event.preventDefault(); start(); });
  byId('chat-form').addEventListener('submit', (event) => { event.preventDefault(); start(); });
  byId('stop').addEventListener('click', stop);
  byId('reset').addEventListener('click', resetChat);
  for (const id of ['prompt', 'message']) byId(id).addEventListener('input', updateControls);
  // Enter sends a chat message (Shift+Enter: a new line), as chat apps do.
  byId('message').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      start();
    }
  });
  byId('system').addEventListener('change', () => changeSettings({ system_prompt: text('system').value }));
  mountLanguageSelects((key, value) => changeSettings({ [key]: value }));
  watch(store, (state) => state.pageState, updateControls, false);
  watch(playground, (state) => state.mode, updateControls, false);
}

function mountPage() {
  mountPlaygroundViews();
  wirePage();
  mountSettingsForm('playground', (spec) => spec.group !== PARAMETER_GROUP);
  mountParameters();
  mountModelFields();
  mountModelCache();
  updateControls();
}

/** @param {Record<string, any>} settings */
function useSettings(settings) {
  playground.update({ mode: MODES.includes(settings.mode) ? settings.mode : 'generate' });
  text('system').value = settings.system_prompt ?? '';
}

bootPage({ mount: mountPage, onMessage: onWorkerMessage, onSettings: useSettings });
