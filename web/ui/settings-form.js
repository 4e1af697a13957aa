// The settings panel (#settings-panel): a form built from web/settings-schema.json (the
// settings of this page that have no control of their own elsewhere), worded in the page's
// language. It only collects values and shows the answer: ui/settings.js changes, saves, resets
// and links them; the store (ui/page-store.js) says what is in force. Its field builders
// (buildFields, fillFields, collectFields) also make the playground's parameter form.

import { el } from './dom.js';
import { bind, say, t, uiLang, wordError } from './i18n.js';
import { asText, specsFor, suggestionsOf } from './schema.js';
import { watch } from './store.js';
import { store } from './page-store.js';
import { changeSettings, currentLink, removeFromAddress, resetSettings, saveSettings } from './settings.js';
import { applyIsolation } from './isolation.js';

/** One input for a setting: a select for choices, a checkbox for flags, else plain text. */
function inputFor(spec) {
  const id = `setting-${spec.key}`;
  if (spec.type === 'choice') {
    const input = el('select', { id, name: spec.key, className: 'select' });
    for (const option of spec.choices || []) {
      const usable = option !== 'webgpu' || 'gpu' in navigator;
      const node = el('option', { value: option, disabled: !usable });
      bind(node, () => (usable ? option : t('settings.not-here', { option })));
      input.append(node);
    }
    return input;
  }
  if (spec.type === 'flag') return el('input', { id, name: spec.key, type: 'checkbox' });
  // Plain text even for numbers: a number input would turn "abc" into "" silently, and the
  // answer ("must be a whole number from 1 to 256") is the one to show.
  const input = el('input', { id, name: spec.key, type: spec.type === 'password' ? 'password' : 'text', className: 'text-input', spellcheck: false });
  if (spec.type === 'password') input.autocomplete = 'off';
  if (spec.type === 'int' || spec.type === 'float') input.inputMode = 'decimal';
  return input;
}

/**
 * The documented choices of a free-text setting, as buttons under its field that fill it in
 * (each with its note, e.g. "fast, pt, es, fr, it only", in the page's language): visible,
 * where a datalist would hide them behind the value already typed. null when it has none.
 */
function suggestionsFor(spec, input) {
  const suggestions = suggestionsOf(spec);
  if (suggestions.length === 0) return null;
  const box = el('div', { className: 'settings-suggestions', id: `${input.id}-suggestions` });
  for (const suggestion of suggestions) {
    const choice = el('button', { type: 'button', className: 'button secondary small', title: suggestion.value });
    choice.dataset.value = suggestion.value;
    bind(choice, () => suggestion.label[uiLang()] || suggestion.label.en);
    choice.addEventListener('click', () => { input.value = suggestion.value; input.focus(); });
    box.append(choice);
  }
  return box;
}

function rowFor(spec, input) {
  const label = el('label', { htmlFor: input.id, className: 'field-label' });
  bind(label, () => spec.label[uiLang()] || spec.label.en);
  const kind = spec.type === 'flag' ? 'flag' : spec.type === 'choice' ? 'select' : 'text';
  const row = el('div', { className: `settings-row settings-${kind}` });
  if (spec.type === 'flag') row.append(input, label); else row.append(label, input);
  if (spec.help) {
    const hint = el('p', { className: 'settings-hint', id: `${input.id}-hint` });
    bind(hint, () => spec.help[uiLang()] || spec.help.en);
    input.setAttribute('aria-describedby', hint.id);
    row.append(hint);
  }
  const suggestions = suggestionsFor(spec, input);
  if (suggestions) row.append(suggestions);
  return row;
}

/**
 * The fields of `page`'s settings that have no control of their own (and that `keep` keeps),
 * appended to `form` grouped as the schema groups them; returns key -> input.
 * @param {HTMLElement} form
 * @param {import('./schema.js').Schema} schema
 * @param {string} page
 * @param {(spec: import('./schema.js').SettingSpec) => boolean} [keep]
 * @returns {Record<string, HTMLInputElement | HTMLSelectElement>}
 */
export function buildFields(form, schema, page, keep = () => true) {
  const specs = specsFor(schema, page).filter((spec) => !spec.control && keep(spec));
  /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
  const inputs = {};
  for (const group of schema.groups) {
    const mine = specs.filter((spec) => spec.group === group.id);
    if (mine.length === 0) continue;
    const legend = el('legend');
    bind(legend, () => group.label[uiLang()] || group.label.en);
    const fieldset = el('fieldset', { className: 'settings-group' }, legend);
    for (const spec of mine) {
      inputs[spec.key] = inputFor(spec);
      fieldset.append(rowFor(spec, inputs[spec.key]));
    }
    form.append(fieldset);
  }
  return inputs;
}

function button(id, key, className) {
  const node = el('button', { id, type: id === 'settings-apply' ? 'submit' : 'button', className });
  say(node, key);
  return node;
}

/** The panel's elements, made by mountSettingsForm. */
let ui = null;

function tell(words, kind = 'info') {
  bind(ui.message, words);
  ui.message.dataset.kind = kind;
}

