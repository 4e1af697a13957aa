// Opt-in timings (the `telemetry` setting, off by default). `followJobs` subscribes to the page's
// store (ui/page-store.js): a job starts (currentJob set) -> a job timer; Python's stage
// messages, which app.js hands to `see`, split its time into model load, caption and
// translation; the featured result's speech request (store.speech) gives the speech wait; the
// job finished (currentJob back to null) and its speech settled -> the anonymous report the
// speech sidecar takes at POST /api/telemetry (tts_server/telemetry.py, known fields only) is
// sent, when the setting is on. The report holds times, model ids, dtype, device, thread count,
// first visit or revisit and an error code: never an image, a caption, a translation or an
// address. Pure but for `sendReport` (fetch) and `visitKind` (localStorage): Node's runner
// tests the rest.

import { TYPE } from '../protocol.js';
import { watch } from './store.js';

/**
 * @typedef {{
 *   visit: 'first'|'revisit', device: string, dtype: string, threads: number,
 *   caption_model: string, translation_model: string | null,
 *   caption_load_s: number | null, caption_s: number | null,
 *   translation_load_s: number | null, translation_s: number | null,
 *   speech_wait_s: number | null,
 *   caption_token_s: number | null, translation_token_s: number | null,
 *   error: string | null,
 * }} TelemetryReport
 */

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const VISITED_KEY = 'legenda.visited';
const MAX_S = 3600;  // the sidecar refuses longer stage times (a clock gone wrong)
const MAX_TOKEN_S = 60;  // and longer times per token
const SPEECH_CAP_MS = 120_000;  // a report waits this long at most for its job's speech
// The worker's stages and where their time goes (a `model` stage by the model's role).
const STAGE_FIELDS = {
  captioning: 'caption_s', translating: 'translation_s',
  'model:captioning': 'caption_load_s', 'model:translation': 'translation_load_s',
};
const ENDS_STAGE = new Set([TYPE.STAGE, TYPE.RESULT, TYPE.ITEM_ERROR, TYPE.DONE, TYPE.FATAL]);

/** Seconds, rounded to milliseconds, within what the sidecar takes; null for none. */
const seconds = (ms) => (ms > 0 ? Math.min(Math.round(ms) / 1000, MAX_S) : null);

/** A model id as the report may carry it: a hub-style id, else "local" (a folder path). */
export function reportedModel(id) {
  return MODEL_ID.test(id) && !id.includes('..') ? id : 'local';
}

/** Words in `texts`: the page has no token count, so a word stands in for a token. */
function words(texts) {
  return texts.reduce((count, text) => count + (text.trim() ? text.trim().split(/\s+/).length : 0), 0);
}

/** ONNX Runtime's default thread count on wasm: 1 without cross-origin isolation. */
export function ortThreads(isolated, cores) {
  return isolated ? Math.max(1, Math.min(4, Math.ceil((cores || 1) / 2))) : 1;
}

/**
 * One job's stage times: `see(message)` for each of Python's messages about it (a stage runs
 * until the next stage, result, error or done), `speechWaited(ms)`, then `report(...)`.
 * @param {() => number} [now] milliseconds (performance.now)
 */
export function createJobTimer(now = () => performance.now()) {
  /** @type {Record<string, number>} */
  const spent = {};
  let current = /** @type {{field: string, since: number} | null} */ (null);
  let speechMs = 0;

  function endStage(at) {
    if (current) spent[current.field] = (spent[current.field] ?? 0) + (at - current.since);
    current = null;
  }
  // Seconds per word, to the microsecond (a word takes milliseconds).
  const perWord = (field, texts) => (spent[field] > 0 && words(texts) > 0
    ? Math.min(Math.round((spent[field] / words(texts)) * 1000) / 1e6, MAX_TOKEN_S) : null);

  return {
    /** @param {Record<string, any>} message */
    see(message) {
      const at = now();
      if (ENDS_STAGE.has(message.type)) endStage(at);
      if (message.type !== TYPE.STAGE) return;
      const field = STAGE_FIELDS[message.stage === 'model' ? `model:${message.params?.role}` : message.stage];
      if (field) current = { field, since: at };
    },
    /** @param {number} ms */
    speechWaited(ms) { speechMs += ms; },
    /**
     * @param {{caption_model: string, translation_model: string, dtype: string, device: string}} settings
     * @param {{visit: 'first'|'revisit', threads: number}} where
     * @param {{captions: string[], translations: string[], error: string | null}} outcome
     * @returns {TelemetryReport}
     */
    report(settings, where, { captions, translations, error }) {
      endStage(now());
      const translated = translations.length > 0 || spent.translation_s > 0 || spent.translation_load_s > 0;
      return {
        visit: where.visit, device: settings.device, dtype: settings.dtype, threads: where.threads,
        caption_model: reportedModel(settings.caption_model),
        translation_model: translated ? reportedModel(settings.translation_model) : null,
        caption_load_s: seconds(spent.caption_load_s ?? 0), caption_s: seconds(spent.caption_s ?? 0),
        translation_load_s: seconds(spent.translation_load_s ?? 0), translation_s: seconds(spent.translation_s ?? 0),
        speech_wait_s: seconds(speechMs),
        caption_token_s: perWord('caption_s', captions), translation_token_s: perWord('translation_s', translations),
        error,
      };
    },
  };
}

