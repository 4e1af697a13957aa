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
import { serverModel } from './ui/openai-chat.js';
import { compareLegs, runOnServer } from './ui/server-jobs.js';
import { loadTurns, messagesFor, regeneration, saveTurns, turnsBeforeSend } from './ui/chat-turns.js';

addPart(playgroundState);
const playground = store;  // the page's one store, with the playground's part

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const text = (id) => /** @type {HTMLTextAreaElement} */ (byId(id));
const button = (id) => /** @type {HTMLButtonElement} */ (byId(id));
const showStatus = (words) => setStatus(words, 'info');
const showError = (words) => setStatus(words, 'error');

/**
 * What a run asks for, whichever place runs it: the mode's job, its model(s) and text; a chat
 * run also the turns before its message (`before`) and what it replaces (`restore`).
 * @typedef {{kind: 'generate' | 'chat' | 'compare', model?: string, device?: string,
 *   models?: string[], prompt?: string, message?: string, system?: string,
 *   before?: import('./ui/chat-turns.js').Turn[], fromField?: boolean,
 *   restore?: {turns: import('./ui/chat-turns.js').Turn[], message: string}}} RunRequest
 */

/** This browser's storage for the conversation, or null where it refuses (private modes). */
function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Buttons follow the state: one job at a time, Stop only while one runs, no empty prompt. */
function updateControls() {
  const usable = acceptsWork();
  const running = getState() === 'working';
  button('generate').disabled = !usable || !text('prompt').value.trim();
  button('send').disabled = !usable || !text('message').value.trim();
  button('stop').disabled = !running || Boolean(playground.get().job?.stopping);
  button('reset').disabled = running;
  button('regenerate').disabled = !usable || !regeneration(playground.get().turns);
  /** @type {HTMLSelectElement} */ (byId('mode')).disabled = running;
}

/**
 * A chat run of `message` after the turns `before`.
 * @returns {RunRequest}
 */
function chatRequest(message, before, restore, fromField = false) {
  return { kind: 'chat', ...jobModel('chat'), message, system: text('system').value, before, restore, fromField };
}

/**
 * The run the mode's fields ask for, or the catalog key saying why none can start.
 * @returns {{request?: RunRequest, problem?: string}}
 */
function requestFor(mode) {
  if (mode === 'chat') {
    const message = text('message').value;
    if (!message.trim()) return { problem: 'playground.empty-message' };
    const { turns, editing } = playground.get();
    return { request: chatRequest(message, turnsBeforeSend(turns, editing), { turns, message }, true) };
  }
  const prompt = text('prompt').value;
  if (!prompt.trim()) return { problem: 'playground.empty-prompt' };
  if (mode === 'compare') {
    const models = compareModels();
    if (models.length === 0) return { problem: 'playground.no-models' };
    return { request: { kind: 'compare', models, prompt } };
  }
  return { request: { kind: 'generate', ...jobModel('generate'), prompt } };
}

/**
 * The legs a run takes, one after the other: a compare's (ui/server-jobs.js), else its model's
 * place.
 * @param {RunRequest} request
 * @returns {import('./ui/server-jobs.js').Leg[]}
 */
function legsOf(request) {
  if (request.kind === 'compare') return compareLegs(request.models);
  return [serverModel(request.model) === null ? { where: 'browser', models: [request.model] } : { where: 'server', model: request.model }];
}

/**
 * What the store shows when a run starts: an empty output, the user's turn, empty columns.
 * @param {RunRequest} request
 * @returns {Record<string, any>}
 */
function startedState(request) {
  if (request.kind === 'chat') {
    const asked = [{ role: 'user', text: request.message }, { role: 'assistant', text: '', model: request.model }];
    return { turns: [...request.before, ...asked], editing: null };
  }
  if (request.kind === 'compare') {
    const column = (model) => ({ model, text: '', figures: null, failure: null, where: serverModel(model) === null ? 'browser' : 'server' });
    return { columns: request.models.map(column) };
  }
  return { output: '' };
}

/** Start a run: `given`, or the one the mode's fields ask for. */
function start(given = null) {
  if (!acceptsWork()) return;
  const { request, problem } = given ? { request: given } : requestFor(playground.get().mode);
  if (problem) {
    setState('error');
    showError(() => t(problem));
    return;
  }
  const changes = parameterChanges();
  if (Object.keys(changes).length > 0) {
    // New parameters first: Python checks them, and its answer starts the run (or says
    // which one is out of range).
    playground.update({ runAfterSettings: request });
    changeSettings(changes);
    return;
  }
  const id = playground.get().newJobId();
  const job = { id, kind: request.kind, stopping: false, legs: legsOf(request), leg: 0, abort: null, restore: request.restore || null, request };
  playground.update({ ...startedState(request), job, figures: null, failures: [] });
  if (request.fromField) text('message').value = '';
  setState('working');
  showStatus(() => t('playground.starting'));
  runLeg();
}

/**
 * The worker's message for a browser leg of the running job.
 * @param {string} jobId
 * @param {RunRequest} request
 * @param {string[]} models
 */
function workerJob(jobId, request, models) {
  const { model, device } = request;
  if (request.kind === 'compare') return { type: TYPE.COMPARE, jobId, models, prompt: request.prompt };
  if (request.kind === 'generate') return { type: TYPE.GENERATE, jobId, model, device, prompt: request.prompt };
  const history = messagesFor('', request.before);
  return { type: TYPE.CHAT, jobId, model, device, message: request.message, system: request.system, history };
}

