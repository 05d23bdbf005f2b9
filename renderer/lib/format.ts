/** Human-readable numbers for the UI. */

const countFormat = new Intl.NumberFormat('en');

export function formatCount(value: number): string {
  return countFormat.format(value);
}

/** `1 photo`, `24 photos`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `0:07`, `3:25`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

export function formatAperture(fNumber: number): string {
  return `f/${Number.isInteger(fNumber) ? fNumber.toFixed(0) : fNumber.toFixed(1)}`;
}

export function formatMegapixels(width: number, height: number): string {
  return `${((width * height) / 1e6).toFixed(1)} MP`;
}

/** Last segment of a path, whatever its separators. */
export function baseName(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter((part) => part.length > 0);
  return parts[parts.length - 1] ?? filePath;
}
