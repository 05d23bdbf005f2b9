/**
 * Writing a folder all at once: everything goes into a temporary sibling folder (same
 * parent, so the final rename never crosses filesystems), which is renamed to the
 * destination at the end. A reader never sees a half-written export; a failed or
 * cancelled one leaves nothing behind. Replacing an existing folder (`force`) moves it
 * aside first, renames the new one in, then deletes the old: if the process dies in
 * between, the old folder is still there under its aside name.
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
      await rename(temp, target);
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
