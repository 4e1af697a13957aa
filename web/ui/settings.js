// The settings panel (#settings-panel): a form for the models, the caption generation
// parameters the course teaches and the speech server. It only collects values: the worker's
// Python (legenda/settings.py) validates them and answers with the resolved settings and the
// problems it found, which the panel shows. Accepted changes are saved in this browser
// (localStorage `legenda.settings`; ui/config.js reads them back at start, under the query
// string), can be reset to config.json's defaults, and can be shared as a link.
//
// `isolate` is the one setting of the page itself: cross-origin isolation through
// coi-serviceworker, off by default (see `applyIsolation`).

import { applySettings, engine } from './engine.js';
import { SAVED_SETTINGS_KEY, loadDefaults, savedSettings } from './config.js';
import { el } from './dom.js';

/** Form fields, in the order shown. `hint` says what a setting does, as the course teaches it. */
const FIELDS = [
  { group: 'Models' },
  { key: 'caption_model', label: 'Captioning model', type: 'text', hint: 'A model id on the Hugging Face hub, or a folder under the models path.' },
  { key: 'translation_model', label: 'Translation model', type: 'text', hint: 'An NLLB-style translation model id.' },
  { key: 'dtype', label: 'Weights (dtype)', type: 'select', options: ['q8', 'fp32', 'fp16', 'q4'], hint: 'q8 is 4× smaller than fp32 and fast on wasm.' },
  { key: 'device', label: 'Device', type: 'select', options: ['wasm', 'webgpu'], hint: 'wasm runs everywhere; webgpu only where the browser offers it.' },
  { key: 'models', label: 'Models path', type: 'text', hint: 'Where self-hosted models live on this site, e.g. models/ or /models/.' },
  { key: 'remote_models', label: 'Allow models from the Hugging Face hub', type: 'flag' },
  { group: 'Caption generation' },
  { key: 'max_new_tokens', label: 'max_new_tokens', type: 'number', hint: 'The longest caption, in tokens.' },
  { key: 'do_sample', label: 'do_sample', type: 'flag', hint: 'Pick tokens at random by their probability instead of always the most likely one.' },
  { key: 'temperature', label: 'temperature', type: 'number', hint: 'With sampling: below 1 is safer, above 1 is more varied.' },
  { key: 'top_k', label: 'top_k', type: 'number', hint: 'With sampling: choose among the k most likely tokens only.' },
  { key: 'repetition_penalty', label: 'repetition_penalty', type: 'number', hint: 'Above 1 makes tokens already written less likely.' },
  { key: 'no_repeat_ngram_size', label: 'no_repeat_ngram_size', type: 'number', hint: 'Never repeat a phrase of this many tokens (0: off).' },
  { key: 'num_beams', label: 'num_beams', type: 'number', hint: 'Beam search width: 1 is greedy decoding.' },
  { key: 'translation_max_new_tokens', label: 'translation max_new_tokens', type: 'number', hint: 'The longest translation, in tokens.' },
  { key: 'batch_size', label: 'batch_size', type: 'number', hint: 'Images captioned per model call when several are given.' },
  { group: 'Speech' },
  { key: 'tts', label: 'Speech server', type: 'text', hint: 'Its address, e.g. http://127.0.0.1:5000. Empty turns speech off.' },
  { group: 'This page' },
  { key: 'isolate', label: 'Cross-origin isolation (isolate)', type: 'flag', page: true, hint: 'Lets ONNX Runtime use several threads through a service worker; the page reloads once. Off by default.' },
];
const WORKER_KEYS = FIELDS.filter((f) => f.key && !f.page).map((f) => f.key);
const PAGE_KEYS = ['isolate'];
// Settings changed elsewhere on the page (language and voice pickers) that are saved too.
const OTHER_SAVED_KEYS = ['lang', 'voice'];
const ALL_KEYS = [...WORKER_KEYS, ...OTHER_SAVED_KEYS, ...PAGE_KEYS];

const byId = (id) => document.getElementById(id);

/** A resolved value as the form and the query string write it (booleans as 1/0). */
function asText(value) {
  if (value === true) return '1';
  if (value === false) return '0';
  return value === undefined || value === null ? '' : String(value);
}

function writeSaved(values) {
  try {
    localStorage.setItem(SAVED_SETTINGS_KEY, JSON.stringify(values));
    return true;
  } catch (err) {
    console.warn('Settings could not be saved', err);
    return false; // private mode or storage full: the settings still apply to this visit
  }
}

/** Save `changes` over what is saved already. */
function saveSettings(changes) {
  return writeSaved({ ...savedSettings(), ...changes });
}

function forgetSaved(keys) {
  const saved = savedSettings();
  if (!keys.some((k) => k in saved)) return;
  for (const key of keys) delete saved[key];
  writeSaved(saved);
}