/**
 * Show `settings` in the fields `inputs`.
 * @param {Record<string, HTMLInputElement | HTMLSelectElement>} inputs
 * @param {Record<string, any>} settings
 */
export function fillFields(inputs, settings) {
  for (const [key, input] of Object.entries(inputs)) {
    if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = asText(settings[key]) === '1';
    else input.value = asText(settings[key]);
  }
}

/**
 * What the fields say now, as text (flags as 1/0).
 * @param {Record<string, HTMLInputElement | HTMLSelectElement>} inputs
 * @returns {Record<string, string>}
 */
export function collectFields(inputs) {
  return Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key,
    input instanceof HTMLInputElement && input.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value.trim()]));
}

const fill = (settings) => fillFields(ui.inputs, settings);
const collect = () => collectFields(ui.inputs);

function build(schema) {
  ui.inputs = buildFields(ui.form, schema, ui.page, ui.keep);
  const actions = el('div', { className: 'settings-actions' }, ui.apply, ui.reset, ui.copy);
  ui.form.append(actions, ui.link, ui.message);
  ui.panel.append(ui.form);
  fill(store.get().settings);
}

/** The worker's answer settles every change: the form shows what is in force and why. */
function showAnswer() {
  const { settings, problems, notices, answer } = store.get();
  fill(settings);
  const noticeWords = () => notices.map((notice) => t(`notice.${notice.key}`)).join(' ');
  if (problems.length) {
    tell(() => problems.map(wordError).join(' '), 'error');
    ui.panel.open = true;
  } else if (answer?.applied) {
    tell(() => `${t('settings.applied')} ${noticeWords()}`.trim());
  } else if (notices.length) {
    tell(noticeWords);
  }
  ui.panel.dataset.ready = '1';
}

function submit(event) {
  event.preventDefault();
  const { settings, answer } = store.get();
  if (!answer) { tell(() => t('settings.starting')); return; }
  const changes = Object.fromEntries(Object.entries(collect()).filter(([k, v]) => v !== asText(settings[k])));
  if ('isolate' in changes) { switchIsolation(changes); return; }
  if (Object.keys(changes).length === 0) { tell(() => t('settings.nothing-changed')); return; }
  tell(() => t('settings.applying'));
  changeSettings(changes);
}

/**
 * Isolation takes a reload, so the other changes are saved at once rather than after the
 * worker's answer: they are checked at the next start, and any refused one is forgotten.
 */
async function switchIsolation(changes) {
  const isolate = changes.isolate === '1';
  if (isolate && !('serviceWorker' in navigator)) {
    tell(() => t('settings.no-service-worker'), 'error');
    return;
  }
  saveSettings(changes);
  removeFromAddress(Object.keys(changes));
  tell(() => t(isolate ? 'settings.isolation-on' : 'settings.isolation-off'));
  const outcome = await applyIsolation(isolate);
  // "starting": coi-serviceworker reloads the page itself once it has taken over.
  if (outcome !== 'starting') window.location.reload();
}

function reset() {
  const wasIsolated = store.get().settings.isolate === true;
  resetSettings();
  tell(() => t('settings.reset-done'));
  if (wasIsolated) applyIsolation(false);
}

async function copyLink() {
  ui.link.value = currentLink();
  ui.link.hidden = false;
  try {
    await navigator.clipboard.writeText(ui.link.value);
    tell(() => t('settings.link-copied'));
  } catch {
    // No clipboard permission: the link is shown selected, ready for Ctrl+C.
    ui.link.focus();
    ui.link.select();
    tell(() => t('settings.link-select'));
  }
}

/**
 * Build the panel in #settings-panel once the schema is known, and follow the store: the
 * settings of `page` ("index", "playground") that `keep` keeps.
 * @param {string} [page]
 * @param {(spec: import('./schema.js').SettingSpec) => boolean} [keep]
 */
export function mountSettingsForm(page = 'index', keep = () => true) {
  ui = {
    page,
    keep,
    panel: /** @type {HTMLDetailsElement} */ (document.getElementById('settings-panel')),
    form: el('form', { id: 'settings-form', className: 'settings-form', noValidate: true }),
    message: el('p', { id: 'settings-message', className: 'settings-message', role: 'status' }),
    link: el('input', { id: 'settings-link', className: 'text-input settings-link', readOnly: true, hidden: true }),
    apply: button('settings-apply', 'settings.apply', 'button primary small'),
    reset: button('settings-reset', 'settings.reset', 'button secondary small'),
    copy: button('settings-copy-link', 'settings.copy-link', 'button secondary small'),
    /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
    inputs: {},
  };
  say(ui.link, 'settings.link-label', {}, 'aria-label');
  watch(store, (state) => state.schema, (schema) => { if (schema && !ui.form.isConnected) build(schema); });
  watch(store, (state) => state.answer, (answer) => { if (answer) showAnswer(); }, false);
  ui.form.addEventListener('submit', submit);
  ui.reset.addEventListener('click', reset);
  ui.copy.addEventListener('click', copyLink);
}
