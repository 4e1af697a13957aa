// A small client of the speech sidecar's JSON API (tts_server/README.md): every failure becomes
// a SpeechError, whose `key` and `params` the page words (ui/i18n/<lang>.js, `speech.why.*`).
// With an API key (the `tts_key` setting) every request carries `Authorization: Bearer <key>`.
//
// POST /api/speech?wait=S {text, lang, voice?} -> {id, status, progress, status_url,
// audio_url, error} (the sidecar calls a request a "job"; on the page a job is Python's, so this
// client calls it a speech request); GET status_url?wait=S holds the answer until the request
// ends or S seconds pass (the long-poll); GET /api/voices -> {engine, default_voice, languages: {lang: [voice...]}};
// GET /api/health -> {status, model, error}.

const WAIT_S = 5;  // each long-poll's length: the progress bar moves at least this often
const MIN_POLL_MS = 500;  // a sidecar that answers at once is not asked again sooner

/** A failure a person can act on; `kind` is "unreachable" (nothing answered) or "refused". */
export class SpeechError extends Error {
  /**
   * @param {'unreachable'|'refused'} kind
   * @param {string} key what happened (`speech.why.<key>` in the catalog)
   * @param {Record<string, any>} [params]
   */
  constructor(kind, key, params = {}) {
    super(`${kind}: ${key} ${JSON.stringify(params)}`);
    this.kind = kind;
    this.key = key;
    this.params = params;
  }
}

function delay(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true });
  });
}

export class SidecarClient {
  /** @param {string} base @param {string} [key] */
  constructor(base, key = '') {
    this.base = base.endsWith('/') ? base : `${base}/`;
    this.key = key;
  }

  url(path) {
    return new URL(path.replace(/^\//, ''), this.base).href;
  }

  /** @param {string} path @param {RequestInit} [init] */
  async json(path, init = {}) {
    const headers = { Accept: 'application/json', ...(this.key ? { Authorization: `Bearer ${this.key}` } : {}), ...init.headers };
    let response;
    try {
      response = await fetch(this.url(path), { ...init, headers });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      // fetch() gives the same TypeError for a closed port, a wrong host and a CORS refusal.
      console.warn('Speech server unreachable', err);
      throw new SpeechError('unreachable', 'unreachable', { address: this.base.replace(/\/$/, '') });
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const said = body?.error?.message;
      throw new SpeechError('refused', said ? 'server-said' : 'http', { status: response.status, said, code: body?.error?.code });
    }
    if (body === null) throw new SpeechError('refused', 'not-json');
    return body;
  }

  /**
   * What an <audio> element can play for `path`: its URL, or, with an API key (which an
   * <audio src> cannot send), the audio fetched with the key as a blob: URL.
   */
  async audioSrc(path, signal) {
    if (!this.key) return this.url(path);
    let response;
    try {
      response = await fetch(this.url(path), { headers: { Authorization: `Bearer ${this.key}` }, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new SpeechError('unreachable', 'unreachable', { address: this.base.replace(/\/$/, '') });
    }
    if (!response.ok) throw new SpeechError('refused', 'http', { status: response.status });
    return URL.createObjectURL(await response.blob());
  }

  voices() { return this.json('api/voices'); }
  health() { return this.json('api/health'); }

  /**
   * Ask for speech and follow the request until its audio is ready; `onProgress(request)`
   * meanwhile.
   */
  async speak({ text, lang, voice }, { signal, onProgress }) {
    const payload = { text, lang, ...(voice ? { voice } : {}) };
    let request = await this.json(`api/speech?wait=${WAIT_S}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload), signal,
    });
    const statusUrl = request.status_url;
    for (;;) {
      if (request.status === 'done') return request;
      if (request.status === 'failed') throw new SpeechError('refused', request.error ? 'server-said' : 'job-failed', { said: request.error });
      onProgress(request);
      const asked = performance.now();
      request = await this.json(`${statusUrl}?wait=${WAIT_S}`, { signal });
      if (signal.aborted) throw new DOMException('cleared', 'AbortError');
      if (request.status !== 'done' && performance.now() - asked < MIN_POLL_MS) await delay(MIN_POLL_MS, signal);
    }
  }
}