/** Drop settings from the address bar, so they no longer override what is saved. */
function removeFromAddress(keys) {
  const url = new URL(window.location.href);
  let changed = false;
  for (const key of keys) {
    if (url.searchParams.has(key)) { url.searchParams.delete(key); changed = true; }
  }
  if (changed) window.history.replaceState(window.history.state, '', url);
}

/** Is cross-origin isolation asked for? The query string wins over the saved setting. */
function isolationWanted(search = window.location.search) {
  const params = new URLSearchParams(search);
  const raw = params.has('isolate') ? params.get('isolate') : savedSettings().isolate;
  return ['1', 'true', 'yes', 'on'].includes(String(raw ?? '').trim().toLowerCase());
}

/**
 * Make the page cross-origin isolated (or stop) as `isolate` says. Static hosts such as GitHub
 * Pages cannot send COOP/COEP headers; coi-serviceworker adds them from a service worker,
 * which needs one reload to take over. It must live next to index.html: a service worker
 * only controls pages under its own folder.
 */
async function applyIsolation(wanted = isolationWanted()) {
  if (!('serviceWorker' in navigator)) return 'unsupported';
  if (wanted) {
    if (window.crossOriginIsolated) return 'isolated';
    // coi's default policy in Chromium is COEP require-corp: same-origin files and CORS requests
    // (the worker's image fetches, the sidecar's API and audio) pass; no-cors media from other
    // sites without a CORP header do not. (Its "credentialless" mode is not used: the worker
    // forgets it whenever the browser stops it, so pages would get either policy.)
    window.coi = { quiet: true };
    const script = el('script', { src: new URL('coi-serviceworker.min.js', document.baseURI).href });
    document.head.append(script);
    return 'starting';
  }
  const registrations = await navigator.serviceWorker.getRegistrations();
  const ours = registrations.filter((r) => /coi-serviceworker(\.min)?\.js$/.test(r.active?.scriptURL || ''));
  if (ours.length === 0) return 'off';
  await Promise.all(ours.map((r) => r.unregister()));
  // The page is still controlled by the worker it just unregistered: reload without it.
  if (navigator.serviceWorker.controller) window.location.reload();
  return 'stopping';
}

/** The link that opens this page with `settings` in its query string. */
function shareLink(settings, isolate) {
  const url = new URL(window.location.href);
  url.hash = '';
  for (const key of ALL_KEYS) url.searchParams.delete(key);
  for (const key of [...WORKER_KEYS, ...OTHER_SAVED_KEYS]) {
    if (key in settings) url.searchParams.set(key, asText(settings[key]));
  }
  if (isolate) url.searchParams.set('isolate', '1');
  return url.href;
}

let pending = {}; // changes sent to the worker, saved once it accepts them

/**
 * Change settings from anywhere on the page (the settings form, the language and voice
 * pickers): applied now, saved once the worker accepts them, and dropped from the address bar
 * so a reload keeps them.
 */
export function changeSettings(changes) {
  pending = { ...pending, ...changes };
  removeFromAddress(Object.keys(changes));
  applySettings(changes);
}

