/**
 * Recursive walk of one library root: yields every photo file (by extension) with its
 * size and modification time, and a per-entry error for what cannot be walked (unreadable
 * folders and files, broken links, symbolic link loops, links that leave the root), so
 * that one bad entry never stops the scan of the rest.
 *
 * Symbolic links, decided once for every walk (library scans, dataset imports, detection
 * of folders), because a folder may come from the internet:
 * - A link whose target lies outside the root is not followed, file or folder: a
 *   downloaded dataset must not pull in the user's home folder. It is reported, so the
 *   user can open its target as a library folder of its own.
 * - Each real folder is walked once. Folders are entered by their own path first and
 *   through links only afterwards, so a folder reached both ways keeps its real path; a
 *   second way into a folder already walked is skipped. Two links per level, twenty
 *   levels deep, are twenty folders, not a million paths.
 * - A link back into one of its own ancestors is reported as a loop.
 */
import { constants as fsConstants } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
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

/** What the walk of one root shares between folders. */
interface WalkState {
  /** The root's real path, to tell links that stay inside from links that leave. */
  realRoot: string;
  /** dev:ino of every folder entered or queued, so that each real folder is walked once. */
  seen: Set<string>;
}

/** A folder found in a listing, and whether it was reached through a symbolic link. */
interface FoundFolder extends Folder {
  key: string;
  viaLink: boolean;
}

/**
 * Walks `root` depth-first: in each folder its photos first, then its subfolders, both
 * in code-point order of their names; folders reached only through links come after the
 * rest. relPath is '/'-separated and relative to `root`. See the top of this file for
 * symbolic links. Throws LibraryRootError when `root` itself cannot be walked.
 */
export async function* walkLibrary(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const { signal } = options;
  signal?.throwIfAborted();
  let rootStats: Stats;
  let realRoot: string;
  try {
    rootStats = await stat(root);
    realRoot = await realpath(root);
  } catch (error) {
    throw new LibraryRootError(root, fsReason(error, 'folder'));
  }
  if (!rootStats.isDirectory()) throw new LibraryRootError(root, 'not a folder');

  const rootKey = inodeKey(rootStats);
  const state: WalkState = { realRoot, seen: new Set([rootKey]) };
  const stack: Folder[] = [{ absPath: root, relPath: '', ancestors: new Map([[rootKey, '']]) }];
  /** Folders reached through a link, entered once everything reachable by real paths was. */
  const linked: FoundFolder[] = [];
  for (;;) {
    const folder = stack.pop() ?? takeLinkedFolder(linked, state);
    if (folder === undefined) break;
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
      const entries = await Promise.all(batch.map((dirent) => inspect(folder, dirent, state)));
      for (const entry of entries) {
        if (entry === null) continue;
        if (!('ancestors' in entry)) yield entry;
        else if (entry.viaLink) linked.push(entry);
        else if (!state.seen.has(entry.key)) {
          state.seen.add(entry.key);
          subfolders.push(entry);
        }
      }
    }
    // Reversed so that the stack pops the subfolders in name order.
    for (let i = subfolders.length - 1; i >= 0; i--) stack.push(subfolders[i] as Folder);
  }
}

/** The next linked folder not walked yet, in the order they were found; undefined when none is left. */
function takeLinkedFolder(linked: FoundFolder[], state: WalkState): Folder | undefined {
  for (let next = linked.shift(); next !== undefined; next = linked.shift()) {
    if (state.seen.has(next.key)) continue;
    state.seen.add(next.key);
    return next;
  }
  return undefined;
}

function isInside(realRoot: string, realPath: string): boolean {
  return realPath === realRoot || realPath.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/** What one directory entry is: a photo, a folder to descend into, an error, or nothing. */
async function inspect(folder: Folder, dirent: Dirent, state: WalkState): Promise<WalkEntry | FoundFolder | null> {
  const absPath = join(folder.absPath, dirent.name);
  const relPath = folder.relPath === '' ? dirent.name : `${folder.relPath}/${dirent.name}`;
  const isLink = dirent.isSymbolicLink();
  const looksLikePhoto = isPhotoPath(dirent.name);
  // Plain files that are not photos need no system call at all.
  if (dirent.isFile() && !looksLikePhoto) return null;

  let stats: Stats;
  let leavesRoot = false;
  try {
    stats = await stat(absPath);
    if (isLink) leavesRoot = !isInside(state.realRoot, await realpath(absPath));
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
    if (leavesRoot) return { kind: 'error', relPath, absPath, reason: LEAVES_ROOT };
    const ancestors = new Map(folder.ancestors);
    ancestors.set(key, relPath);
    return { absPath, relPath, ancestors, key, viaLink: isLink };
  }
  if (!looksLikePhoto) return null;
  if (leavesRoot) return { kind: 'error', relPath, absPath, reason: LEAVES_ROOT };
  if (!stats.isFile()) return { kind: 'error', relPath, absPath, reason: 'not a regular file (a device, pipe or socket)' };
  try {
    await access(absPath, fsConstants.R_OK);
  } catch (error) {
    return { kind: 'error', relPath, absPath, reason: fsReason(error, 'file') };
  }
  return { kind: 'file', relPath, absPath, byteSize: stats.size, mtimeMs: stats.mtimeMs };
}

const LEAVES_ROOT = 'symbolic link to a place outside the folder: not followed (open its target as a folder of its own to include it)';

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
