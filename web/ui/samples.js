// The sample photos shipped in web/samples/ (licences in web/samples/README.md), shown as
// buttons: one click captions that photo.

import { bind, say, t } from './i18n.js';

const SAMPLES = ['cat', 'coffee', 'astronaut', 'rocket'];  // web/samples/<name>.jpg

/** The absolute URL of a sample (works when the site lives under a sub-path). */
function sampleUrl(file) {
  return new URL(`samples/${file}`, document.baseURI).href;
}

/** Fill `container` with one button per sample; `onPick(url)` runs on click. */
export function renderSamples(container, onPick) {
  for (const sample of SAMPLES) {
    const file = `${sample}.jpg`;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sample';
    button.dataset.sample = file;
    bind(button, () => t('samples.title', { label: t(`samples.${sample}`) }), 'title');
    const img = document.createElement('img');
    img.src = sampleUrl(file);
    img.alt = '';
    img.loading = 'lazy';
    const label = document.createElement('span');
    say(label, `samples.${sample}`);
    button.append(img, label);
    button.addEventListener('click', () => onPick(sampleUrl(file)));
    container.append(button);
  }
}
