// The playground's part of the page's store (ui/page-store.js; web/playground.js adds it with
// `addPart(playgroundState)`): the mode, the job running and its failures, what it produced (the
// generated text, the conversation, the compare columns, the figures), a run waiting for its
// parameters, whether this browser has WebGPU. web/playground.js changes it (from the page's
// controls and Python's messages, through the actions below); the views in
// ui/playground-view.js render from it. A job runs in legs, one after the other (a compare's
// browser models in one, each server model in its own: ui/server-jobs.js); a chat job keeps what
// it replaced, to put it back when it fails.

import { TYPE } from '../protocol.js';
import { fatalState } from './page-store.js';

/**
 * @typedef {{tokens: number, ttftMs: number | null, tokensPerS: number | null}} Figures
 * @typedef {import('./chat-turns.js').Turn} Turn
 * @typedef {{model: string, text: string, figures: Figures | null, where: 'browser' | 'server',
 *   failure: {code: string, key?: string, params?: object, message?: string} | null}} Column
 * @typedef {{id: string, kind: 'generate' | 'chat' | 'compare', stopping: boolean,
 *   legs: import('./server-jobs.js').Leg[], leg: number, abort: AbortController | null,
 *   restore: {turns: Turn[], message: string} | null, request: Record<string, any>}} Job
 * @typedef {{
 *   mode: 'generate' | 'chat' | 'compare',
 *   job: Job | null,
 *   output: string,
 *   figures: Figures | null,
 *   turns: Turn[],
 *   columns: Column[],
 *   failures: Array<Record<string, any>>,
 *   runAfterSettings: Record<string, any> | false,
 *   webgpu: boolean,
 *   editing: number | null,
 * }} PlaygroundState
 */

/** The `mode` setting's choices: each mode sends the job of the same name. */
export const MODES = [TYPE.GENERATE, TYPE.CHAT, TYPE.COMPARE];

/**
 * The playground's state and actions.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
export function playgroundState(set, get) {
  return { ...playgroundData(), ...playgroundActions(set, get) };
}

/** The playground's data. */
function playgroundData() {
  return {
    mode: /** @type {PlaygroundState['mode']} */ ('generate'),
    job: /** @type {Job | null} */ (null),
    output: '',  // generate: the text so far
    figures: /** @type {Figures | null} */ (null),  // the current generation's figures (#stats)
    turns: /** @type {Turn[]} */ ([]),  // chat: the conversation as shown
    columns: /** @type {Column[]} */ ([]),  // compare: one per model, in order
    failures: /** @type {Array<Record<string, any>>} */ ([]),  // the job's generation-errors
    runAfterSettings: /** @type {Record<string, any> | false} */ (false),  // the run waiting for its parameters
    webgpu: false,  // this browser gives a WebGPU adapter
    editing: /** @type {number | null} */ (null),  // chat: the user turn being edited
  };
}

/**
 * The playground's actions.
 * @param {import('./store.js').SetState<any>} set
 * @param {() => any} get
 */
function playgroundActions(set, get) {
  return {
    /** A fatal error: no job runs any more, and the page stays in `error`. */
    failFatal(/** @type {import('../protocol.js').Failure} */ failure) {
      set((state) => ({ ...fatalState(state, failure), job: null }));
    },
    /** A `piece` message: its text appended, its figures shown. */
    addPiece(/** @type {Record<string, any>} */ { model, text, figures }) {
      set((state) => {
        const appended = { ...state, ...appendText(state, model, text) };
        return { ...appended, ...setFigures(appended, model, figures) };
      });
    },
    /** A `generation-error` message: kept for the job's end, and on its compare column. */
    addFailure(/** @type {Record<string, any>} */ message) {
      set((state) => ({
        failures: [...state.failures, message],
        columns: state.job?.kind === TYPE.COMPARE
          ? state.columns.map((c) => (c.model === message.model ? { ...c, failure: message } : c))
          : state.columns,
      }));
    },
    /**
     * The running job's next leg, or null when it has none left (or was stopped): the job
     * moves on to it.
     * @returns {import('./server-jobs.js').Leg | null}
     */
    nextLeg() {
      const { job } = get();
      if (!job || job.stopping || job.leg + 1 >= job.legs.length) return null;
      set({ job: { ...job, leg: job.leg + 1, abort: null } });
      return job.legs[job.leg + 1];
    },
    /**
     * The running job ended: a chat turn that failed leaves the conversation, giving back what
     * it replaced (an edited turn and those after it, a regenerated answer).
     */
    endJob() {
      const { job, failures } = get();
      if (job?.kind === TYPE.CHAT && failures.length > 0) {
        set((state) => ({ turns: job.restore ? job.restore.turns : state.turns.slice(0, -2) }));
      }
      set({ job: null });
    },
    /** Edit the user turn `index` (null: no longer): the next Send replaces it. */
    editTurn(/** @type {number | null} */ index) {
      set({ editing: index });
    },
  };
}

/** Append `text` to the model's output: #output, the chat's last turn or its column. */
export function appendText(state, model, text) {
  if (state.job?.kind === TYPE.CHAT) {
    const turns = state.turns.slice();
    const last = turns[turns.length - 1];
    turns[turns.length - 1] = { ...last, text: last.text + text };
    return { turns };
  }
  if (state.job?.kind === TYPE.COMPARE) {
    return { columns: state.columns.map((c) => (c.model === model ? { ...c, text: c.text + text } : c)) };
  }
  return { output: state.output + text };
}

/** Set the model's figures (the compare column's, the chat answer's, and #stats always). */
export function setFigures(state, model, figures) {
  const columns = state.job?.kind === TYPE.COMPARE
    ? state.columns.map((c) => (c.model === model ? { ...c, figures } : c))
    : state.columns;
  if (state.job?.kind !== TYPE.CHAT || state.turns.length === 0) return { figures, columns };
  const turns = state.turns.slice();
  turns[turns.length - 1] = { ...turns[turns.length - 1], figures };
  return { figures, columns, turns };
}
