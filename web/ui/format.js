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

/** "1 image", "3 images". */
export function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "1st", "2nd", "3rd", "4th", "11th", "21st". */
export function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th');
  return `${n}${suffix}`;
}

/** A language's name from the worker's table ([{code, name}]); the code when it is not there. */
export function languageName(languages, code) {
  return languages.find((language) => language.code === code)?.name || code;
}
