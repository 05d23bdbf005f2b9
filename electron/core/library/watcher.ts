/**
 * Live changes under an open library root (chokidar): photos added, changed and removed
 * while the studio is open. Files are reported only once their size has stopped
 * changing, so a photo still being copied in is not probed half-written, and bursts of
 * events for one path (editors' save-by-rename, copy then touch) come out as one change.
 */
import { watch } from 'chokidar';
import { realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { isHiddenOrJunkName, isPhotoPath } from './photoFiles';

/** What happened to a photo file under a watched root. */
export type LibraryChangeKind = 'add' | 'change' | 'unlink';

/** One settled change to one photo file. */
export interface LibraryChange {
  kind: LibraryChangeKind;
  /** Relative to the watched root, '/'-separated (as WalkEntry.relPath). */
  relPath: string;
}

/** Options of watchLibrary. */
export interface WatchOptions {
  /** Quiet time per path before its change is reported (default 250 ms). */
  debounceMs?: number;
  /** A new or changed file must keep its size this long to count as written (default 1000 ms). */
  stabilityMs?: number;
  /** Poll the file system instead of native events (network shares); default false. */
  usePolling?: boolean;
  /** Watcher errors and errors thrown by `onChange`; default: ignored. */
  onError?: (error: Error) => void;
}

/** A running watch of one root. */
export interface LibraryWatcher {
  /** Resolves once the existing tree is being watched; changes before that may be missed. */
  readonly ready: Promise<void>;
  /** Stops watching; changes still waiting for their debounce are dropped. */
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 250;
const DEFAULT_STABILITY_MS = 1000;

/**
 * Watches `root` recursively for photo files (PHOTO_EXTENSIONS, not hidden, not OS junk)
 * and calls `onChange` once per path after its events settle. Existing files are not
 * reported: the scan that opened the root already saw them.
 */
export function watchLibrary(
  root: string,
  onChange: (change: LibraryChange) => void,
  options: WatchOptions = {},
): LibraryWatcher {
  const absRoot = resolve(root);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const stabilityMs = options.stabilityMs ?? DEFAULT_STABILITY_MS;
  const reportError = (error: unknown): void => {
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };

  const relPathOf = (path: string): string => relative(absRoot, path).split(sep).join('/');
  const realRoot = realPathOrNull(absRoot) ?? absRoot;
  const isIgnored = (path: string, stats?: Stats): boolean => {
    const relPath = relPathOf(path);
    if (relPath === '') return false;
    // Only below the root: a library may itself live inside a hidden folder.
    if (relPath.split('/').some(isHiddenOrJunkName)) return true;
    // Without stats the path may still be a folder; chokidar asks again with them.
    if (stats === undefined) return false;
    if (stats.isFile() && !isPhotoPath(path)) return true;
    return isLinkTheWatcherSkips(realRoot, relPath, path);
  };

  const watcher = watch(absRoot, {
    ignoreInitial: true,
    followSymlinks: true,
    ignorePermissionErrors: true,
    usePolling: options.usePolling ?? false,
    ignored: isIgnored,
    awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.min(100, Math.max(10, Math.round(stabilityMs / 4))) },
  });

  const pending = new Map<string, { kind: LibraryChangeKind; timer: NodeJS.Timeout }>();
  let closed = false;

  const record = (kind: LibraryChangeKind, path: string): void => {
    if (closed || !isPhotoPath(path)) return;
    const relPath = relPathOf(path);
    if (relPath === '' || relPath.startsWith('../')) return;
    const previous = pending.get(relPath);
    if (previous !== undefined) clearTimeout(previous.timer);
    const merged = previous === undefined ? kind : coalesce(previous.kind, kind);
    if (merged === null) {
      pending.delete(relPath);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(relPath);
      try {
        onChange({ kind: merged, relPath });
      } catch (error) {
        reportError(error);
      }
    }, debounceMs);
    pending.set(relPath, { kind: merged, timer });
  };

  watcher.on('add', (path: string) => record('add', path));
  watcher.on('change', (path: string) => record('change', path));
  watcher.on('unlink', (path: string) => record('unlink', path));
  watcher.on('error', reportError);

  const ready = new Promise<void>((resolveReady) => {
    watcher.once('ready', () => resolveReady());
  });

  return {
    ready,
    async close(): Promise<void> {
      closed = true;
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
      await watcher.close();
    },
  };
}

function realPathOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/**
 * True for what the walk (walk.ts) would not take from this path: anything reached
 * through a link to a place outside the root, and any folder reached through a link at
 * all. chokidar follows links into every path that leads somewhere, so a diamond of
 * links (two per level, twenty levels) would be a million watchers, and a link back into
 * an ancestor a loop until the system's link limit. A folder inside the root is watched
 * by its own path; one reached only through a link is read again by the next rescan.
 */
function isLinkTheWatcherSkips(realRoot: string, relPath: string, path: string): boolean {
  const real = realPathOrNull(path);
  if (real === null) return false;
  const direct = resolve(realRoot, ...relPath.split('/'));
  if (real === direct) return false;
  const inside = real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  if (!inside) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    return true;
  }
}

/**
 * The net effect of two changes to one path within the debounce window: a file that
 * appeared and vanished again is no change; one that vanished and reappeared (saved by
 * rename) changed.
 */
export function coalesce(first: LibraryChangeKind, second: LibraryChangeKind): LibraryChangeKind | null {
  if (second === 'unlink') return first === 'add' ? null : 'unlink';
  if (first === 'add') return 'add';
  return 'change';
}
