// Speech: after each translation, ask the sidecar (the `tts` setting, with `tts_key` as its API
// key) to speak it, follow the speech request (a long-poll) with a progress bar and the elapsed time (Bark
// on a CPU can take minutes), then play the WAV in #audio and keep it in the result's own audio
// slot. Speech is an extra: when the sidecar is missing or fails, the panel says why and how to
// fix it, and the page state never changes. It follows the store's settings (the page's own:
// no need to wait for Python) and its results: a result's translation is ready, so speech
// starts (mountSpeech); clearing the results stops every follow-up. What it knows (the sidecar's
// answers, the newest result, the running follow-ups) is the store's `speech`.

import { el } from './dom.js';
import { bind, rerender, say, t, tOr, uiLang } from './i18n.js';
import { languageName } from './format.js';
import { watch } from './store.js';
import { featuredItem, newestResult, store } from './page-store.js';
import { cardOf } from './dom.js';
import { changeSettings } from './settings.js';
import { SidecarClient, SpeechError } from './sidecar.js';

/** The panel's elements (built once by buildPanel: DOM handles, not page state). */
let ui = null;

/** @returns {import('./page-store.js').Speech} */
const speech = () => store.get().speech;
/** @param {Partial<import('./page-store.js').Speech>} change */
const setSpeech = (change) => store.get().setSpeech(change);

function buildPanel(panel) {
  const voice = el('select', { id: 'voice', name: 'voice', className: 'select', disabled: true });
  const voiceLabel = el('label', { htmlFor: 'voice', className: 'field-label inline' });
  say(voiceLabel, 'speech.voice');
  const progress = el('progress', { id: 'speech-progress', className: 'speech-progress', max: 1, hidden: true });
  say(progress, 'speech.progress-label', {}, 'aria-label');
  const message = el('p', { id: 'speech-message', className: 'speech-message' });
  const retry = el('button', { id: 'speech-retry', type: 'button', className: 'button small secondary', hidden: true });
  say(retry, 'speech.retry');
  const problem = el('div', { className: 'speech-problem', hidden: true }, message, retry);
  problem.setAttribute('aria-live', 'polite');  // read out when speech becomes unavailable
  ui = {
    panel, voice, progress, message, retry, problem,
    voiceRow: el('div', { className: 'form-row', hidden: true }, voiceLabel, voice),
    engine: el('p', { id: 'speech-engine', className: 'speech-engine' }),
    status: el('p', { id: 'speech-status', className: 'speech-status', role: 'status' }),
    elapsed: el('span', { id: 'speech-elapsed', className: 'speech-elapsed' }),
  };
  panel.append(ui.voiceRow, ui.engine, el('div', { className: 'speech-progress-row' }, progress, ui.elapsed), ui.status, problem);
}

function setPhase(phase) {
  ui.panel.dataset.speech = phase;  // off | unavailable | idle | queued | running | done | error
}

const tell = (key, params = {}) => say(ui.status, key, params);

/** Text with `commands` in backticks -> nodes, the commands in <code>. */
function withCode(text) {
  return text.split('`').map((part, i) => (i % 2 ? el('code', { textContent: part }) : part));
}

function showProblem(words, canRetry, kind = '') {
  ui.problem.dataset.kind = kind;
  rerender(ui.message, () => ui.message.replaceChildren(...withCode(words())));
  ui.retry.hidden = !canRetry;
  ui.problem.hidden = false;
}

/**
 * Why speech failed, in words. The sidecar answers in English: an English page shows its own
 * sentence, another language words the sidecar's error code when the catalog knows it. Anything
 * that is not a SpeechError stays in the console.
 */
function why(err) {
  if (!(err instanceof SpeechError)) return t('speech.why.unexpected');
  const own = t(`speech.why.${err.key}`, err.params);
  return uiLang() === 'en' ? own : tOr(`speech.code.${err.params.code}`, err.params, own);
}

