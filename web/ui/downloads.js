// One progress bar per model file, fed by the worker's `progress` messages (Transformers.js's
// progress_callback: initiate, download, progress, done, ready). The list opens while files
// download and folds into a one-line summary once they are all in; the rows stay as a record of
// which files each model needed (they show the dtype's files, e.g. *_quantized.onnx).

import { formatBytes } from './format.js';
import { bind, say, t } from './i18n.js';

const rows = new Map();  // "model file" -> {row, bar, size, bytes, complete}
let openedByUs = false;

function rowFor(model, file) {
  const key = `${model} ${file}`;
  let entry = rows.get(key);
  if (entry) return entry;
  const row = document.createElement('li');
  row.className = 'download';
  row.dataset.model = model;
  row.dataset.file = file;
  const label = document.createElement('span');
  label.className = 'download-name';
  // The file first: on a narrow screen the model's name is what gets cut.
  const modelName = document.createElement('span');
  modelName.className = 'download-model';
  modelName.textContent = ` · ${model}`;
  label.append(file, modelName);
  label.title = `${model} / ${file}`;
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = 0;
  say(bar, 'downloads.bar-label', { file, model }, 'aria-label');
  const size = document.createElement('span');
  size.className = 'download-size';
  row.append(label, bar, size);
  document.getElementById('download-list')?.append(row);
  entry = { row, bar, size, bytes: 0, complete: false };
  rows.set(key, entry);
  return entry;
}

function summarize() {
  const panel = /** @type {HTMLDetailsElement} */ (document.getElementById('downloads'));
  const all = [...rows.values()];
  const waiting = all.filter((entry) => !entry.complete).length;
  const bytes = formatBytes(all.reduce((sum, entry) => sum + entry.bytes, 0));
  const models = new Set(all.map((entry) => entry.row.dataset.model)).size;
  const summary = /** @type {HTMLElement} */ (document.getElementById('downloads-summary'));
  const files = all.length;
  bind(summary, () => (waiting > 0
    ? t('downloads.downloading', { ready: files - waiting, files })
    : t('downloads.summary', { files, models, bytes })));
  panel.hidden = all.length === 0;
  if (waiting > 0 && !panel.open) {
    panel.open = true;
    openedByUs = true;
  } else if (waiting === 0 && openedByUs) {
    panel.open = false;  // only fold what we unfolded: a list the user opened stays open
    openedByUs = false;
  }
}

/** Apply one `progress` message to its file's bar. */
export function showProgress({ model, file, status, loaded, total, progress }) {
  if (!file) return;  // "ready" arrives per model, without a file: its bars are already done
  const entry = rowFor(model, file);
  entry.row.dataset.status = status;
  if (Number.isFinite(progress)) entry.bar.value = Math.max(0, Math.min(100, progress));
  if (status === 'done') entry.bar.value = 100;
  entry.complete = status === 'done' || status === 'ready';
  entry.bytes = Math.max(entry.bytes, total || 0, loaded || 0);
  entry.size.textContent = entry.complete || entry.bar.value >= 100
    ? formatBytes(entry.bytes)
    : [formatBytes(loaded), formatBytes(total)].filter(Boolean).join(' / ');
  summarize();
}
