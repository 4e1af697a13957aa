// One progress bar per model file, fed by the worker's `progress` messages (Transformers.js's
// progress_callback: initiate, download, progress, done, ready). Rows stay after the download
// as a record of which files each model needed (they show the dtype's files, e.g. *_quantized).

const rows = new Map();  // "model file" -> {row, bar, size}

function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes <= 0) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

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
  bar.setAttribute('aria-label', `Downloading ${file} of ${model}`);
  const size = document.createElement('span');
  size.className = 'download-size';
  row.append(label, bar, size);
  document.getElementById('download-list').append(row);
  document.getElementById('downloads').hidden = false;
  entry = { row, bar, size };
  rows.set(key, entry);
  return entry;
}

/** Apply one `progress` message to its file's bar. */
export function showProgress({ model, file, status, loaded, total, progress }) {
  if (!file) return;  // "ready" arrives per model, without a file: its bars are already done
  const { row, bar, size } = rowFor(model, file);
  row.dataset.status = status;
  if (status === 'done') {
    bar.value = 100;
  } else if (Number.isFinite(progress)) {
    bar.value = Math.max(0, Math.min(100, progress));
  }
  const text = status === 'done' ? formatBytes(total || loaded) : [formatBytes(loaded), formatBytes(total)].filter(Boolean).join(' / ');
  if (text) size.textContent = text;
}