/** "12 s", "2 min 05 s" */
export function formatElapsed(ms) {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Stop the elapsed-time counter; returns how long it ran, e.g. "3 s". */
function stopClock() {
  clearInterval(speech().clock);
  ui.elapsed.textContent = '';
  return formatElapsed(performance.now() - speech().started);
}

function startClock() {
  stopClock();
  const started = performance.now();
  ui.elapsed.textContent = formatElapsed(0);
  const clock = window.setInterval(() => { ui.elapsed.textContent = formatElapsed(performance.now() - started); }, 1000);
  setSpeech({ started, clock });
}

/** Silence every player on the page (a new or newly featured result takes over). */
function pauseAll() {
  for (const player of document.querySelectorAll('audio')) if (!player.paused) player.pause();
}

function fillVoices() {
  const { settings, speech: { voices } } = store.get();
  const list = voices?.languages?.[settings.lang] || [];
  const fallback = voices?.default_voice && list.includes(voices.default_voice) ? ` (${voices.default_voice})` : '';
  const serverDefault = el('option', { value: '' });
  bind(serverDefault, () => `${t('speech.server-default')}${fallback}`);
  ui.voice.replaceChildren(serverDefault, ...list.map((v) => el('option', { value: v, textContent: v })));
  ui.voice.value = list.includes(settings.voice) ? settings.voice : '';
  ui.voice.disabled = list.length === 0;
  ui.voice.dataset.lang = settings.lang;
  ui.voiceRow.hidden = false;
  showEngine();
  if (voices && list.length === 0) {
    showProblem(() => t('speech.no-voice', { engine: voices.engine, name: languageName(store.get().languages, settings.lang) }), false, 'no-voice');
  } else if (ui.problem.dataset.kind === 'no-voice') {
    ui.problem.hidden = true;
  }
}

function showEngine() {
  const { voices } = speech();
  if (!voices) { ui.engine.textContent = ''; return; }
  const picked = ui.voice.value;
  bind(ui.engine, () => t('speech.engine', { engine: voices.engine, voice: picked || `${t('speech.server-default-lower')}${voices.default_voice ? ` (${voices.default_voice})` : ''}` }));
  ui.panel.dataset.engine = voices.engine;
}

function speechOff() {
  setSpeech({ client: null });
  ui.voice.replaceChildren();
  ui.voice.disabled = true;
  ui.voiceRow.hidden = true;
  ui.engine.textContent = '';
  setPhase('off');
  tell('speech.off');
}

/** Ask the sidecar what it can do; say so when it cannot be reached. */
async function connect() {
  ui.problem.hidden = true;
  setSpeech({ voices: null });
  const { tts, tts_key: key } = store.get().settings;
  if (!tts) { speechOff(); return false; }
  const asked = new SidecarClient(tts, key);
  setSpeech({ client: asked });
  try {
    const [voices, health] = await Promise.all([asked.voices(), asked.health()]);
    if (asked !== speech().client) return false;  // the setting changed meanwhile
    setSpeech({ voices });
    if (health.status === 'failed') throw new SpeechError('refused', 'model-failed', { said: health.error });
    fillVoices();
    if (['off', 'unavailable', undefined].includes(ui.panel.dataset.speech)) {
      setPhase('idle');
      if (health.status === 'loading') tell('speech.loading', { model: health.model }); else tell('speech.ready');
    }
    return true;
  } catch (err) {
    if (asked === speech().client) unavailable(err);
    return false;
  }
}

function unavailable(err) {
  setPhase('unavailable');
  ui.voiceRow.hidden = true;
  ui.progress.hidden = true;
  stopClock();
  say(ui.status, 'empty');  // the problem box below says it all
  const advice = err.kind === 'unreachable' ? 'speech.how-to-start' : 'speech.fix-server';
  showProblem(() => `${t('speech.unavailable', { why: why(err) })} ${t(advice)}`, true);
}

/** The result card's own player (made on first use). */
function slotFor(item) {
  const element = cardOf(item.jobId, item.itemId);
  if (!element) return null;
  const holder = element.querySelector('.result-audio') || element;
  let slot = holder.querySelector('audio');
  if (!slot) {
    slot = el('audio', { controls: true, preload: 'metadata', className: 'result-audio-player', crossOrigin: 'anonymous' });
    holder.append(slot);
  }
  return slot;
}

function slotMessage(slot, err) {
  const holder = slot.parentElement;
  let note = holder.querySelector('.result-speech-note');
  if (!note) {
    note = el('p', { className: 'result-speech-note' });
    holder.append(note);
  }
  bind(note, () => t('speech.no-speech', { why: why(err) }));
}

function showRequestProgress(request) {
  const share = Math.max(0, Math.min(1, Number(request.progress) || 0));
  setPhase(request.status === 'running' ? 'running' : 'queued');
  ui.progress.value = share;
  // `position`: how many requests are ahead of this one in the sidecar's queue.
  const ahead = Number(request.position);
  if (request.status === 'running') tell('speech.synthesizing', { percent: Math.round(share * 100) });
  else tell('speech.waiting', { place: Number.isInteger(ahead) && ahead > 0 ? ahead + 1 : 0 });
}

function startDriving() {
  ui.problem.hidden = true;
  setPhase('queued');
  tell('speech.asking');
  ui.progress.hidden = false;
  ui.progress.value = 0;
  startClock();
}

function failed(err) {
  stopClock();
  ui.progress.hidden = true;
  if (err instanceof SpeechError && err.kind === 'unreachable') {
    setSpeech({ client: null });
    unavailable(err);
    return;
  }
  setPhase('error');
  tell('speech.could-not');
  showProblem(() => t('speech.server-could-not', { why: why(err) }), true);
}

/**
 * Speak one result. Every result gets its audio in its own card; the featured one (shown
 * above, played in #audio) also drives the panel: progress, elapsed time, messages.
 * @param {import('./page-store.js').Item} result
 * @param {boolean} lead the result is the featured one
 */
async function speak(result, lead) {
  const id = lead ? speech().latest + 1 : speech().latest;
  const drives = () => lead && id === speech().latest;
  if (lead) {
    setSpeech({ latest: id, lastResult: result });
    pauseAll();  // a new result silences the previous one at once
  }
  const text = (result.translation || '').trim();
  if (!text || !store.get().settings.tts) return;
  if (!speech().client && !(await connect())) return;
  const asked = /** @type {SidecarClient} */ (speech().client);
  if (drives()) startDriving();
  const slot = slotFor(result);
  const followUp = new AbortController();
  setSpeech({ followUps: new Set([...speech().followUps, followUp]) });
  try {
    // The picked voice belongs to the current language; an older result may be in another.
    const voice = speech().voices?.languages?.[result.lang]?.includes(ui.voice.value) ? ui.voice.value : undefined;
    const request = await asked.speak({ text, lang: result.lang, voice }, {
      signal: followUp.signal, onProgress: (j) => { if (drives()) showRequestProgress(j); },
    });
    const src = await asked.audioSrc(request.audio_url, followUp.signal);
    if (slot) slot.src = src;
    if (!drives()) return;
    ui.progress.hidden = true;
    setPhase('done');
    play(src, stopClock());
  } catch (err) {
    if (followUp.signal.aborted) return;  // the result was cleared
    console.warn('Speech failed', err);
    if (slot) slotMessage(slot, err);
    if (drives()) failed(err);
  } finally {
    setSpeech({ followUps: new Set([...speech().followUps].filter((f) => f !== followUp)) });
  }
}

function play(src, took) {
  const audio = /** @type {HTMLAudioElement} */ (document.getElementById('audio'));
  audio.src = src;
  audio.preload = 'auto';
  audio.hidden = false;
  tell('speech.playing', { took });
  audio.play().catch((err) => {
    // Browsers may refuse sound without a recent click: the controls still play it.
    console.info('Autoplay refused', err);
    tell('speech.press-play', { took });
  });
}

/** Stop following every speech request (the results were cleared). */
function stopFollowUps() {
  for (const followUp of speech().followUps) followUp.abort();
  setSpeech({ followUps: new Set(), lastResult: null });
  stopClock();
  ui.progress.hidden = true;
}

/** Build the panel in #speech-panel and follow the store's settings and results. */
export function mountSpeech() {
  buildPanel(document.getElementById('speech-panel'));
  // CORS mode (the sidecar allows this page's origin): a cross-origin-isolated page (isolate=1)
  // refuses no-cors media that lacks a Cross-Origin-Resource-Policy header.
  /** @type {HTMLAudioElement} */ (document.getElementById('audio')).crossOrigin = 'anonymous';
  ui.voice.addEventListener('change', () => {
    showEngine();
    changeSettings({ voice: ui.voice.value });
  });
  ui.retry.addEventListener('click', async () => {
    setSpeech({ client: null });
    const { lastResult } = speech();
    if ((await connect()) && lastResult) speak(lastResult, true);
  });
  watch(store, (s) => (s.schema ? `${s.settings.tts}\n${s.settings.tts_key}` : null), (server) => {
    if (server !== null) connect();
  });
  watch(store, (s) => `${s.settings.lang}\n${s.settings.voice}`, () => { if (speech().voices) fillVoices(); }, false);
  // A result's translation is ready, so speech starts (the featured one drives the panel).
  watch(store, (s) => newestResult(s)?.resultAt, () => {
    const state = store.get();
    const result = newestResult(state);
    if (result) speak(result, state.featured?.jobId === result.jobId && state.featured.itemId === result.itemId);
  }, false);
  // Clear: the results are gone, so their follow-ups stop.
  watch(store, (s) => Object.keys(s.jobs).length === 0, (empty) => { if (empty) stopFollowUps(); }, false);
  followFeatured();
}

/**
 * #audio is this module's alone: it plays the featured result's speech, and is emptied when
 * nothing is featured (a new job, Clear). "Show above" gives it that result's speech, if any.
 */
function followFeatured() {
  watch(store, featuredItem, (item) => {
    const audio = /** @type {HTMLAudioElement} */ (document.getElementById('audio'));
    if (!item) {
      audio.pause();
      audio.removeAttribute('src');
      audio.hidden = true;
      return;
    }
    const src = /** @type {HTMLAudioElement | null | undefined} */ (cardOf(item.jobId, item.itemId)?.querySelector('.result-audio audio'))?.src;
    if (!src || audio.src === src) return;
    pauseAll();
    audio.src = src;
    audio.hidden = false;
  }, false);
}
