// The playground page (playground.html): text generation, a chat and model comparison, streamed
// from the same Web Worker as the caption page (web/worker.js: Pyodide + Transformers.js). It
// reuses that page's settings (ui/settings.js over the schema), store (ui/page-store.js, with
// the playground's part from ui/playground-store.js), words (ui/i18n.js), status line, progress
// bars, settings form and model cache view, and the shared message handler (ui/messages.js); its
// views are ui/playground-view.js. The messages it sends and reads are in web/protocol.js and
// docs/architecture.md ("Worker protocol", playground).
//
// To add a mode or a job kind: its state and actions in ui/playground-store.js, its job in
// `jobFor`, its view in ui/playground-view.js; Python's messages it adds go in protocol.js and
// legenda/protocol.py (a test keeps them equal).

import { TYPE } from './protocol.js';
import { acceptsWork, getState, setState } from './ui/state.js';
import { resetChat as sendReset, sendJob, stopJob } from './ui/worker-host.js';
import { bootPage } from './ui/boot.js';
import { changeSettings } from './ui/settings.js';
import { mountSettingsForm } from './ui/settings-form.js';
import { mountModelCache } from './ui/model-cache.js';
import { mountLanguageSelects } from './ui/language-select.js';
import { t, wordError } from './ui/i18n.js';
import { messageHandler } from './ui/messages.js';
import { addPart, setStatus, store } from './ui/page-store.js';
import { watch } from './ui/store.js';
import { MODES, playgroundState, setFigures } from './ui/playground-store.js';
import { mountPlaygroundViews } from './ui/playground-view.js';
import { PARAMETER_GROUP, mountParameters, parameterChanges } from './ui/playground-params.js';
import { compareModels, jobModel, mountModelFields } from './ui/playground-models.js';

addPart(playgroundState);
const playground = store;  // the page's one store, with the playground's part

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const text = (id) => /** @type {HTMLTextAreaElement} */ (byId(id));
const button = (id) => /** @type {HTMLButtonElement} */ (byId(id));
const showStatus = (words) => setStatus(words, 'info');
const showError = (words) => setStatus(words, 'error');

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
    return { job: { type: TYPE.CHAT, ...jobModel('chat'), message, system: text('system').value } };
  }
  const prompt = text('prompt').value;
  if (!prompt.trim()) return { problem: 'playground.empty-prompt' };
  if (mode === 'compare') {
    const models = compareModels();
    if (models.length === 0) return { problem: 'playground.no-models' };
    return { job: { type: TYPE.COMPARE, models, prompt } };
  }
  return { job: { type: TYPE.GENERATE, ...jobModel('generate'), prompt } };
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
    // New parameters first: Python checks them, and its answer starts the run (or says
    // which one is out of range).
    playground.update({ runAfterSettings: true });
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
  const id = sendJob(job);
  playground.update({ ...startedState(mode, job), job: { id, kind: job.type, stopping: false }, figures: null, failures: [] });
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

function finish({ jobId }) {
  const { job, columns, failures } = playground.get();
  if (!job || job.id !== jobId) return false;
  playground.get().endJob();
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
  return true;
}

/** After a settings answer with no bad value: run what waited, or say the mode is ready. */
function onReady() {
  const { runAfterSettings, notices, mode } = playground.get();
  if (runAfterSettings) {
    playground.update({ runAfterSettings: false });
    start();
  } else if (getState() === 'ready') {
    const said = () => notices.map((notice) => t(`notice.${notice.key}`)).join(' ');
    showStatus(() => `${said()} ${t(`playground.ready-${mode}`)}`.trim());
  }
}

/** A message about the running job: handled here; another job's goes to the shared handler. */
const ofJob = (handle) => (message) => {
  const { job } = playground.get();
  if (!job || message.jobId !== job.id) return false;
  handle(message);
  return true;
};

const onMessage = messageHandler({
  own: {
    [TYPE.STAGE]: ofJob((message) => showStatus(() => t(`playground.stage-${message.stage}`, message.params))),
    [TYPE.NOTICE]: ofJob((message) => showStatus(() => t(`notice.${message.key}`, message.params))),
    [TYPE.PIECE]: ofJob((message) => playground.get().addPiece(message)),
    [TYPE.GENERATED]: ofJob((message) => playground.update((state) => setFigures(state, message.model, message.figures))),
    [TYPE.GENERATION_ERROR]: ofJob((message) => playground.get().addFailure(message)),
    [TYPE.DONE]: finish,
    [TYPE.RESET_DONE]: () => {},
  },
  onReady,
  onProblems: () => playground.update({ runAfterSettings: false }),
});

function switchMode(mode) {
  if (!MODES.includes(mode) || getState() === 'working') return;
  changeSettings({ mode });
  playground.update({ mode, figures: null });
  if (acceptsWork() && store.get().status.kind !== 'error') showStatus(() => t(`playground.ready-${mode}`));
}

function resetChat() {
  sendReset(text('system').value);
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
  watch(store, (state) => state.mode, updateControls, false);
  watch(store, (state) => state.job, updateControls, false);
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

bootPage({ mount: mountPage, onMessage, onSettings: useSettings });