/**
 * What a finished job gave, from the store: its captions, its translations (those that differ
 * from their caption: en is not translated) and the first error code.
 * @param {Record<string, any>} state the page store's state
 * @param {string} jobId
 */
export function jobOutcome(state, jobId) {
  const items = Object.values(state.jobs?.[jobId]?.items ?? {});
  const done = items.filter((item) => item.caption);
  const failed = items.find((item) => item.error);
  return {
    captions: done.map((item) => String(item.caption)),
    translations: done.filter((item) => item.translation && item.translation !== item.caption).map((item) => String(item.translation)),
    error: failed?.error?.code ?? state.fatal?.code ?? null,
  };
}

/**
 * Follow the page store's jobs and send each finished job's report with `send(report)` when the
 * `telemetry` setting is on (nothing at all when it is off). Returns `see`, for Python's messages.
 * @param {import('./store.js').Store<any>} store
 * @param {(report: TelemetryReport) => void} send
 * @param {{now?: () => number, visit?: () => 'first'|'revisit', threads?: () => number}} [env]
 */
export function followJobs(store, send, env = {}) {
  const now = env.now ?? (() => performance.now());
  let running = /** @type {ReturnType<typeof createJobTimer> | null} */ (null);
  let finished = /** @type {{jobId: string, timer: ReturnType<typeof createJobTimer>} | null} */ (null);
  let speechSince = /** @type {number | null} */ (null);
  let cap = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);

  function sendFinished() {
    const state = store.get();
    if (!finished || speechSince !== null) return;  // its speech is still on its way
    const { jobId, timer } = finished;
    finished = null;
    clearTimeout(cap);
    if (!state.settings.telemetry) return;
    const where = { visit: (env.visit ?? visitKind)(), threads: (env.threads ?? browserThreads)() };
    send(timer.report(state.settings, where, jobOutcome(state, jobId)));
  }

  watch(store, (state) => state.currentJob, (jobId, previous) => {
    if (jobId && !previous) running = createJobTimer(now);
    if (!jobId && previous && running) {
      finished = { jobId: previous, timer: running };
      running = null;
      sendFinished();
      if (finished) cap = setTimeout(() => { speechSince = null; sendFinished(); }, SPEECH_CAP_MS);
    }
  }, false);
  // The featured result's speech: asked (speech.started) until no request is followed.
  watch(store, (state) => state.speech?.started, () => { speechSince = now(); }, false);
  watch(store, (state) => state.speech?.followUps?.size ?? 0, (size) => {
    if (size > 0 || speechSince === null) return;
    if (store.get().speech.lastResult) (finished?.timer ?? running)?.speechWaited(now() - speechSince);
    speechSince = null;
    sendFinished();
  }, false);
  return (/** @type {Record<string, any>} */ message) => running?.see(message);
}

/** ONNX Runtime's threads in this browser (see ortThreads). */
function browserThreads() {
  return ortThreads(globalThis.crossOriginIsolated === true, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/**
 * 'first' the first time this browser reports a job from this site, 'revisit' after.
 * @returns {'first'|'revisit'}
 */
export function visitKind(storage = globalThis.localStorage) {
  try {
    if (storage.getItem(VISITED_KEY)) return 'revisit';
    storage.setItem(VISITED_KEY, '1');
  } catch {
    // Storage refused (private mode): every visit counts as a first one.
  }
  return 'first';
}

/**
 * POST the report to the sidecar at `base` (the `tts` setting) with its key (`tts_key`).
 * Failures are ignored: timings must never disturb the page.
 * @param {string} base @param {string} key @param {TelemetryReport} report
 */
export async function sendReport(base, key, report) {
  const url = new URL('api/telemetry', base.endsWith('/') ? base : `${base}/`);
  try {
    await fetch(url, {
      method: 'POST', keepalive: true, body: JSON.stringify(report),
      headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    });
  } catch (err) {
    console.debug('Legenda: the timings were not sent', err);
  }
}