/** Build the panel in #settings-panel and follow the worker's answers. */
export function mountSettings() {
  const panel = byId('settings-panel');
  const form = el('form', { id: 'settings-form', className: 'settings-form', noValidate: true });
  const inputs = {};
  let fieldset = null;
  for (const field of FIELDS) {
    if (field.group) {
      fieldset = el('fieldset', { className: 'settings-group' }, el('legend', { textContent: field.group }));
      form.append(fieldset);
      continue;
    }
    const id = `setting-${field.key}`;
    let input;
    if (field.type === 'select') {
      input = el('select', { id, name: field.key, className: 'select' });
      for (const option of field.options) {
        const usable = option !== 'webgpu' || 'gpu' in navigator;
        input.append(el('option', { value: option, textContent: usable ? option : `${option} (not in this browser)`, disabled: !usable }));
      }
    } else if (field.type === 'flag') {
      input = el('input', { id, name: field.key, type: 'checkbox' });
    } else {
      // Plain text even for numbers: a number input would turn "abc" into "" silently, and
      // Python's answer ("must be a whole number from 1 to 256") is the one to show.
      input = el('input', { id, name: field.key, type: 'text', className: 'text-input', spellcheck: false });
      if (field.type === 'number') input.inputMode = 'decimal';
    }
    inputs[field.key] = input;
    const label = el('label', { htmlFor: id, className: 'field-label', textContent: field.label });
    const row = el('div', { className: `settings-row settings-${field.type}` });
    if (field.type === 'flag') row.append(input, label); else row.append(label, input);
    if (field.hint) {
      const hint = el('p', { className: 'settings-hint', id: `${id}-hint`, textContent: field.hint });
      input.setAttribute('aria-describedby', hint.id);
      row.append(hint);
    }
    fieldset.append(row);
  }
  const applyButton = el('button', { id: 'settings-apply', type: 'submit', className: 'button primary small', textContent: 'Apply' });
  const resetButton = el('button', { id: 'settings-reset', type: 'button', className: 'button secondary small', textContent: 'Reset to defaults' });
  const copyButton = el('button', { id: 'settings-copy-link', type: 'button', className: 'button secondary small', textContent: 'Copy link' });
  const link = el('input', { id: 'settings-link', className: 'text-input settings-link', readOnly: true, hidden: true });
  link.setAttribute('aria-label', 'Link to this page with these settings');
  const message = el('p', { id: 'settings-message', className: 'settings-message', role: 'status' });
  form.append(el('div', { className: 'settings-actions' }, applyButton, resetButton, copyButton), link, message);
  panel.append(form);

  let resolved = null;

  function fill(settings) {
    for (const key of WORKER_KEYS) {
      const input = inputs[key];
      if (input.type === 'checkbox') input.checked = settings[key] === true || asText(settings[key]) === '1';
      else input.value = asText(settings[key]);
    }
    inputs.isolate.checked = isolationWanted();
  }

  function collect() {
    const values = {};
    for (const key of WORKER_KEYS) {
      const input = inputs[key];
      values[key] = input.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value.trim();
    }
    return values;
  }

  function say(text, kind = 'info') {
    message.textContent = text;
    message.dataset.kind = kind;
  }

  // The worker's answer: save what it accepted, show what it refused.
  engine.addEventListener('settings', ({ detail }) => {
    resolved = detail.settings;
    const problems = detail.problems || [];
    const refused = problems.map((p) => p.setting);
    // A saved value Python refuses would only fail again next visit (unless the refused value
    // came from the address, which wins over the saved one).
    const inAddress = new URLSearchParams(window.location.search);
    forgetSaved(refused.filter((key) => !inAddress.has(key)));
    const accepted = Object.fromEntries(Object.entries(pending).filter(([k]) => !refused.includes(k)));
    const hadPending = Object.keys(pending).length > 0;
    pending = {};
    if (Object.keys(accepted).length) saveSettings(accepted);
    fill(resolved);
    const notices = (detail.notices || []).join(' ');
    if (problems.length) {
      say(problems.map((p) => p.message).join(' '), 'error');
      panel.open = true;
    } else if (hadPending) {
      say(`Settings applied and saved in this browser. Models reload the next time they are used. ${notices}`.trim());
    } else if (notices) {
      say(notices);
    }
    panel.dataset.ready = '1';
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!resolved) { say('The page is still starting; try again in a moment.'); return; }
    const values = collect();
    const changes = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== asText(resolved[k])));
    const isolate = inputs.isolate.checked;
    if (isolate !== isolationWanted()) {
      switchIsolation(isolate, changes);
      return;
    }
    if (Object.keys(changes).length === 0) {
      say('Nothing changed.');
      return;
    }
    say('Applying…');
    changeSettings(changes);
  });

  // Isolation takes a reload, so the other changes are saved at once rather than after the
  // worker's answer: Python checks them at the next start and forgets any it refuses.
  async function switchIsolation(isolate, changes) {
    if (isolate && !('serviceWorker' in navigator)) {
      say('Cross-origin isolation needs service workers, which this browser does not offer here (the page must be on https or localhost).', 'error');
      return;
    }
    saveSettings({ ...changes, isolate: isolate ? '1' : '0' });
    removeFromAddress([...Object.keys(changes), 'isolate']);
    say(isolate ? 'Turning cross-origin isolation on: the page reloads once.' : 'Turning cross-origin isolation off: the page reloads.');
    const outcome = await applyIsolation(isolate);
    // "starting": coi-serviceworker reloads the page itself once it has taken over.
    if (outcome !== 'starting') window.location.reload();
  }

  resetButton.addEventListener('click', async () => {
    const wasIsolated = isolationWanted();
    try {
      localStorage.removeItem(SAVED_SETTINGS_KEY);
    } catch (err) {
      console.warn('Saved settings could not be removed', err);
    }
    removeFromAddress(ALL_KEYS);
    let defaults;
    try {
      defaults = await loadDefaults();
    } catch {
      say('The default settings (config.json) could not be read. Reload the page to start from them.', 'error');
      return;
    }
    pending = {};
    applySettings(defaults);
    say('Back to the default settings; nothing is saved in this browser any more.');
    if (wasIsolated) applyIsolation(false);
  });

  copyButton.addEventListener('click', async () => {
    if (!resolved) return;
    link.value = shareLink(resolved, isolationWanted());
    link.hidden = false;
    try {
      await navigator.clipboard.writeText(link.value);
      say('Link copied: opening it applies these settings.');
    } catch {
      // No clipboard permission: the link is shown selected, ready for Ctrl+C.
      link.focus();
      link.select();
      say('Copy the link above (Ctrl+C): opening it applies these settings.');
    }
  });

  applyIsolation();
}
