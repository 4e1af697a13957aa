// The results of each job: one card per image in #results (thumbnail, caption, translation, copy
// button, an audio slot for speech), and the "featured" result shown in #preview, #caption,
// #translation and #audio: the job's first image that got a caption (or the one the user picks
// with "Show above"). A job's captions translated again into another language update the same
// cards in place.
//
// It writes each new result and the featured one into the store (`result`, `featured`), which
// the speech panel follows (and ui/hooks.js repeats as document events).

import { bind, forgetRemoved, say, t, wordError } from './i18n.js';
import { languageName } from './format.js';
import { watch } from './store.js';
import { store } from './page-store.js';

/**
 * @typedef {{jobId: string, itemId: string, name?: string, url?: string, blob?: Blob,
 *   preview: string, card: HTMLElement, caption?: string, translation?: string, lang?: string,
 *   error?: object}} Item
 * @typedef {{items: Map<string, Item>, featured: string|null}} Job
 */

/** @type {Map<string, Job>} */
const jobs = new Map();
const objectUrls = [];

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The translation's label: the name of its language, or of the next translation's. */
function labelTranslation(lang) {
  bind(byId('translation-label'), () => (lang ? languageName(store.get().languages, lang) : t('results.translation')));
}

function previewSource(item) {
  if (item.url) return item.url;
  const url = URL.createObjectURL(item.blob);
  objectUrls.push(url);
  return url;
}

/** Nothing featured: #caption and #translation empty (#audio follows: ui/speech.js owns it). */
function clearFeatured() {
  byId('caption').textContent = '';
  byId('translation').textContent = '';
  labelTranslation(store.get().settings.lang);
  store.update({ featured: null });
}

function showPreview(src, alt) {
  const preview = /** @type {HTMLImageElement} */ (byId('preview'));
  preview.classList.remove('broken');
  preview.alt = alt;
  preview.src = src;
  preview.hidden = false;
  byId('preview-empty').hidden = true;
  say(byId('preview-empty'), 'results.empty-preview');
}

/** #preview could not show its image (not an image, or unreachable): say so in its place. */
export function previewFailed() {
  byId('preview').classList.add('broken');
  const note = byId('preview-empty');
  say(note, 'results.cannot-show');
  note.hidden = false;
}

function detailOf(item, extra = {}) {
  return {
    jobId: item.jobId, itemId: item.itemId, caption: item.caption, translation: item.translation,
    lang: item.lang, element: item.card, ...extra,
  };
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
    card.classList.toggle('featured', /** @type {HTMLElement} */ (card).dataset.itemId === item.itemId && /** @type {HTMLElement} */ (card).dataset.jobId === item.jobId);
  }
  store.update({ featured: detailOf(item) });
}

async function copyText(item, button) {
  const text = `${item.caption}\n${item.translation}`;
  try {
    await navigator.clipboard.writeText(text);
    say(button, 'results.copied');
  } catch {
    // No clipboard permission (e.g. plain http): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(item.card.querySelector('.result-body'));
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    say(button, 'results.selected');
  }
}

