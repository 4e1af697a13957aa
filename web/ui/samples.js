// The sample photos shipped in web/samples/ (licences in web/samples/README.md), shown as
// buttons: one click captions that photo.

const SAMPLES = [
  { file: 'cat.jpg', label: 'A cat' },
  { file: 'coffee.jpg', label: 'A cup of coffee' },
  { file: 'astronaut.jpg', label: 'An astronaut' },
  { file: 'rocket.jpg', label: 'A rocket launch' },
];

/** The absolute URL of a sample (works when the site lives under a sub-path). */
function sampleUrl(file) {
  return new URL(`samples/${file}`, document.baseURI).href;
}

/** Fill `container` with one button per sample; `onPick(url)` runs on click. */
export function renderSamples(container, onPick) {
  for (const sample of SAMPLES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sample';
    button.dataset.sample = sample.file;
    button.title = `Caption the sample photo: ${sample.label.toLowerCase()}`;
    const img = document.createElement('img');
    img.src = sampleUrl(sample.file);
    img.alt = '';
    img.loading = 'lazy';
    const label = document.createElement('span');
    label.textContent = sample.label;
    button.append(img, label);
    button.addEventListener('click', () => onPick(sampleUrl(sample.file)));
    container.append(button);
  }
}
