// The results, rendered from the store's jobs (ui/page-store.js): one card per image in #results
// (thumbnail, caption, translation, copy button, an audio slot for speech), and the featured
// result shown in #preview, #caption, #translation: the job's first image that got a caption (or
// the one the user picks with "Show above"). A job's captions translated again into another
// language update the same cards in place. Speech (ui/speech.js) owns #audio and the cards'
// audio slots.

import { bind, forgetRemoved, say, t, wordError } from './i18n.js';
import { languageName } from './format.js';
import { cardOf } from './dom.js';
import { watch } from './store.js';
import { featuredItem, store } from './page-store.js';

/** @typedef {import('./page-store.js').Item} Item */

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * The source #preview and the card's thumbnail show: the URL, or an object URL of the file
 * (freed when the results are cleared).
 * @param {{url?: string, blob?: Blob}} item
 */
export function previewSource(item) {
  return item.url || URL.createObjectURL(/** @type {Blob} */ (item.blob));
}

/** The translation's label: the name of its language, or of the next translation's. */
function labelTranslation(lang) {
  bind(byId('translation-label'), () => (lang ? languageName(store.get().languages, lang) : t('results.translation')));
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

function emptyPreview() {
  const preview = /** @type {HTMLImageElement} */ (byId('preview'));
  preview.hidden = true;
  preview.removeAttribute('src');
  preview.alt = '';
  say(byId('preview-empty'), 'results.empty-preview');
  byId('preview-empty').hidden = false;
}

/** #preview could not show its image (not an image, or unreachable): say so in its place. */
export function previewFailed() {
  byId('preview').classList.add('broken');
  const note = byId('preview-empty');
  say(note, 'results.cannot-show');
  note.hidden = false;
}

/** The featured result above (or, with none, the current job's first image and empty text). */
function renderFeatured(/** @type {Item | null} */ item) {
  const { jobs, lastJob, settings } = store.get();
  for (const card of byId('results').querySelectorAll('.featured')) card.classList.remove('featured');
  if (!item) {
    byId('caption').textContent = '';
    byId('translation').textContent = '';
    labelTranslation(settings.lang);
    const first = lastJob ? Object.values(jobs[lastJob]?.items || {})[0] : undefined;
    if (first) showPreview(first.preview, ''); else emptyPreview();
    return;
  }
  showPreview(item.preview, item.caption || '');
  byId('caption').textContent = item.caption || '';
  const translation = byId('translation');
  translation.textContent = item.translation || '';
  if (item.lang) translation.lang = item.lang;
  labelTranslation(item.lang);
  cardOf(item.jobId, item.itemId)?.classList.add('featured');
}

async function copyText(jobId, itemId, button) {
  const item = store.get().jobs[jobId]?.items[itemId];
  if (!item) return;
  try {
    await navigator.clipboard.writeText(`${item.caption}\n${item.translation}`);
    say(button, 'results.copied');
  } catch {
    // No clipboard permission (e.g. plain http): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(/** @type {Node} */ (cardOf(jobId, itemId)?.querySelector('.result-body')));
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    say(button, 'results.selected');
  }
}

function makeCard(/** @type {Item} */ item, position, count) {
  const { jobId, itemId } = item;
  const template = /** @type {HTMLTemplateElement} */ (byId('result-template'));
  const card = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
  Object.assign(card.dataset, { jobId, itemId, status: 'pending' });
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
  copy.addEventListener('click', () => copyText(jobId, itemId, copy));
  const show = /** @type {HTMLButtonElement} */ (card.querySelector('.result-show'));
  show.hidden = true;
  say(show, 'results.show');
  say(show, 'results.show-label', { name: item.name }, 'aria-label');
  show.addEventListener('click', () => {
    store.get().feature(jobId, itemId);
    byId('preview').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  });
  return card;
}

function setText(card, selector, text, lang) {
  const node = /** @type {HTMLElement} */ (card.querySelector(selector));
  node.textContent = text;
  if (lang) node.lang = lang;
}

/** A card shows its item: waiting, its caption and translation, or what went wrong. */
function renderItem(/** @type {Item} */ item, /** @type {number} */ jobSize) {
  const card = cardOf(item.jobId, item.itemId);
  if (!card || item.status === 'pending') return;
  card.dataset.status = item.status;
  if (item.status === 'done') {
    /** @type {HTMLImageElement} */ (card.querySelector('.result-thumb')).alt = item.caption || '';
    setText(card, '.result-caption', item.caption);
    setText(card, '.result-translation', item.translation, item.lang);
    setText(card, '.result-error', '');
    /** @type {HTMLElement} */ (card.querySelector('.result-copy')).hidden = false;
    /** @type {HTMLElement} */ (card.querySelector('.result-show')).hidden = jobSize < 2;
    return;
  }
  // When only the translation failed, the English caption is still shown.
  setText(card, '.result-caption', item.translation === '' ? item.caption || '' : '');
  setText(card, '.result-translation', '');
  const failure = /** @type {import('../protocol.js').Failure} */ (item.error);
  bind(/** @type {HTMLElement} */ (card.querySelector('.result-error')), () => wordError(failure));
}

/** Add the cards of new jobs (newest first) and update those whose item changed. */
function renderJobs(jobs, previous = {}) {
  const list = byId('results');
  if (Object.keys(jobs).length === 0) {
    clearCards(previous);
    return;
  }
  for (const job of Object.values(jobs)) {
    const items = Object.values(job.items);
    const before = previous[job.id];
    if (!before) list.prepend(...items.map((item, index) => makeCard(item, index + 1, items.length)));
    for (const item of items) if (item !== before?.items[item.itemId]) renderItem(item, items.length);
  }
  byId('results-section').hidden = false;
}

/** The results were cleared: no cards, and the images' memory freed. */
function clearCards(previous) {
  byId('results').replaceChildren();
  byId('results-section').hidden = true;
  for (const job of Object.values(previous)) {
    for (const { preview } of Object.values(job.items)) if (preview.startsWith('blob:')) URL.revokeObjectURL(preview);
  }
  forgetRemoved();
}

/** Render the jobs and the featured result from the store. */
export function mountResults() {
  watch(store, (state) => state.jobs, renderJobs, false);
  // The featured item, or (none featured) the last job: its first image shows above.
  watch(store, (state) => featuredItem(state) || state.lastJob, () => renderFeatured(featuredItem(store.get())), false);
  // Label the translation with the target language until a translation is shown.
  watch(store, (state) => state.settings.lang, (lang) => {
    if (!byId('translation').textContent) labelTranslation(lang);
  });
}