function makeCard(jobId, item, position, count) {
  const template = /** @type {HTMLTemplateElement} */ (byId('result-template'));
  const card = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
  card.dataset.jobId = jobId;
  card.dataset.itemId = item.itemId;
  card.dataset.status = 'pending';
  const thumb = /** @type {HTMLImageElement} */ (card.querySelector('.result-thumb'));
  thumb.src = item.preview;
  // A picture that cannot be shown leaves an empty tile; the card's text says why.
  thumb.addEventListener('error', () => {
    const tile = document.createElement('div');
    tile.className = 'result-thumb';
    thumb.replaceWith(tile);
  }, { once: true });
  say(card.querySelector('.result-caption'), 'results.waiting', { position, count });
  const copy = /** @type {HTMLButtonElement} */ (card.querySelector('.result-copy'));
  copy.hidden = true;
  say(copy, 'results.copy');
  say(copy, 'results.copy-label', { name: item.name }, 'aria-label');
  copy.addEventListener('click', () => copyText(item, copy));
  const show = /** @type {HTMLButtonElement} */ (card.querySelector('.result-show'));
  show.hidden = true;
  say(show, 'results.show');
  say(show, 'results.show-label', { name: item.name }, 'aria-label');
  show.addEventListener('click', () => {
    const job = jobs.get(jobId);
    if (job) feature(job, item);
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

function setText(card, selector, text, lang) {
  const node = /** @type {HTMLElement} */ (card.querySelector(selector));
  node.textContent = text;
  if (lang) node.lang = lang;
}

/**
 * A `result` message: fill its card (again, when its caption was translated again), and
 * feature it if it is the job's first or already featured.
 */
export function showResult({ jobId, itemId, caption, translation, lang }) {
  const job = jobs.get(jobId);
  const item = job?.items.get(itemId);
  if (!job || !item) return;
  Object.assign(item, { caption, translation, lang, error: undefined });
  const card = item.card;
  card.dataset.status = 'done';
  /** @type {HTMLImageElement} */ (card.querySelector('.result-thumb')).alt = caption;
  setText(card, '.result-caption', caption);
  setText(card, '.result-translation', translation, lang);
  setText(card, '.result-error', '');
  /** @type {HTMLElement} */ (card.querySelector('.result-copy')).hidden = false;
  /** @type {HTMLElement} */ (card.querySelector('.result-show')).hidden = job.items.size < 2;
  const featured = job.featured === null || job.featured === itemId;
  if (featured) feature(job, item);
  store.update({ result: detailOf(item, { featured }) });
}

/**
 * An `item-error` message (`{code, key, params, message}`): the card says what went wrong, in
 * the page's language. When only the translation failed, the English caption is still shown.
 */
export function showItemError({ jobId, itemId, caption, ...failure }) {
  const job = jobs.get(jobId);
  const item = job?.items.get(itemId);
  if (!job || !item) return;
  item.error = failure;
  if (caption) item.caption = caption;
  item.card.dataset.status = 'error';
  setText(item.card, '.result-caption', caption || '');
  setText(item.card, '.result-translation', '');
  bind(/** @type {HTMLElement} */ (item.card.querySelector('.result-error')), () => wordError(failure));
  // Labelled with the language asked for (not the card's last translation's): its text is empty.
  const lang = failure.params?.lang || store.get().settings.lang;
  if (caption && (job.featured === null || job.featured === itemId)) feature(job, { ...item, caption, translation: '', lang });
}

/** How the job went: `{total, succeeded, errors: [failure...]}`. */
export function jobSummary(jobId) {
  const items = [...(jobs.get(jobId)?.items.values() || [])];
  return {
    total: items.length,
    succeeded: items.filter((item) => item.translation !== undefined && !item.error).length,
    errors: items.filter((item) => item.error).map((item) => item.error),
  };
}

/** The job's captions so far ([{itemId, caption}]), to translate them again. */
export function jobCaptions(jobId) {
  const items = [...(jobs.get(jobId)?.items.values() || [])];
  return items.filter((item) => item.caption).map(({ itemId, caption }) => ({ itemId, caption }));
}

/** Mark the job's items that got neither a result nor an error (the worker stopped). */
export function abandonJob(jobId, failure) {
  for (const item of jobs.get(jobId)?.items.values() || []) {
    if (item.caption === undefined && !item.error) showItemError({ jobId, itemId: item.itemId, ...failure });
  }
}

/** Forget every result and free the images' memory. */
export function clearResults() {
  byId('results').replaceChildren();
  byId('results-section').hidden = true;
  jobs.clear();
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  clearFeatured();
  const preview = /** @type {HTMLImageElement} */ (byId('preview'));
  preview.hidden = true;
  preview.removeAttribute('src');
  preview.alt = '';
  say(byId('preview-empty'), 'results.empty-preview');
  byId('preview-empty').hidden = false;
  forgetRemoved();
  store.update((state) => ({ result: null, cleared: state.cleared + 1 }));
}

/** Label the translation with the target language until a translation is shown. */
export function mountResults() {
  watch(store, (state) => state.settings.lang, (lang) => {
    if (!byId('translation').textContent) labelTranslation(lang);
  });
}
