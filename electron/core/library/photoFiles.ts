/**
 * Which files of a library folder are photos: by extension (case-insensitive), never
 * hidden (dot-prefixed) and never the junk that operating systems and NAS boxes leave
 * in photo folders. Shared by the walk and the watcher so both see the same files.
 */

/** Camera RAW extensions; these photos are read through their embedded JPEG preview. */
export const RAW_EXTENSIONS = [
  'cr2', 'cr3', 'nef', 'arw', 'dng', 'raf', 'orf', 'rw2', 'pef', 'srw',
] as const;

/** Every extension the library picks up, lower-case, without the dot. */
export const PHOTO_EXTENSIONS = [
  'jpg', 'jpeg', 'png', 'tif', 'tiff', 'webp', 'avif', ...RAW_EXTENSIONS,
] as const;

const photoExtensions: ReadonlySet<string> = new Set(PHOTO_EXTENSIONS);
const rawExtensions: ReadonlySet<string> = new Set(RAW_EXTENSIONS);

/**
 * Folder and file names that are never photos even when they look like them: Windows
 * thumbnail caches and recycle bins, Synology/QNAP index folders, macOS archive
 * leftovers. Compared lower-case. Dot-prefixed names are excluded separately.
 */
const junkNames: ReadonlySet<string> = new Set([
  'thumbs.db', 'ehthumbs.db', 'ehthumbs_vista.db', 'desktop.ini',
  '$recycle.bin', 'system volume information', 'recycler',
  '@eadir', '#recycle', '#snapshot', '@recycle', '.@__thumb',
  '__macosx', 'lost+found',
]);

/** Lower-case extension of the last path segment, without the dot ('' when none). */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** True when the path's extension is one of PHOTO_EXTENSIONS (case-insensitive). */
export function isPhotoPath(path: string): boolean {
  return photoExtensions.has(extensionOf(path));
}

/** True when the path's extension is a camera RAW format. */
export function isRawPath(path: string): boolean {
  return rawExtensions.has(extensionOf(path));
}

/** True for a hidden (dot-prefixed) name or a known operating-system junk name. */
export function isHiddenOrJunkName(name: string): boolean {
  return name.startsWith('.') || junkNames.has(name.toLowerCase());
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}
