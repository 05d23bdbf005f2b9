/**
 * File stems of an export: `images/STEM.jpg` and `gt/STEM.png`. A stem is the photo's
 * own file stem made safe for every filesystem the dataset may be copied to; photos that
 * would share a stem (same name in two folders, or names that differ only in case, which
 * collide on macOS and Windows) get their content hash's first hex digits appended. A
 * photo's stem depends only on its own name and hash and on which other photos of the
 * export collide with it, so re-exporting gives the same names.
 */

/** Names Windows reserves whatever the extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Longest stem in UTF-8 bytes: room for a hash suffix and '.jpg' within 255 bytes. */
const MAX_STEM_BYTES = 200;

/**
 * The file stem of `name` made filesystem-safe: Unicode NFC; path separators, characters
 * Windows refuses, control characters and whitespace replaced by '_'; no leading dot or
 * trailing dot/space; Windows device names suffixed; at most MAX_STEM_BYTES bytes.
 */
export function safeStem(name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = (dot > 0 ? name.slice(0, dot) : name).normalize('NFC');
  // Trailing dots and spaces first: Windows drops them silently, so two names would meet.
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  let safe = stem.replace(/[.\s]+$/, '').replace(/[\u0000-\u001f\u007f<>:"/\\|?*\s]/g, '_').replace(/^\.+/, '');
  if (safe === '') safe = 'photo';
  if (WINDOWS_RESERVED.test(safe)) safe = `${safe}_`;
  while (Buffer.byteLength(safe, 'utf8') > MAX_STEM_BYTES) safe = [...safe].slice(0, -1).join('');
  return safe;
}

/** A photo to name: its id, file name and content hash. */
export interface StemSource {
  photoId: number;
  name: string;
  hash: string;
}

/**
 * Unique stems for a set of photos (photo id → stem), compared case-insensitively.
 * Colliding photos get `-` and 8 hex digits of their hash (more digits, then the photo
 * id, if even that collides); a suffixed stem that meets another photo's plain stem is
 * lengthened the same way.
 */
export function assignStems(sources: readonly StemSource[]): Map<number, string> {
  const sorted = [...sources].sort((a, b) => a.photoId - b.photoId);
  const groups = new Map<string, StemSource[]>();
  for (const source of sorted) {
    const key = safeStem(source.name).toLowerCase();
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(source);
  }
  const result = new Map<number, string>();
  const taken = new Set<string>();
  // Unique stems first: they keep their plain name whatever else is exported.
  for (const [key, group] of groups) {
    if (group.length === 1) {
      result.set(group[0]!.photoId, safeStem(group[0]!.name));
      taken.add(key);
    }
  }
  for (const group of groups.values()) {
    if (group.length === 1) continue;
    for (const source of group) {
      const base = safeStem(source.name);
      let stem = '';
      for (const digits of [8, 16, 64]) {
        stem = `${base}-${source.hash.slice(0, digits).toLowerCase()}`;
        if (!taken.has(stem.toLowerCase())) break;
      }
      if (taken.has(stem.toLowerCase())) stem = `${stem}-${source.photoId}`;
      result.set(source.photoId, stem);
      taken.add(stem.toLowerCase());
    }
  }
  return result;
}
