/**
 * Writing a folder all at once: everything goes into a temporary sibling folder (same
 * parent, so the final rename never crosses filesystems), which is renamed to the
 * destination at the end. A reader never sees a half-written export; a failed or
 * cancelled one leaves nothing behind. Replacing an existing folder (`force`) moves it
 * aside first, renames the new one in, then deletes the old. When that second rename
 * fails (Windows answers EBUSY while a virus scanner or an indexer holds a file of the new
 * folder), the old folder is moved back: the user keeps the previous export under its own
 * name, not under a hidden one. Only if the process dies between the two renames is the
 * old folder left under its aside name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StudioError } from '../../api/errors';

export interface AtomicFolderOptions {
  /** Replace `destination` when it exists (otherwise it is refused with 'conflict'). */
  force: boolean;
  /**
   * With `force`, whether an existing folder may be replaced (exports only replace
   * earlier exports, never a folder that merely has the same name); default: any.
   */
  replaceable?: (folder: string) => Promise<boolean>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Refuses an existing destination unless `force`; a file is never replaced by a folder. */
export async function checkDestination(destination: string, options: AtomicFolderOptions): Promise<void> {
  let info;
  try {
    info = await stat(destination);
  } catch {
    return;
  }
  if (!info.isDirectory()) throw new StudioError('conflict', `${destination} exists and is not a folder.`);
  if (!options.force) throw new StudioError('conflict', `${destination} already exists; export with force to replace it.`);
  if (options.replaceable && !(await options.replaceable(destination))) {
    throw new StudioError('conflict', `${destination} already exists and is not an earlier export; it is left alone even with force.`);
  }
}

/** Moves the previous folder back after the new one could not take its place, and says so. */
async function restore(aside: string, target: string, cause: unknown): Promise<never> {
  const reason = cause instanceof Error ? cause.message : String(cause);
  try {
    await rename(aside, target);
  } catch (restoreError) {
    const why = restoreError instanceof Error ? restoreError.message : String(restoreError);
    throw new StudioError('internal', `${target} could not be replaced (${reason}), and the previous folder could not be put back (${why}): it is at ${aside}.`, { folder: aside });
  }
  throw new StudioError('conflict', `${target} could not be replaced (${reason}); the previous folder is still there, unchanged. Try again once nothing holds files in it.`);
}

/**
 * Runs `write(tempFolder)` and moves the result to `destination`. Throws (after
 * removing the temporary folder) when `write` throws.
 */
export async function writeFolderAtomically<T>(destination: string, options: AtomicFolderOptions, write: (folder: string) => Promise<T>): Promise<T> {
  const target = resolve(destination);
  await checkDestination(target, options);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(parent, `.${basename(target)}.partial-${tag}`);
  await mkdir(temp);
  let result: T;
  try {
    result = await write(temp);
    // Checked again: another writer may have created it while this one worked.
    await checkDestination(target, options);
    if (await exists(target)) {
      const aside = join(parent, `.${basename(target)}.old-${tag}`);
      await rename(target, aside);
      try {
        await rename(temp, target);
      } catch (error) {
        await restore(aside, target, error);
      }
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(temp, target);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return result;
}
