/**
 * Where a fine-tune writes: one folder per run under `<studio data folder>/finetune/`.
 *
 * A run folder is marked incomplete from the moment it is made until the new model has
 * been exported, evaluated and is about to be registered. A run that fails or is
 * cancelled removes its folder; one that could not (the studio was killed) leaves the
 * marker, which says in words that nothing in the folder was ever registered.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Sub-folder of the studio's data folder that holds every run. */
export const RUNS_FOLDER = 'finetune';
/** Present while a run is unfinished. */
export const INCOMPLETE_MARKER = 'INCOMPLETE.txt';
/** The trainer's output (stdout and stderr) of a run. */
export const TRAINER_LOG = 'trainer.log';

/** Lower-case letters, digits and dashes, for folder and file names. */
export function slug(text: string, fallback = 'x'): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 48);
  return cleaned === '' ? fallback : cleaned;
}

/** `20250101-120000` in UTC. */
function compactTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Makes a fresh run folder with its incomplete marker; returns its absolute path. */
export async function createRunFolder(runsRoot: string, label: string, now: Date = new Date()): Promise<string> {
  await mkdir(runsRoot, { recursive: true });
  const dir = path.join(runsRoot, `${compactTime(now)}-${slug(label, 'run')}-${randomBytes(3).toString('hex')}`);
  // Not recursive: an existing folder of the same name must fail, never be reused.
  await mkdir(dir);
  await writeFile(
    path.join(dir, INCOMPLETE_MARKER),
    [
      'This fine-tune did not finish.',
      'Nothing in this folder was registered as a model: the studio registers a fine-tuned model',
      'only after it has been exported and evaluated, and then removes this file.',
      'The folder may be deleted.',
      '',
    ].join('\n'),
  );
  return dir;
}

/** Removes the incomplete marker and the trainer's working checkpoints (the model's own .pt stays). */
export async function completeRunFolder(dir: string, keep: readonly string[]): Promise<void> {
  const kept = new Set(keep.map((file) => path.resolve(file)));
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    if (kept.has(path.resolve(file))) continue;
    if (name === 'last.pt' || name === 'best.pt' || name.endsWith('.tmp')) await rm(file, { force: true });
  }
  await rm(path.join(dir, INCOMPLETE_MARKER), { force: true });
}

/** Removes a run folder and everything in it; never throws (the marker then stays). */
export async function removeRunFolder(dir: string): Promise<boolean> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    return true;
  } catch {
    return false;
  }
}

/** Whether `file` lies inside `folder` (after resolving both; not the folder itself). */
export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
