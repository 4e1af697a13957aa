// The results of each job: one card per image in #results (thumbnail, caption, translation, copy
// button, an audio slot for speech), and the "featured" result shown in #preview, #caption,
// #translation and #audio: the job's first image that got a caption (or the one the user picks
// with "Show above").
//
// Each caption fires `legenda:result` on document (see app.js for the hook's contract).

const jobs = new Map();  // jobId -> {items: Map(itemId -> item), featured: itemId|null}
const objectUrls = [];
let languageNames = {};
let targetLanguage = '';

const byId = (id) => document.getElementById(id);
const EMPTY_PREVIEW = 'Your image appears here.';

/**
 * Language code -> name, from the worker's language table, and the current target language:
 * they label the translation (with the language of the text shown, or of the next one).
 */
export function setLanguageNames(languages, targetLang) {
  languageNames = Object.fromEntries(languages.map(({ code, name }) => [code, name]));
  targetLanguage = targetLang;
  if (!byId('translation').textContent) labelTranslation(targetLang);
}

function labelTranslation(lang) {
  byId('translation-label').textContent = languageNames[lang] || 'Translation';
}

function previewSource(item) {
  if (item.url) return item.url;
  const url = URL.createObjectURL(item.blob);
  objectUrls.push(url);
  return url;
}

function clearFeatured() {
  byId('caption').textContent = '';
  byId('translation').textContent = '';
  labelTranslation(targetLanguage);
  const audio = byId('audio');
  audio.pause();
  audio.removeAttribute('src');
  audio.hidden = true;
}

function showPreview(src, alt) {
  const preview = byId('preview');
  preview.classList.remove('broken');
  preview.alt = alt;
  preview.src = src;
  preview.hidden = false;
  byId('preview-empty').hidden = true;
  byId('preview-empty').textContent = EMPTY_PREVIEW;
}

/** #preview could not show its image (not an image, or unreachable): say so in its place. */
export function previewFailed() {
  byId('preview').classList.add('broken');
  const note = byId('preview-empty');
  note.textContent = 'This image cannot be shown.';
  note.hidden = false;
}

function feature(job, item) {
  job.featured = item.itemId;
  showPreview(item.preview, item.caption || '');
  byId('caption').textContent = item.caption || '';
  const translation = byId('translation');
  translation.textContent = item.translation || '';
  if (item.lang) translation.lang = item.lang;
  labelTranslation(item.lang);
  for (const card of byId('results').children) {
    card.classList.toggle('featured', card.dataset.itemId === item.itemId && card.dataset.jobId === item.jobId);
  }
  document.dispatchEvent(new CustomEvent('legenda:featured', {
    detail: {
      jobId: item.jobId, itemId: item.itemId, caption: item.caption, translation: item.translation,
      lang: item.lang, element: item.card,
    },
  }));
}

async function copyText(item, button) {
  const text = `${item.caption}\n${item.translation}`;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    // No clipboard permission (e.g. plain http): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(item.card.querySelector('.result-body'));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
}

function makeCard(jobId, item, position, count) {
  const card = byId('result-template').content.firstElementChild.cloneNode(true);
  card.dataset.jobId = jobId;
  card.dataset.itemId = item.itemId;
  card.dataset.status = 'pending';
  const thumb = card.querySelector('.result-thumb');
  thumb.src = item.preview;
  // A picture that cannot be shown leaves an empty tile; the card's text says why.
  thumb.addEventListener('error', () => {
    const tile = document.createElement('div');
    tile.className = 'result-thumb';
    thumb.replaceWith(tile);
  }, { once: true });
  card.querySelector('.result-caption').textContent = count > 1 ? `Waiting (image ${position} of ${count})…` : 'Waiting…';
  const copy = card.querySelector('.result-copy');
  copy.hidden = true;
  copy.setAttribute('aria-label', `Copy the caption and translation of ${item.name}`);
  copy.addEventListener('click', () => copyText(item, copy));
  const show = card.querySelector('.result-show');
  show.hidden = true;
  show.setAttribute('aria-label', `Show ${item.name} above`);
  show.addEventListener('click', () => {
    feature(jobs.get(jobId), item);
    byId('preview').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  });
  return card;
}

/**
 * Show a new job: one pending card per item and the first image in #preview. `items` are
 * `{itemId, name, url}` or `{itemId, name, blob}`.
 */
export function startJob(jobId, items) {
  const list = byId('results');
  const job = { items: new Map(), featured: null };
  jobs.set(jobId, job);
  clearFeatured();
  for (const card of list.querySelectorAll('.featured')) card.classList.remove('featured');
  const cards = items.map((source, index) => {
    const item = { ...source, jobId, preview: previewSource(source) };
    item.card = makeCard(jobId, item, index + 1, items.length);
    job.items.set(item.itemId, item);
    return item.card;
  });
  list.prepend(...cards);
  byId('results-section').hidden = false;
  const first = job.items.values().next().value;
  showPreview(first.preview, '');
}

/** A `result` message: fill its card, feature it if it is the job's first. */
export function showResult({ jobId, itemId, caption, translation, lang }) {
  const job = jobs.get(jobId);
  const item = job?.items.get(itemId);
  if (!item) return;
  Object.assign(item, { caption, translation, lang });
  const card = item.card;
  card.dataset.status = 'done';
  card.querySelector('.result-thumb').alt = caption;
  card.querySelector('.result-caption').textContent = caption;
  const translated = card.querySelector('.result-translation');
  translated.textContent = translation;
  translated.lang = lang;
  card.querySelector('.result-copy').hidden = false;
  card.querySelector('.result-show').hidden = job.items.size < 2;
  const featured = job.featured === null;
  if (featured) feature(job, item);
  document.dispatchEvent(new CustomEvent('legenda:result', {
    detail: { jobId, itemId, caption, translation, lang, featured, element: card },
  }));
}

/**
 * An `item-error` message: the card says what went wrong. When only the translation failed,
 * the message carries the English caption, which is still shown.
 */
export function showItemError({ jobId, itemId, message, caption }) {
  const job = jobs.get(jobId);
  const item = job?.items.get(itemId);
  if (!item) return;
  item.error = message;
  item.card.dataset.status = 'error';
  item.card.querySelector('.result-caption').textContent = caption || '';
  item.card.querySelector('.result-error').textContent = message;
  if (caption && job.featured === null) feature(job, { ...item, caption, translation: '' });
}

/** How the job went: `{total, succeeded, errors: [message...]}`. */
export function jobSummary(jobId) {
  const items = [...(jobs.get(jobId)?.items.values() || [])];
  return {
    total: items.length,
    succeeded: items.filter((item) => item.caption !== undefined).length,
    errors: items.filter((item) => item.error).map((item) => item.error),
  };
}

/** Mark the job's items that got neither a result nor an error (the worker stopped). */
export function abandonJob(jobId, message) {
  for (const item of jobs.get(jobId)?.items.values() || []) {
    if (item.caption === undefined && !item.error) showItemError({ jobId, itemId: item.itemId, message });
  }
}

/** Forget every result and free the images' memory. */
export function clearResults() {
  byId('results').replaceChildren();
  byId('results-section').hidden = true;
  jobs.clear();
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  clearFeatured();
  const preview = byId('preview');
  preview.hidden = true;
  preview.removeAttribute('src');
  preview.alt = '';
  byId('preview-empty').textContent = EMPTY_PREVIEW;
  byId('preview-empty').hidden = false;
}
