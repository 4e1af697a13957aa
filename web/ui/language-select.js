// #lang: the target language, filled from the worker's language table. A change is applied with
// `configure` (through onChange); the next Generate translates into it.

const select = () => document.getElementById('lang');

/** Fill the options from `languages` ([{code, name}]) and select `current`. */
export function renderLanguages(languages, current) {
  const element = select();
  const options = languages.map(({ code, name }) => new Option(name, code, false, code === current));
  element.replaceChildren(...options);
  element.value = current;
  element.disabled = languages.length === 0;
}

export function initLanguageSelect(onChange) {
  select().addEventListener('change', () => onChange(select().value));
}
