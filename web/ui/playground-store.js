// The playground's own state, in one store (ui/store.js): the mode, the job running, and what
// it produced (the generated text, the conversation, the compare columns, the figures). Only
// web/playground.js writes it (from the page's controls and the worker's messages); the views
// in ui/playground-view.js render from it. The shared settings stay in ui/page-store.js.

import { createStore } from './store.js';

/**
 * @typedef {{tokens: number, ttftMs: number | null, tokensPerS: number | null}} Figures
 * @typedef {{role: 'user' | 'assistant', text: string}} Turn
 * @typedef {{model: string, text: string, figures: Figures | null,
 *   failure: {code: string, key?: string, params?: object, message?: string} | null}} Column
 * @typedef {{id: string, kind: 'generate' | 'chat' | 'compare', stopping: boolean}} Job
 * @typedef {{
 *   mode: 'generate' | 'chat' | 'compare',
 *   job: Job | null,
 *   output: string,
 *   figures: Figures | null,
 *   turns: Turn[],
 *   columns: Column[],
 * }} PlaygroundState
 */

export const MODES = /** @type {const} */ (['generate', 'chat', 'compare']);

/** @type {import('./store.js').Store<PlaygroundState>} */
export const playground = createStore({
  mode: 'generate',
  job: null,
  output: '',  // generate: the text so far
  figures: null,  // the current generation's figures (#stats)
  turns: [],  // chat: the conversation as shown
  columns: [],  // compare: one per model, in order
});

/** Append `text` to the model's output: #output, the chat's last turn or its column. */
export function appendText(state, model, text) {
  if (state.job?.kind === 'chat') {
    const turns = state.turns.slice();
    const last = turns[turns.length - 1];
    turns[turns.length - 1] = { ...last, text: last.text + text };
    return { turns };
  }
  if (state.job?.kind === 'compare') {
    return { columns: state.columns.map((c) => (c.model === model ? { ...c, text: c.text + text } : c)) };
  }
  return { output: state.output + text };
}

/** Set the model's figures (the compare column's, and #stats in every mode). */
export function setFigures(state, model, figures) {
  const columns = state.job?.kind === 'compare'
    ? state.columns.map((c) => (c.model === model ? { ...c, figures } : c))
    : state.columns;
  return { figures, columns };
}
