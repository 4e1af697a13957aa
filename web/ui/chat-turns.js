// The playground chat's conversation as data: the turns shown in #messages, what a model is
// sent for them (OpenAI's messages), what Regenerate and Edit keep, and the copy kept in this
// browser until Reset (a reload finds it again). Pure but for the storage it is handed, so
// Node's test runner checks it (tests/js/chat-turns.test.js).

export const CONVERSATION_KEY = 'legenda.chat';
const MAX_TURNS = 400;  // a stored conversation longer than this is cut from its start

/**
 * @typedef {import('./openai-chat.js').Figures} Figures
 * @typedef {{role: 'user' | 'assistant', text: string, model?: string,
 *   figures?: Figures | null}} Turn
 * @typedef {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} StorageLike
 */

/**
 * OpenAI's messages for `turns` after the system prompt (none when it is blank).
 * @param {string} system
 * @param {Turn[]} turns
 * @returns {import('./openai-chat.js').ChatMessage[]}
 */
export function messagesFor(system, turns) {
  const head = system && system.trim() ? [{ role: /** @type {'system'} */ ('system'), content: system }] : [];
  return [...head, ...turns.map((turn) => ({ role: turn.role, content: turn.text }))];
}

/**
 * The turns before a new user message is sent: all of them, or, while a user turn is being
 * edited (`editing`: its index), the turns before it (the edited one and those after it go).
 * @param {Turn[]} turns
 * @param {number | null} editing
 */
export function turnsBeforeSend(turns, editing) {
  return editing === null || editing < 0 || editing >= turns.length ? turns : turns.slice(0, editing);
}

/**
 * What Regenerate asks again: the last user turn's text and the turns before it, or null when
 * there is no user turn yet.
 * @param {Turn[]} turns
 * @returns {{before: Turn[], message: string} | null}
 */
export function regeneration(turns) {
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    if (turns[index].role === 'user') return { before: turns.slice(0, index), message: turns[index].text };
  }
  return null;
}

/** A stored turn, checked (a stored value is anything a past version or a person wrote). */
function readTurn(value) {
  if (!value || typeof value !== 'object') return null;
  if ((value.role !== 'user' && value.role !== 'assistant') || typeof value.text !== 'string') return null;
  /** @type {Turn} */
  const turn = { role: value.role, text: value.text };
  if (typeof value.model === 'string') turn.model = value.model;
  const figures = value.figures;
  if (figures && typeof figures === 'object' && Number.isFinite(figures.tokens)) {
    const number = (x) => (Number.isFinite(x) ? x : null);
    turn.figures = { tokens: figures.tokens, ttftMs: number(figures.ttftMs), tokensPerS: number(figures.tokensPerS) };
  }
  return turn;
}

/**
 * The conversation kept in `storage`, or none (missing, unreadable or from another shape).
 * @param {StorageLike | null} storage
 * @returns {Turn[]}
 */
export function loadTurns(storage) {
  try {
    const saved = JSON.parse(storage?.getItem(CONVERSATION_KEY) || 'null');
    if (!Array.isArray(saved?.turns)) return [];
    return saved.turns.map(readTurn).filter(Boolean);
  } catch {
    return [];  // a corrupt entry or a storage this browser refuses: start a new conversation
  }
}

/**
 * Keep `turns` in `storage` (none: forget it).
 * @param {StorageLike | null} storage
 * @param {Turn[]} turns
 */
export function saveTurns(storage, turns) {
  try {
    if (turns.length === 0) storage?.removeItem(CONVERSATION_KEY);
    else storage?.setItem(CONVERSATION_KEY, JSON.stringify({ turns: turns.slice(-MAX_TURNS) }));
  } catch (err) {
    console.warn('Legenda: the conversation could not be kept for a reload', err);
  }
}
