// The playground's views, rendered from the page's store (its playground part,
// ui/playground-store.js): which mode's
// controls show, the streamed text (#output), the figures (#stats and each compare column, as
// the data-tokens / data-ttft-ms / data-tokens-per-s the page contract names), the conversation
// (#messages, one child per turn with data-role) and the compare columns (#compare, one child
// per model with data-model, its text in [data-output]).

import { el } from './dom.js';
import { bind, t, wordError } from './i18n.js';
import { watch } from './store.js';
import { store } from './page-store.js';

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Write `figures` on `element`: the data-* attributes, and a sentence.
 * @param {HTMLElement} element
 * @param {import('./playground-store.js').Figures | null} figures
 */
export function showFigures(element, figures) {
  const { tokens = 0, ttftMs = null, tokensPerS = null } = figures || {};
  element.dataset.tokens = String(tokens);
  element.dataset.ttftMs = ttftMs === null ? '' : String(ttftMs);
  element.dataset.tokensPerS = tokensPerS === null ? '' : String(tokensPerS);
  bind(element, () => (figures ? t('playground.figures', { tokens, ttftMs, tokensPerS }) : ''));
}

/** @param {import('./playground-store.js').Turn} turn */
function turnElement(turn) {
  const who = el('span', { className: 'turn-role' });
  bind(who, () => t(`playground.role-${turn.role}`));
  const text = el('p', { className: 'turn-text' });
  text.textContent = turn.text;
  return el('li', { className: `turn turn-${turn.role}` }, who, text);
}

/** #messages: add the new turns, update the last one's text, empty it on reset. */
function renderTurns(turns) {
  const list = byId('messages');
  while (list.children.length > turns.length) list.lastElementChild?.remove();
  turns.forEach((turn, index) => {
    let item = /** @type {HTMLElement | undefined} */ (list.children[index]);
    if (!item) {
      item = turnElement(turn);
      list.append(item);
    }
    item.dataset.role = turn.role;
    const text = /** @type {HTMLElement} */ (item.querySelector('.turn-text'));
    if (text.textContent !== turn.text) text.textContent = turn.text;
  });
  list.lastElementChild?.scrollIntoView({ block: 'nearest' });
}

/** @param {string} model */
function columnElement(model) {
  const output = el('p', { className: 'column-output' });
  output.dataset.output = '';
  const figures = el('p', { className: 'figures column-figures' });
  const failure = el('p', { className: 'column-error', hidden: true });
  const column = el('article', { className: 'compare-column' }, el('h3', { textContent: model }), output, figures, failure);
  column.dataset.model = model;
  return column;
}

/** #compare: one column per model, in order. */
function renderColumns(columns) {
  const grid = byId('compare');
  const current = [...grid.children].map((child) => /** @type {HTMLElement} */ (child).dataset.model);
  if (current.join('\n') !== columns.map((c) => c.model).join('\n')) {
    grid.replaceChildren(...columns.map((c) => columnElement(c.model)));
  }
  columns.forEach((column, index) => {
    const node = /** @type {HTMLElement} */ (grid.children[index]);
    const output = /** @type {HTMLElement} */ (node.querySelector('[data-output]'));
    if (output.textContent !== column.text) output.textContent = column.text;
    showFigures(/** @type {HTMLElement} */ (node.querySelector('.column-figures')), column.figures);
    const failure = /** @type {HTMLElement} */ (node.querySelector('.column-error'));
    failure.hidden = !column.failure;
    if (column.failure) bind(failure, () => wordError(column.failure));
  });
}

/** Show the controls of `mode` only (#prompt and #generate serve generate and compare). */
function showMode(mode) {
  for (const node of document.querySelectorAll('[data-modes]')) {
    /** @type {HTMLElement} */ (node).hidden = !(node.getAttribute('data-modes') || '').split(' ').includes(mode);
  }
  const select = /** @type {HTMLSelectElement} */ (byId('mode'));
  if (select.value !== mode) select.value = mode;
  document.body.dataset.mode = mode;
}

export function mountPlaygroundViews() {
  watch(store, (state) => state.mode, showMode);
  watch(store, (state) => state.output, (text) => { byId('output').textContent = text; });
  watch(store, (state) => state.figures, (figures) => showFigures(byId('stats'), figures));
  watch(store, (state) => state.turns, renderTurns);
  watch(store, (state) => state.columns, renderColumns);
}
