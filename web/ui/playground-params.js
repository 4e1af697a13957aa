// The playground's generation parameters (#params): max_new_tokens, do_sample, temperature,
// top_k, top_p, repetition_penalty, each with the sentence that explains it. The fields come
// from the settings schema (ui/settings-form.js builds them, name="<key>"), so the bounds, the
// defaults and the words are the schema's as this page has them (its own max_new_tokens: up to
// 2048 here); the values in force are the store's settings.
// A change is applied when Generate is pressed (web/playground.js), and the worker's answer says
// whether it is in range.

import { asText } from './schema.js';
import { buildFields, collectFields, fillFields } from './settings-form.js';
import { watch } from './store.js';
import { store } from './page-store.js';

export const PARAMETER_GROUP = 'generation';

const form = () => /** @type {HTMLFormElement} */ (document.getElementById('params'));

/**
 * The parameters' fields (name="<key>"), once built.
 * @returns {Record<string, HTMLInputElement | HTMLSelectElement>}
 */
function inputs() {
  const fields = [...form().querySelectorAll('input[name], select[name]')];
  return Object.fromEntries(fields.map((field) => [/** @type {HTMLInputElement} */ (field).name, /** @type {HTMLInputElement} */ (field)]));
}

/** Build the fields once the schema is known, and show the values in force after each answer. */
export function mountParameters() {
  watch(store, (state) => state.schema, (schema) => {
    if (!schema || Object.keys(inputs()).length) return;
    fillFields(buildFields(form(), schema, 'playground', (spec) => spec.group === PARAMETER_GROUP), store.get().settings);
  });
  watch(store, (state) => state.answer, () => fillFields(inputs(), store.get().settings), false);
  form().addEventListener('submit', (event) => event.preventDefault());
}

/** The parameters whose field differs from the value in force. */
export function parameterChanges() {
  const { settings } = store.get();
  return Object.fromEntries(
    Object.entries(collectFields(inputs())).filter(([key, value]) => value !== asText(settings[key])),
  );
}
