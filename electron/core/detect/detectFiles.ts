/**
 * Detection over files and folders without a database (the `defusion detect` command and
 * the benchmark): collects the photos, runs them through a worker pool and writes
 * `OUT/<stem>.png` (the probability map at the photo's own size) and, when asked,
 * `OUT/<stem>_mask.png`. A photo that fails is reported and the batch goes on.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import { walkLibrary } from '../library/walk';
import type { DetectOptions, PhotoPrediction } from './detectPhoto';
import type { DetectWorkerPool } from './workerPool';

/** One photo to detect and where its outputs go. */
export interface PhotoInput {
  absPath: string;
  /** Output path without extension, relative to the output folder ('/'-separated). */
  outStem: string;
}

export interface InputFailure {
  input: string;
  reason: string;
}

export interface CollectedInputs {
  photos: PhotoInput[];
  failures: InputFailure[];
}

function stemOf(relPath: string): string {
  const ext = path.posix.extname(relPath);
  return ext ? relPath.slice(0, -ext.length) : relPath;
}

/**
 * Files are taken as given (an explicit file that is no photo fails with the decoder's
 * reason); folders are walked recursively for photos, and their sub-folders are mirrored
 * under the output folder so that equal names in different folders do not collide. Two
 * inputs that would write the same output are refused, the later one as a failure.
 */
export async function collectPhotoInputs(paths: readonly string[]): Promise<CollectedInputs> {
  const photos: PhotoInput[] = [];
  const failures: InputFailure[] = [];
  const owners = new Map<string, string>();
  const add = (absPath: string, outStem: string): void => {
    const key = outStem.toLowerCase();
    const owner = owners.get(key);
    if (owner !== undefined) {
      failures.push({ input: absPath, reason: `its output ${outStem}.png would overwrite that of ${owner}` });
      return;
    }
    owners.set(key, absPath);
    photos.push({ absPath, outStem });
  };
  for (const given of paths) {
    const absPath = path.resolve(given);
    let isFolder: boolean;
    try {
      isFolder = (await stat(absPath)).isDirectory();
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      failures.push({ input: absPath, reason: code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${code || String(error)})` });
      continue;
    }
    if (!isFolder) {
      add(absPath, stemOf(path.basename(absPath)));
      continue;
    }
    for await (const entry of walkLibrary(absPath)) {
      if (entry.kind === 'error') failures.push({ input: entry.absPath, reason: entry.reason });
      else add(entry.absPath, stemOf(entry.relPath));
    }
  }
  return { photos, failures };
}

export interface FileResult {
  input: string;
  output: string;
  mask: string | null;
  prediction: Omit<PhotoPrediction, 'probabilityPng' | 'maskPng'>;
}

export interface DetectFilesOptions {
  outDir: string;
  detect: DetectOptions;
  signal?: AbortSignal;
  /** Called after each photo, success or failure. */
  onProgress?: (done: number, total: number, input: string, failure: string | null) => void;
}

export interface DetectFilesResult {
  results: FileResult[];
  failures: InputFailure[];
  seconds: number;
}

/**
 * Detects every photo through `pool`, keeping every worker busy, and writes the PNGs.
 * Results come back in input order.
 */
export async function detectFiles(pool: DetectWorkerPool, photos: readonly PhotoInput[], options: DetectFilesOptions): Promise<DetectFilesResult> {
  const started = performance.now();
  const outDir = path.resolve(options.outDir);
  const results: (FileResult | null)[] = new Array<FileResult | null>(photos.length).fill(null);
  const failures: (InputFailure | null)[] = new Array<InputFailure | null>(photos.length).fill(null);
  let next = 0;
  let done = 0;
  // Two photos per worker in flight: one running, one queued, so no worker waits for the
  // main thread to write the previous result.
  const lanes = Math.max(1, pool.status.workers * 2);

  const work = async (index: number): Promise<void> => {
    const photo = photos[index]!;
    try {
      const prediction = await pool.detect(photo.absPath, options.detect);
      const output = path.join(outDir, `${photo.outStem}.png`);
      await mkdir(path.dirname(output), { recursive: true });
      await writeFile(output, prediction.probabilityPng);
      let mask: string | null = null;
      if (prediction.maskPng) {
        mask = path.join(outDir, `${photo.outStem}_mask.png`);
        await writeFile(mask, prediction.maskPng);
      }
      const { probabilityPng: _map, maskPng: _mask, ...facts } = prediction;
      results[index] = { input: photo.absPath, output, mask, prediction: facts };
      options.onProgress?.(++done, photos.length, photo.absPath, null);
    } catch (error) {
      if (error instanceof StudioError && error.code === 'cancelled') throw error;
      // The decoder's messages already start with the file's path.
      const reason = (error instanceof Error ? error.message : String(error)).replace(`${photo.absPath}: `, '');
      failures[index] = { input: photo.absPath, reason };
      options.onProgress?.(++done, photos.length, photo.absPath, reason);
    }
  };

  const lane = async (): Promise<void> => {
    while (next < photos.length) {
      if (options.signal?.aborted) throw new StudioError('cancelled', 'Detection was cancelled');
      await work(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, photos.length) }, lane));
  return {
    results: results.filter((result): result is FileResult => result !== null),
    failures: failures.filter((failure): failure is InputFailure => failure !== null),
    seconds: (performance.now() - started) / 1000,
  };
}
