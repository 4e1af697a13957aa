// The page's state, in one store (ui/store.js) with the actions that change it; see
// docs/architecture.md, "The page's store". Both pages share the part made by `sharedState`
// (settings, languages, status, page state, fatal error); the caption page's own part is made
// by `captionState` (its jobs and their items, the current and last job, the featured result,
// the image selection, the speech follow-ups); the playground adds its part with
// `addPart(playgroundState)` (ui/playground-store.js). Modules render from the store
// (`watch`) and call its actions; none keeps page state of its own. No DOM node is kept here:
// pure, so Node's test runner checks it (tests/js/page-store.test.js).

import { createStore } from './store.js';

/**
 * @typedef {import('../protocol.js').Failure} Failure
 * @typedef {{words: () => string, kind: 'info'|'error'}} Status
 * @typedef {'loading'|'ready'|'working'|'done'|'error'} PageStateName
 * @typedef {{state: PageStateName, previous?: PageStateName, fatal?: boolean}} PageState
 * @typedef {{jobId: string, itemId: string, name?: string, url?: string, blob?: Blob,
 *   preview: string, status: 'pending'|'done'|'error', caption?: string, translation?: string,
 *   lang?: string, error?: Failure, resultAt?: number}} Item
 * @typedef {{id: string, items: Record<string, Item>, featured: string|null}} Job
 * @typedef {{problems: import('./schema.js').SettingProblem[], notices: Array<{key: string}>,
 *   applied: boolean}} Answer
 * @typedef {{client: any, voices: any, latest: number, lastResult: Item|null,
 *   followUps: Set<AbortController>, clock: number, started: number}} Speech
 */

/** Where the page state may go from each state (a fatal error ends in `error` for good). */
export const NEXT = {
  loading: ['ready', 'error'],
  ready: ['working', 'error'],
  working: ['done', 'error'],
  done: ['working', 'error'],
  error: ['working'],
};

/**
 * The part both pages share.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
export function sharedState(set, get) {
  return { ...sharedData(), ...sharedActions(set, get) };
}

/** The data both pages share. */
function sharedData() {
  return {
    schema: /** @type {import('./schema.js').Schema | null} */ (null),
    siteConfig: {},  // config.json: the site's own choices over the schema's defaults
    settings: /** @type {Record<string, any>} */ ({}),  // every setting, resolved
    languages: /** @type {import('./schema.js').Language[]} */ ([]),  // the target languages
    problems: /** @type {import('./schema.js').SettingProblem[]} */ ([]),  // the last answer's
    notices: /** @type {Array<{key: string}>} */ ([]),  // e.g. "no WebGPU here"
    pending: /** @type {Record<string, any>} */ ({}),  // changes sent, saved once accepted
    pageProblems: /** @type {import('./schema.js').SettingProblem[]} */ ([]),  // the page's own
    answer: /** @type {Answer | null} */ (null),  // Python's last settings answer
    uiLang: /** @type {string | null} */ (null),  // the page's language, once worded
    status: /** @type {Status} */ ({ words: () => '', kind: 'info' }),
    pageState: /** @type {PageState} */ ({ state: 'loading' }),  // body.dataset.state renders it
    fatal: /** @type {Failure | null} */ (null),  // the runtime cannot work: final
    jobCount: 0,  // job ids are numbered: job-1, job-2...
  };
}

/**
 * The actions both pages share.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
function sharedActions(set, get) {
  return {
    /** Say `words()` in #status (re-worded when the page's language changes). */
    setStatus(/** @type {() => string} */ words, /** @type {'info'|'error'} */ kind = 'info') {
      set({ status: { words, kind } });
    },
    /** Move the page to `state`; an illegal move is a programming error, said and ignored. */
    moveTo(/** @type {PageStateName} */ state) {
      const { pageState, fatal } = get();
      if (state === pageState.state) return;
      if (fatal || !NEXT[pageState.state]?.includes(state)) {
        console.error(`Legenda: ignored state change ${pageState.state} -> ${state}`);
        return;
      }
      set({ pageState: { state, previous: pageState.state } });
    },
    /** A fatal error: the page stays in `error` (a page's part adds what its jobs need). */
    failFatal(/** @type {Failure} */ failure) {
      set((state) => fatalState(state, failure));
    },
    /** A new job id (every job the page sends to Python has one). */
    newJobId() {
      const jobCount = get().jobCount + 1;
      set({ jobCount });
      return `job-${jobCount}`;
    },
    /** A new job may start: the runtime is up and no job is running. */
    acceptsWork() {
      const { fatal, pageState } = get();
      return !fatal && ['ready', 'done', 'error'].includes(pageState.state);
    },
  };
}

