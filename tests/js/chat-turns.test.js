// The playground chat's conversation as data (web/ui/chat-turns.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONVERSATION_KEY, loadTurns, messagesFor, regeneration, saveTurns, turnsBeforeSend,
} from '../../web/ui/chat-turns.js';

/** @returns {import('../../web/ui/chat-turns.js').StorageLike & {data: Map<string, string>}} */
function memoryStorage() {
  const data = new Map();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => { data.set(key, String(value)); },
    removeItem: (key) => { data.delete(key); },
  };
}

const figures = { tokens: 5, ttftMs: 12.5, tokensPerS: 40 };
const turns = [
  { role: 'user', text: 'Oi' },
  { role: 'assistant', text: 'Olá!', model: 'server:m', figures },
  { role: 'user', text: 'Tudo bem?' },
  { role: 'assistant', text: 'Tudo.', model: 'm', figures },
];

test('the messages a model is sent: the system prompt (when any), then each turn', () => {
  assert.deepEqual(messagesFor('Responda em Português.', turns.slice(0, 2)), [
    { role: 'system', content: 'Responda em Português.' },
    { role: 'user', content: 'Oi' },
    { role: 'assistant', content: 'Olá!' },
  ]);
  assert.deepEqual(messagesFor('  ', turns.slice(0, 1)), [{ role: 'user', content: 'Oi' }]);
});

test('an edited user turn is replaced with the turns after it; Regenerate asks the last one again', () => {
  assert.deepEqual(turnsBeforeSend(turns, null), turns);
  assert.deepEqual(turnsBeforeSend(turns, 0), []);
  assert.deepEqual(turnsBeforeSend(turns, 2), turns.slice(0, 2));
  assert.deepEqual(turnsBeforeSend(turns, 9), turns, 'an index that is gone edits nothing');
  assert.deepEqual(regeneration(turns), { before: turns.slice(0, 2), message: 'Tudo bem?' });
  assert.deepEqual(regeneration(turns.slice(0, 3)), { before: turns.slice(0, 2), message: 'Tudo bem?' });
  assert.equal(regeneration([]), null);
});

test('the conversation is kept for a reload, and forgotten when empty', () => {
  const storage = memoryStorage();
  saveTurns(storage, turns);
  assert.deepEqual(loadTurns(storage), turns);
  saveTurns(storage, []);
  assert.equal(storage.data.has(CONVERSATION_KEY), false);
  assert.deepEqual(loadTurns(storage), []);
  assert.deepEqual(loadTurns(null), []);
});

test('a stored conversation that is damaged or of another shape is read as far as it can be', () => {
  const storage = memoryStorage();
  storage.setItem(CONVERSATION_KEY, '{not json');
  assert.deepEqual(loadTurns(storage), []);
  storage.setItem(CONVERSATION_KEY, JSON.stringify([{ role: 'user', text: 'x' }]));
  assert.deepEqual(loadTurns(storage), []);
  storage.setItem(CONVERSATION_KEY, JSON.stringify({
    turns: [{ role: 'system', text: 'x' }, { role: 'user', text: 3 }, { role: 'user', text: 'ok', figures: { tokens: 'x' } },
      { role: 'assistant', text: 'a', figures: { tokens: 2, ttftMs: 'slow' } }],
  }));
  assert.deepEqual(loadTurns(storage), [
    { role: 'user', text: 'ok' },
    { role: 'assistant', text: 'a', figures: { tokens: 2, ttftMs: null, tokensPerS: null } },
  ]);
  const refusing = { ...memoryStorage(), setItem: () => { throw new Error('QuotaExceededError'); } };
  const warn = console.warn;
  console.warn = () => {};
  try {
    saveTurns(refusing, turns);  // a full or refused storage never stops the chat
  } finally {
    console.warn = warn;
  }
});
