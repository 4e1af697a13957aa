// One progress bar per model file, fed by the worker's `progress` messages (Transformers.js's
// progress_callback: initiate, download, progress, done, ready). The list opens while files
// download and folds into a one-line summary once they are all in; the rows stay as a record of
// which files each model needed (they show the dtype's files, e.g. *_quantized.onnx). A view of
// `progress` messages only: each row keeps its own figures in its data-* attributes.

import { formatBytes } from './format.js';
import { bind, say, t } from './i18n.js';

/** @typedef {{row: HTMLElement, bar: HTMLProgressElement, size: HTMLElement}} Row */

/** @returns {Row[]} */
function allRows() {
  return [...document.querySelectorAll('#download-list .download')].map((row) => ({
    row: /** @type {HTMLElement} */ (row),
    bar: /** @type {HTMLProgressElement} */ (row.querySelector('progress')),
    size: /** @type {HTMLElement} */ (row.querySelector('.download-size')),
  }));
}

/** @returns {Row} */
function rowFor(model, file) {
  const found = allRows().find(({ row }) => row.dataset.model === model && row.dataset.file === file);
  if (found) return found;
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
  row.dataset.bytes = '0';
  document.getElementById('download-list')?.append(row);
  return { row, bar, size };
}

function summarize() {
  const panel = /** @type {HTMLDetailsElement} */ (document.getElementById('downloads'));
  const all = allRows();
  const waiting = all.filter(({ row }) => !complete(row)).length;
  const bytes = formatBytes(all.reduce((sum, { row }) => sum + Number(row.dataset.bytes), 0));
  const models = new Set(all.map((entry) => entry.row.dataset.model)).size;
  const summary = /** @type {HTMLElement} */ (document.getElementById('downloads-summary'));
  const files = all.length;
  bind(summary, () => (waiting > 0
    ? t('downloads.downloading', { ready: files - waiting, files })
    : t('downloads.summary', { files, models, bytes })));
  panel.hidden = all.length === 0;
  if (waiting > 0 && !panel.open) {
    panel.open = true;
    panel.dataset.openedByPage = '1';
  } else if (waiting === 0 && panel.dataset.openedByPage) {
    panel.open = false;  // only fold what we unfolded: a list the user opened stays open
    delete panel.dataset.openedByPage;
  }
}

const complete = (row) => ['done', 'ready'].includes(row.dataset.status || '');

/** Apply one `progress` message to its file's bar. */
export function showProgress({ model, file, status, loaded, total, progress }) {
  if (!file) return;  // "ready" arrives per model, without a file: its bars are already done
  const { row, bar, size } = rowFor(model, file);
  row.dataset.status = status;
  if (Number.isFinite(progress)) bar.value = Math.max(0, Math.min(100, progress));
  if (status === 'done') bar.value = 100;
  const bytes = Math.max(Number(row.dataset.bytes), total || 0, loaded || 0);
  row.dataset.bytes = String(bytes);
  size.textContent = complete(row) || bar.value >= 100
    ? formatBytes(bytes)
    : [formatBytes(loaded), formatBytes(total)].filter(Boolean).join(' / ');
  summarize();
}