/**
 * The state a fatal error leaves: `error` for good.
 * @param {{pageState: PageState}} state
 * @param {Failure} failure
 */
export function fatalState(state, failure) {
  const { pageState } = state;
  const next = pageState.state === 'error' ? pageState : { state: 'error', previous: pageState.state, fatal: true };
  return { pageState: next, fatal: failure };
}

/**
 * @param {Item} item
 * @param {Partial<Item>} change
 * @param {Record<string, Job>} jobs
 */
function withItem(jobs, item, change) {
  const job = jobs[item.jobId];
  return { ...jobs, [job.id]: { ...job, items: { ...job.items, [item.itemId]: { ...item, ...change } } } };
}

/** The item of a message, or undefined (a job cleared meanwhile). */
function itemOf(state, { jobId, itemId }) {
  return state.jobs[jobId]?.items[itemId];
}

/**
 * The caption page's part.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
export function captionState(set, get) {
  return { ...captionData(), ...jobStarts(set, get), ...jobAnswers(set, get), ...jobEnds(set, get) };
}

/** The caption page's data. */
function captionData() {
  return {
    jobs: /** @type {Record<string, Job>} */ ({}),  // every job since the last Clear, in order
    currentJob: /** @type {string | null} */ (null),  // the job Python works on
    lastJob: /** @type {string | null} */ (null),  // its captions are translated again on #lang
    featured: /** @type {{jobId: string, itemId: string} | null} */ (null),  // shown above
    resultCount: 0,  // results so far: an item's `resultAt` says which one it got
    // The image chosen: files (chosen, dropped or pasted) or the address in #image-url.
    selection: /** @type {{files: File[], url: string}} */ ({ files: [], url: '' }),
    speech: /** @type {Speech} */ ({
      client: null,  // the SidecarClient of the `tts` setting, once it answered
      voices: null,  // the sidecar's /api/voices answer
      latest: 0,  // id of the newest featured result; older ones no longer drive the panel
      lastResult: null,  // what Retry speaks again
      followUps: new Set(),  // AbortControllers of the speech requests being followed
      clock: 0,  // the elapsed-time counter's interval
      started: 0,  // when the followed request was asked for (performance.now())
    }),
  };
}

/**
 * The caption page's actions that start jobs or take their answers.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
function jobStarts(set, get) {
  return {
    /**
     * A new job of `items` (`{itemId, name, url}` or `{itemId, name, blob}` with its `preview`
     * source): every item pending, nothing featured, and the page `working`.
     */
    startJob(/** @type {string} */ jobId, /** @type {Array<Record<string, any>>} */ items) {
      const entries = items.map((source) => [source.itemId, { ...source, jobId, status: 'pending' }]);
      set((state) => ({
        jobs: { ...state.jobs, [jobId]: { id: jobId, items: Object.fromEntries(entries), featured: null } },
        currentJob: jobId,
        lastJob: jobId,
        featured: null,
      }));
      get().moveTo('working');
    },
    /** The last job's captions go to Python again, for the new `lang`. */
    retranslateJob(/** @type {string} */ jobId) {
      set({ currentJob: jobId });
      get().moveTo('working');
    },
  };
}

/**
 * The caption page's actions that take Python's answers about items.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
function jobAnswers(set, get) {
  return {
    /** A `result` message: the item is done, and featured if it is its job's first. */
    itemResult(/** @type {Record<string, any>} */ { jobId, itemId, caption, translation, lang }) {
      const state = get();
      const item = itemOf(state, { jobId, itemId });
      if (!item) return;
      const resultAt = state.resultCount + 1;
      /** @type {Partial<Item>} */
      const change = { status: 'done', caption, translation, lang, error: undefined, resultAt };
      const jobs = withItem(state.jobs, item, change);
      set({ jobs, resultCount: resultAt, ...featuring({ ...state, jobs }, item) });
    },
    /**
     * An `item-error` message: the item failed. When only its translation failed, its English
     * caption stays, shown with an empty translation labelled with the language asked for.
     */
    itemError(/** @type {Record<string, any>} */ { jobId, itemId, caption, type: _type, ...rest }) {
      const failure = /** @type {Failure} */ (rest);
      const state = get();
      const item = itemOf(state, { jobId, itemId });
      if (!item) return;
      /** @type {Partial<Item>} */
      const change = caption
        ? { status: 'error', error: failure, caption, translation: '', lang: failure.params?.lang || state.settings.lang }
        : { status: 'error', error: failure, caption: item.caption };
      const jobs = withItem(state.jobs, item, change);
      set({ jobs, ...(caption ? featuring({ ...state, jobs }, item) : {}) });
    },
  };
}

