// The playground's model fields: #model (generate and chat: the `model` setting, empty for the
// mode's own default) with the models suggested for the mode, and #compare-models (the
// `compare_models` setting, comma-separated). The suggestions are the schema's
// `playground_models`, the default first; the chat's WebGPU-only model (Phi-3.5-mini) is offered
// in the browser only where it gives a WebGPU adapter, and #webgpu-note says why it is not
// elsewhere, and that the server runs it (`server`: the models written server:<id>, offered in
// every mode).

import { el } from './dom.js';
import { say } from './i18n.js';
import { watch } from './store.js';
import { store } from './page-store.js';
import { changeSettings } from './settings.js';

const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** @returns {Record<string, any>} */
function suggested() {
  return /** @type {any} */ (store.get().schema)?.playground_models || {};
}

/** The models suggested for `mode`, its default first (the WebGPU-only ones where WebGPU is). */
export function modelChoices(mode) {
  const webgpu = store.get().webgpu ? suggested()[`${mode}_webgpu`] || [] : [];
  return [...(suggested()[mode] || []), ...webgpu, ...(suggested().server || [])];
}

/**
 * The model a generate or chat job uses (the field, else the mode's default), with
 * `device: "webgpu"` for a model that only runs there.
 * @returns {{model: string, device?: string}}
 */
export function jobModel(mode) {
  const model = input('model').value.trim() || modelChoices(mode)[0] || '';
  return (suggested()[`${mode}_webgpu`] || []).includes(model) ? { model, device: 'webgpu' } : { model };
}

/** The models a compare job runs, in order, from #compare-models. */
export function compareModels() {
  return input('compare-models').value.split(',').map((model) => model.trim()).filter(Boolean);
}

async function hasWebGPU() {
  const gpu = /** @type {any} */ (navigator).gpu;
  if (!gpu) return false;
  try {
    return Boolean(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

function renderChoices(mode) {
  const choices = modelChoices(mode);
  input('model-options').replaceChildren(...choices.map((model) => el('option', { value: model })));
  input('model').placeholder = choices[0] || '';
  const note = input('webgpu-note');
  const missing = store.get().webgpu ? [] : suggested()[`${mode}_webgpu`] || [];
  note.hidden = missing.length === 0;
  const onServer = missing.map((model) => suggested().webgpu_on_server?.[model]).filter(Boolean);
  if (missing.length) say(note, 'playground.webgpu-missing', { models: missing.join(', '), server: onServer.join(', ') });
}

/** Fill the fields from the settings, apply a change as a setting, follow the mode. */
export function mountModelFields() {
  const model = input('model');
  const compare = input('compare-models');
  watch(store, (state) => state.settings.model, (value) => { model.value = value || ''; });
  watch(store, (state) => state.settings.compare_models, (value) => { compare.value = value || ''; });
  model.addEventListener('change', () => changeSettings({ model: model.value.trim() }));
  compare.addEventListener('change', () => changeSettings({ compare_models: compare.value.trim() }));
  watch(store, (state) => state.schema, () => renderChoices(store.get().mode), false);
  watch(store, (state) => state.webgpu, () => renderChoices(store.get().mode), false);
  watch(store, (state) => state.mode, renderChoices);
  hasWebGPU().then((webgpu) => store.update({ webgpu }));
}
