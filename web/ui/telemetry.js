// Opt-in timings (the `telemetry` setting, off by default): a job timer follows one job's worker
// messages (docs/architecture.md, "Worker protocol") and, when the job is done, builds the
// anonymous report the speech sidecar takes at POST /api/telemetry (tts_server/telemetry.py,
// known fields only). The report holds times, model ids, dtype, device, thread count, first
// visit or revisit and an error code: never an image, a caption, a translation or an address.
// Pure but for `sendReport` (fetch) and `visitKind` (localStorage), so Node's runner tests it.

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
// The worker's stages and where their time goes (a `model` stage by the model's role).
const STAGE_FIELDS = {
  captioning: 'caption_s', translating: 'translation_s',
  'model:captioning': 'caption_load_s', 'model:translation': 'translation_load_s',
};
const ENDS_STAGE = new Set(['stage', 'result', 'item-error', 'done', 'fatal']);

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
 * Follows one job: `see(message)` for each worker message of the job, `speechWaited(ms)` when
 * its speech came, `report(...)` once it is done.
 * @param {() => number} [now] milliseconds (performance.now)
 */
export function createJobTimer(now = () => performance.now()) {
  /** @type {Record<string, number>} */
  const spent = {};
  let current = /** @type {{field: string, since: number} | null} */ (null);
  /** @type {{caption: string[], translation: string[]}} */
  const texts = { caption: [], translation: [] };
  let error = /** @type {string | null} */ (null);
  let speechMs = 0;

  function endStage(at) {
    if (current) spent[current.field] = (spent[current.field] ?? 0) + (at - current.since);
    current = null;
  }

  return {
    /** @param {Record<string, any>} message */
    see(message) {
      const at = now();
      if (ENDS_STAGE.has(message.type)) endStage(at);
      if (message.type === 'stage') {
        const key = message.stage === 'model' ? `model:${message.params?.role}` : message.stage;
        const field = STAGE_FIELDS[key];
        if (field) current = { field, since: at };
      } else if (message.type === 'result') {
        texts.caption.push(String(message.caption ?? ''));
        if (message.translation !== message.caption) texts.translation.push(String(message.translation ?? ''));
      } else if ((message.type === 'item-error' || message.type === 'fatal') && !error) {
        error = message.code ?? null;
      }
    },
    /** @param {number} ms */
    speechWaited(ms) { speechMs += ms; },
    /**
     * @param {{caption_model: string, translation_model: string, dtype: string, device: string}} settings
     * @param {{visit: 'first'|'revisit', threads: number}} where
     * @returns {TelemetryReport}
     */
    report(settings, where) {
      endStage(now());
      // Seconds per word, to the microsecond (a word takes milliseconds).
      const perToken = (field, list) => (spent[field] > 0 && words(list) > 0
        ? Math.min(Math.round((spent[field] / words(list)) * 1000) / 1e6, MAX_TOKEN_S) : null);
      const translated = texts.translation.length > 0 || spent.translation_s > 0 || spent.translation_load_s > 0;
      return {
        visit: where.visit, device: settings.device, dtype: settings.dtype, threads: where.threads,
        caption_model: reportedModel(settings.caption_model),
        translation_model: translated ? reportedModel(settings.translation_model) : null,
        caption_load_s: seconds(spent.caption_load_s ?? 0), caption_s: seconds(spent.caption_s ?? 0),
        translation_load_s: seconds(spent.translation_load_s ?? 0), translation_s: seconds(spent.translation_s ?? 0),
        speech_wait_s: seconds(speechMs),
        caption_token_s: perToken('caption_s', texts.caption), translation_token_s: perToken('translation_s', texts.translation),
        error,
      };
    },
  };
}

/** 'first' the first time this browser reports a job from this site, 'revisit' after. */
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
