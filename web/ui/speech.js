// Speech: after each translation, ask the sidecar (the `tts` setting) to speak it, follow the
// job with a progress bar and the elapsed time (Bark on a CPU can take minutes), then play the
// WAV in #audio and keep it in the result's own audio slot. Speech is an extra: when the sidecar
// is missing or fails, the page says why and how to fix it, and the page state never changes.
//
// Sidecar API (docs/product.md): POST /api/speech {text, lang, voice?} -> {id, status,
// status_url, audio_url}; GET status_url -> {status, progress, audio_url, error};
// GET /api/voices -> {engine, default_voice, languages: {lang: [voice...]}}; GET /api/health.

import { changeSettings } from './settings.js';
import { el } from './dom.js';
import { languageName, ordinal } from './format.js';

const POLL_MS = 500;

/** A failure a person can act on; `kind` is "unreachable" (nothing answered) or "refused". */
class SpeechError extends Error {
  constructor(message, kind = 'refused') {
    super(message);
    this.kind = kind;
  }
}

/** A tiny client of the sidecar's JSON API; every failure becomes a SpeechError. */
class SidecarClient {
  constructor(base) {
    this.base = base.endsWith('/') ? base : `${base}/`;
  }

  url(path) {
    return new URL(path.replace(/^\//, ''), this.base).href;
  }

  async json(path, init = {}) {
    let response;
    try {
      response = await fetch(this.url(path), { ...init, headers: { Accept: 'application/json', ...init.headers } });
    } catch (err) {
      // fetch() gives the same TypeError for a closed port, a wrong host and a CORS refusal.
      console.warn('Speech server unreachable', err);
      throw new SpeechError(`nothing answered at ${this.base.replace(/\/$/, '')} (the speech server is not running, the address is wrong, or it does not accept requests from this page)`, 'unreachable');
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const why = body?.error?.message || `it answered HTTP ${response.status} without an explanation`;
      throw new SpeechError(why, 'refused');
    }
    if (body === null) throw new SpeechError('its answer was not JSON: is this address really the speech server?', 'refused');
    return body;
  }

  voices() { return this.json('api/voices'); }
  health() { return this.json('api/health'); }

  request(text, lang, voice) {
    const payload = { text, lang, ...(voice ? { voice } : {}) };
    return this.json('api/speech', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
  }
}

function delay(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

/** A server's sentence, made ready to go inside one of ours: no final full stop. */
function clause(text) {
  return String(text).trim().replace(/[.!]+$/, '');
}

/** Why speech failed, as a clause: a SpeechError says it; anything else stays in the console. */
function reason(err) {
  return err instanceof SpeechError ? clause(err.message) : 'an unexpected problem';
}

/** Silence every player on the page (a new or newly featured result takes over). */
function pauseAll() {
  for (const player of document.querySelectorAll('audio')) {
    if (!player.paused) player.pause();
  }
}

/** "12 s", "2 min 05 s" */
function formatElapsed(ms) {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Text with `commands` in backticks -> nodes, the commands in <code>. */
function withCode(text) {
  return text.split('`').map((part, i) => (i % 2 ? el('code', { textContent: part }) : part));
}

const HOW_TO_START = 'Captions and translations still work. To hear them, start the speech server with `make run` (or `python -m tts_server --port 5000`), or set the “tts” setting to its address, then press Retry.';

/**
 * Build the speech panel and return its controller.
 * @param {HTMLElement} panel #speech-panel
 * @param {{audio: HTMLAudioElement, onVoiceChange: (voice: string) => void}} options
 */
function initSpeech(panel, { audio, onVoiceChange }) {
  const voiceSelect = el('select', { id: 'voice', className: 'select', disabled: true });
  const engineLine = el('p', { id: 'speech-engine', className: 'speech-engine' });
  const state = el('p', { id: 'speech-status', className: 'speech-status', role: 'status' });
  const progress = el('progress', { id: 'speech-progress', className: 'speech-progress', max: 1, hidden: true });
  progress.setAttribute('aria-label', 'Speech synthesis progress');
  const elapsed = el('span', { id: 'speech-elapsed', className: 'speech-elapsed' });
  const message = el('p', { id: 'speech-message', className: 'speech-message' });
  const retry = el('button', { id: 'speech-retry', type: 'button', className: 'button small secondary', textContent: 'Retry', hidden: true });
  const problem = el('div', { className: 'speech-problem', hidden: true }, message, retry);
  problem.setAttribute('aria-live', 'polite'); // read out when speech becomes unavailable
  const voiceRow = el('div', { className: 'form-row', hidden: true },
    el('label', { htmlFor: 'voice', className: 'field-label inline', textContent: 'Voice' }), voiceSelect);
  panel.append(
    voiceRow,
    engineLine,
    el('div', { className: 'speech-progress-row' }, progress, elapsed),
    state,
    problem,
  );

  let settings = null;      // the worker's resolved settings
  let languages = [];       // [{code, name, speech}]
  let voices = null;        // the sidecar's /api/voices answer
  let client = null;
  let latest = 0;           // id of the newest result; older jobs no longer drive the panel
  let lastResult = null;    // what Retry speaks again
  let clock = null;

  function setPhase(phase) {
    panel.dataset.speech = phase; // off | unavailable | idle | queued | running | done | error
  }

  function showProblem(text, canRetry) {
    delete problem.dataset.kind;
    message.replaceChildren(...withCode(text));
    retry.hidden = !canRetry;
    problem.hidden = false;
  }

  function hideProblem() {
    problem.hidden = true;
  }

  let started = 0;

  /** Stop the elapsed-time counter; returns how long it ran, e.g. "3 s". */
  function stopClock() {
    clearInterval(clock);
    clock = null;
    elapsed.textContent = '';
    return formatElapsed(performance.now() - started);
  }

  function startClock() {
    stopClock();
    started = performance.now();
    elapsed.textContent = formatElapsed(0);
    clock = setInterval(() => { elapsed.textContent = formatElapsed(performance.now() - started); }, 1000);
  }

  function speechLang(code) {
    const entry = languages.find((l) => l.code === code);
    return entry?.speech || code;
  }

  function fillVoices() {
    const lang = speechLang(settings.lang);
    const list = voices?.languages?.[lang] || [];
    const wanted = settings.voice || '';
    const fallback = voices?.default_voice && list.includes(voices.default_voice) ? ` (${voices.default_voice})` : '';
    voiceSelect.replaceChildren(
      el('option', { value: '', textContent: `Server default${fallback}` }),
      ...list.map((v) => el('option', { value: v, textContent: v })),
    );
    voiceSelect.value = list.includes(wanted) ? wanted : '';
    voiceSelect.disabled = list.length === 0;
    voiceSelect.dataset.lang = lang;
    voiceRow.hidden = false;
    showEngine();
    if (voices && list.length === 0) {
      showProblem(`The speech server (${voices.engine}) has no voice for ${languageName(languages, settings.lang)}: pick another language to hear translations.`, false);
      problem.dataset.kind = 'no-voice';
    } else if (problem.dataset.kind === 'no-voice') {
      hideProblem();
    }
  }

  function showEngine() {
    if (!voices) { engineLine.textContent = ''; return; }
    const voice = voiceSelect.value || `server default${voices.default_voice ? ` (${voices.default_voice})` : ''}`;
    engineLine.textContent = `Engine: ${voices.engine} · voice: ${voice}`;
    panel.dataset.engine = voices.engine;
  }

  /** Ask the sidecar what it can do; say so when it cannot be reached. */
  async function connect() {
    hideProblem();
    voices = null;
    if (!settings.tts) {
      client = null;
      voiceSelect.replaceChildren();
      voiceSelect.disabled = true;
      voiceRow.hidden = true;
      engineLine.textContent = '';
      setPhase('off');
      state.textContent = 'Speech is off: the “tts” setting is empty. Set it to the speech server’s address (for example http://127.0.0.1:5000) to hear translations.';
      return false;
    }
    client = new SidecarClient(settings.tts);
    const asked = client;
    try {
      const [answer, health] = await Promise.all([asked.voices(), asked.health()]);
      if (asked !== client) return false; // the setting changed meanwhile
      voices = answer;
      if (health.status === 'failed') {
        throw new SpeechError(`its speech model could not be loaded: ${health.error || 'no reason given'}`, 'refused');
      }
      fillVoices();
      if (panel.dataset.speech === 'off' || panel.dataset.speech === 'unavailable' || !panel.dataset.speech) {
        setPhase('idle');
        state.textContent = health.status === 'loading'
          ? `The speech server is still loading its model (${health.model}); the first translation may take longer to speak.`
          : 'Speech is ready: translations are read aloud.';
      }
      return true;
    } catch (err) {
      if (asked !== client) return false;
      unavailable(err);
      return false;
    }
  }

  function unavailable(err) {
    setPhase('unavailable');
    voiceRow.hidden = true;
    progress.hidden = true;
    stopClock();
    state.textContent = ''; // the problem box below says it all
    const why = reason(err);
    const advice = err.kind === 'unreachable' ? ` ${HOW_TO_START}` : ' Captions and translations still work. Fix the speech server, then press Retry.';
    showProblem(`Speech is unavailable: ${why}.${advice}`, true);
  }

  function slotFor(element) {
    if (!element) return null;
    const holder = element.querySelector('.result-audio') || element;
    let slot = holder.querySelector('audio');
    if (!slot) {
      slot = el('audio', { controls: true, preload: 'metadata', className: 'result-audio-player', crossOrigin: 'anonymous' });
      holder.append(slot);
    }
    return slot;
  }

  function slotMessage(slot, text) {
    const holder = slot.parentElement;
    let note = holder.querySelector('.result-speech-note');
    if (!note) {
      note = el('p', { className: 'result-speech-note' });
      holder.append(note);
    }
    note.textContent = text;
  }

  /**
   * Speak one result. Every result gets its audio in its own card; the featured one (shown
   * above, played in #audio) also drives the panel: progress, elapsed time, messages.
   */
  async function speak(result) {
    const lead = result.featured !== false;
    const id = lead ? ++latest : latest;
    const drives = () => lead && id === latest;
    if (lead) {
      lastResult = result;
      pauseAll(); // a new result silences the previous one at once
    }
    const text = (result.translation || '').trim();
    if (!text || !settings?.tts) return;
    if (!client && !(await connect())) return;
    const asked = client;
    if (drives()) {
      hideProblem();
      setPhase('queued');
      state.textContent = 'Asking the speech server to read the translation…';
      progress.hidden = false;
      progress.value = 0;
      startClock();
    }
    const slot = slotFor(result.element);
    try {
      const lang = speechLang(result.lang);
      // The picked voice belongs to the current language; an older result may be in another.
      const voice = voices?.languages?.[lang]?.includes(voiceSelect.value) ? voiceSelect.value : undefined;
      const job = await asked.request(text, lang, voice);
      const done = await follow(asked, job, drives);
      const src = asked.url(done.audio_url);
      if (slot) slot.src = src;
      if (!drives()) return;
      const took = stopClock();
      progress.hidden = true;
      setPhase('done');
      play(src, took);
    } catch (err) {
      console.warn('Speech failed', err);
      if (slot) slotMessage(slot, `No speech: ${reason(err)}.`);
      if (!drives()) return;
      stopClock();
      progress.hidden = true;
      if (err instanceof SpeechError && err.kind === 'unreachable') {
        client = null;
        unavailable(err);
        return;
      }
      setPhase('error');
      state.textContent = 'This translation could not be spoken.';
      showProblem(`The speech server could not read it: ${reason(err)}. Captions and translations still work; press Retry to try again.`, true);
    }
  }

  /** The queued job's line: its place once other jobs are ahead (`position` = jobs ahead). */
  function waiting(position) {
    const ahead = Number(position);
    return Number.isInteger(ahead) && ahead > 0
      ? `Waiting for the speech server: ${ordinal(ahead + 1)} in line…`
      : 'Waiting for the speech server…';
  }

  /** Poll the job until it is done; only the job that drives the panel updates it. */
  async function follow(asked, job, drives) {
    let current = job;
    for (;;) {
      if (current.status === 'done') return current;
      if (current.status === 'failed' || current.status === 'error') {
        throw new SpeechError(current.error?.message || current.error || 'the speech job failed without a reason');
      }
      if (drives()) {
        const share = Math.max(0, Math.min(1, Number(current.progress) || 0));
        setPhase(current.status === 'running' ? 'running' : 'queued');
        progress.value = share;
        state.textContent = current.status === 'running'
          ? `Synthesizing speech… ${Math.round(share * 100)}%`
          : waiting(current.position);
      }
      await delay(POLL_MS);
      current = await asked.json(current.status_url || job.status_url);
    }
  }

  function play(src, took) {
    audio.src = src;
    audio.preload = 'auto';
    audio.hidden = false;
    state.textContent = `Playing the translation (spoken in ${took}).`;
    audio.play().catch((err) => {
      // Browsers may refuse sound without a recent click: the controls still play it.
      console.info('Autoplay refused', err);
      state.textContent = `The speech is ready (spoken in ${took}): press play to hear it.`;
    });
  }

  voiceSelect.addEventListener('change', () => {
    showEngine();
    onVoiceChange?.(voiceSelect.value);
  });
  retry.addEventListener('click', async () => {
    client = null;
    const ok = await connect();
    if (ok && lastResult) speak(lastResult);
  });

  return {
    /** The worker's resolved settings and language table (after every init/configure). */
    setSettings(next, langs) {
      const before = settings;
      settings = next;
      languages = langs || languages;
      if (!before || before.tts !== next.tts) {
        client = null;
        connect();
      } else if (before.lang !== next.lang || before.voice !== next.voice) {
        if (voices) fillVoices();
      }
    },
    speak,
  };
}

/** Build the panel in #speech-panel and follow the page's settings and results. */
export function mountSpeech() {
  const audio = document.getElementById('audio');
  // CORS mode (the sidecar allows this page's origin): a cross-origin-isolated page (isolate=1)
  // refuses no-cors media that lacks a Cross-Origin-Resource-Policy header.
  audio.crossOrigin = 'anonymous';
  const speech = initSpeech(document.getElementById('speech-panel'), {
    audio,
    onVoiceChange: (voice) => changeSettings({ voice }),
  });
  document.addEventListener('legenda:settings', ({ detail }) => speech.setSettings(detail.settings, detail.languages));
  document.addEventListener('legenda:result', ({ detail }) => speech.speak(detail));
  // "Show above" features another result: #audio takes that result's speech, if it has some.
  document.addEventListener('legenda:featured', ({ detail }) => {
    const src = detail.element?.querySelector('.result-audio audio')?.src;
    if (!src || audio.src === src) return;
    pauseAll();
    audio.src = src;
    audio.hidden = false;
  });
}
