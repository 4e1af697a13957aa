// Small formatting helpers shared by the page's modules.

/** "977 KB", "1.2 MB"; empty for a size that is unknown (0 or not a number). */
export function formatBytes(bytes) {
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

/** A language's name from the worker's table ([{code, name}]); the code when it is not there. */
export function languageName(languages, code) {
  return languages.find((language) => language.code === code)?.name || code;
}
