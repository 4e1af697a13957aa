// The playground's views, rendered from the page's store (its playground part,
// ui/playground-store.js): which mode's controls show, the streamed text (#output), the figures
// (#stats, each chat answer and each compare column, as the data-tokens / data-ttft-ms /
// data-tokens-per-s the page contract names), the conversation (#messages, one child per turn
// with data-role; an answer with its figures, where it ran and [data-action="copy"], a user
// turn with [data-action="edit"]) and the compare columns (#compare, one child per model with
// data-model and data-where, its text in [data-output]). The buttons' clicks are
// web/playground.js's.

import { el } from './dom.js';
import { bind, t, wordError } from './i18n.js';
import { watch } from './store.js';
import { store } from './page-store.js';
import { chatServer, serverModel } from './openai-chat.js';

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

/** Where `model` runs, worded: in the browser, or on the server (its address). */
function whereWords(model) {
  if (serverModel(model) === null) return t('playground.ran-browser');
  return t('playground.ran-server', { address: chatServer(store.get().settings).base });
}

/** A button of a turn: `action` is "copy" or "edit" (web/playground.js handles the click). */
function turnButton(action) {
  const button = el('button', { className: 'button secondary turn-action', type: 'button' });
  button.dataset.action = action;
  bind(button, () => t(`playground.${action}`));
  return button;
}

/** @param {import('./playground-store.js').Turn} turn */
function turnElement(turn) {
  const who = el('span', { className: 'turn-role' });
  bind(who, () => t(`playground.role-${turn.role}`));
  const text = el('p', { className: 'turn-text' });
  text.textContent = turn.text;
  if (turn.role === 'user') {
    return el('li', { className: 'turn turn-user' }, who, text, el('div', { className: 'turn-actions' }, turnButton('edit')));
  }
  const figures = el('p', { className: 'figures turn-figures' });
  const where = el('p', { className: 'turn-where' });
  const actions = el('div', { className: 'turn-actions' }, turnButton('copy'));
  return el('li', { className: 'turn turn-assistant' }, who, text, figures, where, actions);
}

/** One turn's text, figures, place and buttons as the store has them now. */
function renderTurn(item, turn, index, state) {
  item.dataset.role = turn.role;
  item.dataset.index = String(index);
  const text = /** @type {HTMLElement} */ (item.querySelector('.turn-text'));
  if (text.textContent !== turn.text) text.textContent = turn.text;
  item.classList.toggle('turn-editing', state.editing === index);
  for (const button of item.querySelectorAll('button[data-action]')) {
    /** @type {HTMLButtonElement} */ (button).disabled = Boolean(state.job);
  }
  if (turn.role !== 'assistant') return;
  showFigures(/** @type {HTMLElement} */ (item.querySelector('.turn-figures')), turn.figures || null);
  const where = /** @type {HTMLElement} */ (item.querySelector('.turn-where'));
  if (turn.model) bind(where, () => `${turn.model} · ${whereWords(turn.model)}`);
}

/** #messages: add the new turns, update each one, empty it on reset. */
function renderTurns() {
  const state = store.get();
  const list = byId('messages');
  while (list.children.length > state.turns.length) list.lastElementChild?.remove();
  state.turns.forEach((turn, index) => {
    let item = /** @type {HTMLElement | undefined} */ (list.children[index]);
    if (item && item.dataset.role !== turn.role) {
      item.replaceWith(turnElement(turn));
      item = /** @type {HTMLElement} */ (list.children[index]);
    }
    if (!item) {
      item = turnElement(turn);
      list.append(item);
    }
    renderTurn(item, turn, index, state);
  });
  list.lastElementChild?.scrollIntoView({ block: 'nearest' });
}

/** @param {string} model */
function columnElement(model) {
  const output = el('p', { className: 'column-output' });
  output.dataset.output = '';
  const figures = el('p', { className: 'figures column-figures' });
  const failure = el('p', { className: 'column-error', hidden: true });
  const where = el('p', { className: 'column-where' });
  bind(where, () => whereWords(model));
  const column = el('article', { className: 'compare-column' }, el('h3', { textContent: model }), where, output, figures, failure);
  column.dataset.model = model;
  column.dataset.where = serverModel(model) === null ? 'browser' : 'server';
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
  for (const slice of ['turns', 'job', 'editing']) watch(store, (state) => state[slice], renderTurns);
  watch(store, (state) => state.columns, renderColumns);
}
