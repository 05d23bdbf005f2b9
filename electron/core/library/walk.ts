/**
 * Recursive walk of one library root: yields every photo file (by extension) with its
 * size and modification time, and a per-entry error for what cannot be walked (unreadable
 * folders and files, broken links, symbolic link loops), so that one bad entry never
 * stops the scan of the rest.
 */
import { constants as fsConstants } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isHiddenOrJunkName, isPhotoPath } from './photoFiles';

export { PHOTO_EXTENSIONS, RAW_EXTENSIONS, isPhotoPath, isRawPath } from './photoFiles';

/** One photo file found by the walk, or one entry the walk could not read. */
export type WalkEntry =
  | { kind: 'file'; relPath: string; absPath: string; byteSize: number; mtimeMs: number }
  | { kind: 'error'; relPath: string; absPath: string; reason: string };

/** Options of walkLibrary. */
export interface WalkOptions {
  /** Aborting makes the generator throw the signal's reason at the next entry. */
  signal?: AbortSignal;
}

/** The root itself is missing, not a folder or unreadable: nothing can be walked. */
export class LibraryRootError extends Error {
  override readonly name = 'LibraryRootError';
  constructor(readonly root: string, readonly reason: string) {
    super(`${root}: ${reason}`);
  }
}

/** Entries of one folder are stat-ed this many at a time (the libuv pool has 4 threads). */
const STAT_BATCH = 16;

interface Folder {
  absPath: string;
  relPath: string;
  /** dev:ino of this folder and all its ancestors, to recognise a link back into them. */
  ancestors: ReadonlyMap<string, string>;
}

/**
 * Walks `root` depth-first: in each folder its photos first, then its subfolders, both
 * in code-point order of their names.
 * relPath is '/'-separated and relative to `root`. Symbolic links to files and folders
 * are followed; a link to one of its own ancestor folders is reported as an error entry.
 * Throws LibraryRootError when `root` itself cannot be walked.
 */
export async function* walkLibrary(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const { signal } = options;
  signal?.throwIfAborted();
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (error) {
    throw new LibraryRootError(root, fsReason(error, 'folder'));
  }
  if (!rootStats.isDirectory()) throw new LibraryRootError(root, 'not a folder');

  const stack: Folder[] = [{ absPath: root, relPath: '', ancestors: new Map([[inodeKey(rootStats), '']]) }];
  while (stack.length > 0) {
    const folder = stack.pop() as Folder;
    signal?.throwIfAborted();
    let dirents: Dirent[];
    try {
      dirents = await readdir(folder.absPath, { withFileTypes: true });
    } catch (error) {
      if (folder.relPath === '') throw new LibraryRootError(root, fsReason(error, 'folder'));
      yield { kind: 'error', relPath: folder.relPath, absPath: folder.absPath, reason: fsReason(error, 'folder') };
      continue;
    }
    const names = dirents
      .filter((dirent) => !isHiddenOrJunkName(dirent.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const subfolders: Folder[] = [];
    for (let start = 0; start < names.length; start += STAT_BATCH) {
      signal?.throwIfAborted();
      const batch = names.slice(start, start + STAT_BATCH);
      const entries = await Promise.all(batch.map((dirent) => inspect(folder, dirent)));
      for (const entry of entries) {
        if (entry === null) continue;
        if ('ancestors' in entry) subfolders.push(entry);
        else yield entry;
      }
    }
    // Reversed so that the stack pops the subfolders in name order.
    for (let i = subfolders.length - 1; i >= 0; i--) stack.push(subfolders[i] as Folder);
  }
}

/** What one directory entry is: a photo, a folder to descend into, an error, or nothing. */
async function inspect(folder: Folder, dirent: Dirent): Promise<WalkEntry | Folder | null> {
  const absPath = join(folder.absPath, dirent.name);
  const relPath = folder.relPath === '' ? dirent.name : `${folder.relPath}/${dirent.name}`;
  const isLink = dirent.isSymbolicLink();
  const looksLikePhoto = isPhotoPath(dirent.name);
  // Plain files that are not photos need no system call at all.
  if (dirent.isFile() && !looksLikePhoto) return null;

  let stats: Stats;
  try {
    stats = await stat(absPath);
  } catch (error) {
    const code = errorCode(error);
    if (isLink && (code === 'ENOENT' || code === 'ENOTDIR')) {
      return looksLikePhoto ? { kind: 'error', relPath, absPath, reason: 'broken symbolic link: its target does not exist' } : null;
    }
    if (isLink && code === 'ELOOP') return { kind: 'error', relPath, absPath, reason: 'symbolic link loop: the link leads back to itself' };
    if (code === 'ENOENT') return null; // removed while the folder was being read
    return { kind: 'error', relPath, absPath, reason: fsReason(error, looksLikePhoto ? 'file' : 'folder') };
  }

  if (stats.isDirectory()) {
    const key = inodeKey(stats);
    const ancestor = folder.ancestors.get(key);
    if (ancestor !== undefined) {
      const target = ancestor === '' ? 'the library root' : `"${ancestor}"`;
      return { kind: 'error', relPath, absPath, reason: `symbolic link loop: the link leads back into ${target}` };
    }
    const ancestors = new Map(folder.ancestors);
    ancestors.set(key, relPath);
    return { absPath, relPath, ancestors };
  }
  if (!looksLikePhoto) return null;
  if (!stats.isFile()) return { kind: 'error', relPath, absPath, reason: 'not a regular file (a device, pipe or socket)' };
  try {
    await access(absPath, fsConstants.R_OK);
  } catch (error) {
    return { kind: 'error', relPath, absPath, reason: fsReason(error, 'file') };
  }
  return { kind: 'file', relPath, absPath, byteSize: stats.size, mtimeMs: stats.mtimeMs };
}

function inodeKey(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** A short sentence for a file-system error, for the per-file error list. */
function fsReason(error: unknown, what: 'file' | 'folder'): string {
  switch (errorCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied: the ${what} cannot be read`;
    case 'ENOENT':
      return `the ${what} does not exist`;
    case 'ENOTDIR':
      return 'not a folder';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EIO':
      return `input/output error while reading the ${what}`;
    default:
      return `cannot read the ${what}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