/** What a server leg sends: the conversation (chat API), or the raw prompt (completions API). */
function serverInput(/** @type {RunRequest} */ request) {
  if (request.kind !== 'chat') return { prompt: request.prompt };
  return { messages: messagesFor(request.system, [...request.before, { role: 'user', text: request.message }]) };
}

/** Run the running job's current leg: in the worker, or on the server (ended by a `done`). */
function runLeg() {
  const { job } = playground.get();
  const leg = job.legs[job.leg];
  if (leg.where === 'browser') {
    sendJob(workerJob(job.id, job.request, leg.models));
    return;
  }
  const abort = new AbortController();
  playground.update({ job: { ...job, abort } });
  const { settings } = store.get();
  runOnServer({
    jobId: job.id, model: leg.model, ...serverInput(job.request), params: settings, settings,
    signal: abort.signal, post: onMessage,
  }).then(() => onMessage({ type: TYPE.DONE, jobId: job.id }));
}

function stop() {
  const { job } = playground.get();
  if (!job || job.stopping) return;
  if (job.legs[job.leg].where === 'server') job.abort?.abort();
  else stopJob(job.id);
  playground.update({ job: { ...playground.get().job, stopping: true } });
  showStatus(() => t('playground.stopping'));
  updateControls();
}

/** A leg's `done`: the next leg runs, or the job ends. */
function onDone({ jobId }) {
  const { job } = playground.get();
  if (!job || job.id !== jobId) return false;
  if (playground.get().nextLeg()) {
    runLeg();
    return true;
  }
  return finish(job);
}

function finish(job) {
  const { columns, failures } = playground.get();
  playground.get().endJob();
  if (job.kind === 'chat' && failures.length > 0 && job.request.fromField && !text('message').value) {
    text('message').value = job.restore?.message || '';  // the message that failed, to send again
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
  return true;
}

/** After a settings answer with no bad value: run what waited, or say the mode is ready. */
function onReady() {
  const { runAfterSettings, notices, mode, turns } = playground.get();
  if (runAfterSettings) {
    playground.update({ runAfterSettings: false });
    start(runAfterSettings);
  } else if (getState() === 'ready') {
    const said = () => notices.map((notice) => t(`notice.${notice.key}`)).join(' ');
    const restored = () => (mode === 'chat' && turns.length > 0 ? ` ${t('playground.restored')}` : '');
    showStatus(() => `${said()} ${t(`playground.ready-${mode}`)}${restored()}`.trim());
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
    [TYPE.DONE]: onDone,
    [TYPE.RESET_DONE]: () => {},
  },
  onReady,
  onProblems: () => playground.update({ runAfterSettings: false }),
});

/** Regenerate: the last user turn is asked again; its answer replaces the last one. */
function regenerate() {
  const { turns } = playground.get();
  const again = regeneration(turns);
  if (again) start(chatRequest(again.message, again.before, { turns, message: '' }));
}

/** A turn's button: Copy an answer, or Edit a user turn (its text goes back to #message). */
function onTurnAction(event) {
  const target = /** @type {HTMLElement} */ (event.target).closest('button[data-action]');
  const item = target?.closest('[data-index]');
  if (!target || !item) return;
  const index = Number(/** @type {HTMLElement} */ (item).dataset.index);
  const turn = playground.get().turns[index];
  if (!turn) return;
  if (/** @type {HTMLElement} */ (target).dataset.action === 'copy') {
    navigator.clipboard.writeText(turn.text).then(
      () => showStatus(() => t('playground.copied')),
      () => showError(() => t('playground.copy-failed')),
    );
    return;
  }
  playground.get().editTurn(index);
  text('message').value = turn.text;
  text('message').focus();
  showStatus(() => t('playground.editing'));
  updateControls();
}

function switchMode(mode) {
  if (!MODES.includes(mode) || getState() === 'working') return;
  changeSettings({ mode });
  playground.update({ mode, figures: null });
  if (acceptsWork() && store.get().status.kind !== 'error') showStatus(() => t(`playground.ready-${mode}`));
}

function resetChat() {
  sendReset(text('system').value);
  playground.update({ turns: [], figures: null, editing: null });
  showStatus(() => t('playground.reset'));
}

/** The conversation comes back after a reload, and is kept whenever no run is writing it. */
function keepConversation() {
  playground.update({ turns: loadTurns(storage()) });
  watch(store, (state) => (state.job ? null : state.turns), (turns) => {
    if (turns) saveTurns(storage(), turns);
  }, false);
}

function wirePage() {
  byId('mode').addEventListener('change', (event) => switchMode(/** @type {HTMLSelectElement} */ (event.target).value));
  byId('prompt-form').addEventListener('submit', (event) => { event.preventDefault(); start(); });
  byId('chat-form').addEventListener('submit', (event) => { event.preventDefault(); start(); });
  byId('stop').addEventListener('click', stop);
  byId('reset').addEventListener('click', resetChat);
  byId('regenerate').addEventListener('click', regenerate);
  byId('messages').addEventListener('click', onTurnAction);
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
  watch(store, (state) => state.turns, updateControls, false);
}

function mountPage() {
  keepConversation();
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

bootPage({ name: 'playground', mount: mountPage, onMessage, onSettings: useSettings });