/**
 * The caption page's actions that end jobs, pick one result or forget them all.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
function jobEnds(set, get) {
  return {
    /** Mark the job's items that got neither a result nor an error (Python stopped). */
    abandonJob(/** @type {string} */ jobId, /** @type {Failure} */ failure) {
      for (const item of Object.values(get().jobs[jobId]?.items || {})) {
        if (item.caption === undefined && !item.error) get().itemError({ jobId, itemId: item.itemId, ...failure });
      }
    },
    /** The current job's `done`: no job runs; returns how it went, or null for another job. */
    finishJob(/** @type {string} */ jobId) {
      if (jobId !== get().currentJob) return null;
      get().abandonJob(jobId, { code: 'runtime-failed', key: 'no-answer' });  // none, normally
      set({ currentJob: null });
      return jobSummary(get(), jobId);
    },
    /** A fatal error: the running job's items fail with it, and the page stays in `error`. */
    failFatal(/** @type {Failure} */ failure) {
      const { currentJob } = get();
      if (currentJob) get().abandonJob(currentJob, failure);
      set((state) => ({ ...fatalState(state, failure), currentJob: null }));
    },
    /** Show `itemId` of `jobId` above (the user's "Show above"). */
    feature(/** @type {string} */ jobId, /** @type {string} */ itemId) {
      const state = get();
      const item = itemOf(state, { jobId, itemId });
      if (item) set(featuring(state, item, true));
    },
    /** Clear: forget every job and stop every speech follow-up. */
    clearJobs() {
      set({ jobs: {}, currentJob: null, lastJob: null, featured: null });
    },
    /** Change the speech follow-ups' state (ui/speech.js). */
    setSpeech(/** @type {Partial<Speech>} */ change) {
      set((state) => ({ speech: { ...state.speech, ...change } }));
    },
  };
}

/** The featured result after `item` got an answer: its job's first, or the one shown already. */
function featuring(state, item, chosen = false) {
  const job = state.jobs[item.jobId];
  if (!chosen && job.featured !== null && job.featured !== item.itemId) return {};
  const jobs = { ...state.jobs, [job.id]: { ...job, featured: item.itemId } };
  return { featured: { jobId: item.jobId, itemId: item.itemId }, ...(job.featured === item.itemId ? {} : { jobs }) };
}

/**
 * How a job went: `{total, succeeded, errors: [failure...]}`.
 * @param {{jobs: Record<string, Job>}} state
 * @param {string} jobId
 */
export function jobSummary(state, jobId) {
  const items = Object.values(state.jobs[jobId]?.items || {});
  return {
    total: items.length,
    succeeded: items.filter((item) => item.translation !== undefined && !item.error).length,
    errors: items.filter((item) => item.error).map((item) => /** @type {Failure} */ (item.error)),
  };
}

/**
 * A job's captions so far ([{itemId, caption}]), to translate them again.
 * @param {{jobs: Record<string, Job>}} state
 * @param {string | null} jobId
 */
export function jobCaptions(state, jobId) {
  const items = Object.values((jobId && state.jobs[jobId]?.items) || {});
  return items.filter((item) => item.caption).map(({ itemId, caption }) => ({ itemId, caption }));
}

/**
 * The item with the newest translation (the last `result`), or null.
 * @param {{jobs: Record<string, Job>, resultCount: number}} state
 * @returns {Item | null}
 */
export function newestResult(state) {
  for (const job of Object.values(state.jobs)) {
    for (const item of Object.values(job.items)) if (item.resultAt === state.resultCount) return item;
  }
  return null;
}

/**
 * The featured item, or null.
 * @param {{jobs: Record<string, Job>, featured: {jobId: string, itemId: string} | null}} state
 * @returns {Item | null}
 */
export function featuredItem(state) {
  return state.featured ? itemOf(state, state.featured) || null : null;
}

/**
 * The page's store: the shared part; each page adds its own at start, before anything renders
 * (app.js: `captionState`, ui/playground-store.js: `playgroundState`).
 * @type {import('./store.js').Store<any>}
 */
export const store = createStore((set, get) => sharedState(set, get));

/**
 * Add a page's own part (`part(set, get)`: its state and actions) to the store.
 * @param {(set: import('./store.js').SetState<any>, get: () => any) => Record<string, any>} part
 */
export function addPart(part) {
  store.set(part(store.set, store.get));
}

/**
 * Say `words()` in #status (re-worded when the page's language changes).
 * @param {() => string} words
 * @param {'info'|'error'} [kind]
 */
export function setStatus(words, kind = 'info') {
  store.get().setStatus(words, kind);
}
