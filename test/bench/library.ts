/**
 * Library benchmark: `npx tsx test/bench/library.ts [--count N] [--keep]` (default 10000).
 *
 * 1. Generates N photos (JPEG and PNG, 64-640 px a side, one in 20 with camera EXIF, a few
 *    EXIF-rotated) in 100 folders of a temp folder. Not timed.
 * 2. Times opening that folder through the core (`library.open` → the scan job): walk,
 *    SHA-256, decode check, EXIF and thumbnail of every photo → photos per second. Then
 *    a rescan of the unchanged folder.
 * 3. Times 200 grid queries (`library.query`, 200 per page, typical filters and sorts,
 *    random offsets) through `StudioCore.call` (schema validation included) → p50, p95.
 *
 * Writes every figure and the machine to bench-results/library.json.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, platform, arch, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PhotoQuery } from '../../electron/api/methods';
import { createCoreServices, packageRoot } from '../../electron/core/createCore';
import type { ScanResult } from '../../electron/core/library/libraryService';
import { patternImage } from '../fixtures/images';
import { nearestRankPercentile, round, seededRandom } from './support/benchMath';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } },
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: npx tsx test/bench/library.ts [--count N] [--keep]');
  process.exit(2);
}

const CAMERAS = [
  { make: 'Canon', model: 'Canon EOS R5', lensModel: 'RF50mm F1.2 L USM' },
  { make: 'NIKON CORPORATION', model: 'NIKON Z 6_2', lensModel: 'NIKKOR Z 85mm f/1.8 S' },
  { make: 'SONY', model: 'ILCE-7M4', lensModel: 'FE 35mm F1.4 GM' },
];
const APERTURES = [1.2, 1.8, 2.8, 4, 5.6, 8, 11];

async function generate(folder: string): Promise<number> {
  const next = seededRandom(20250101);
  const jobs = Array.from({ length: count }, (_, i) => {
    const width = 64 + Math.floor(next() * 577);
    const height = 64 + Math.floor(next() * 577);
    const png = next() < 0.2;
    const withExif = i % 20 === 0;
    const rotated = i % 97 === 0;
    const camera = CAMERAS[i % CAMERAS.length]!;
    return {
      path: join(folder, `f${String(i % 100).padStart(2, '0')}`, `IMG_${String(i).padStart(5, '0')}.${png ? 'png' : 'jpg'}`),
      options: {
        width,
        height,
        seed: i + 1,
        ...(rotated ? { orientation: 6 } : {}),
        ...(withExif
          ? {
              exif: {
                ...camera,
                fNumber: APERTURES[i % APERTURES.length]!,
                focalLength: 24 + (i % 8) * 10,
                dateTimeOriginal: `2024:0${1 + (i % 9)}:1${i % 10} 1${i % 10}:00:00`,
              },
            }
          : {}),
      },
      png,
    };
  });
  for (let i = 0; i < 100; i++) await mkdir(join(folder, `f${String(i).padStart(2, '0')}`), { recursive: true });
  let bytes = 0;
  let nextJob = 0;
  const worker = async (): Promise<void> => {
    while (nextJob < jobs.length) {
      const job = jobs[nextJob++]!;
      const image = patternImage(job.options);
      const data = await (job.png ? image.png({ compressionLevel: 3 }) : image.jpeg({ quality: 88 })).toBuffer();
      await writeFile(job.path, data);
      bytes += data.length;
    }
  };
  await Promise.all([worker(), worker()]);
  return bytes;
}

const work = await mkdtemp(join(tmpdir(), 'defusion-bench-library-'));
try {
  const photosDir = join(work, 'photos');
  console.log(`generating ${count} photos in ${photosDir}…`);
  const generationStart = performance.now();
  const generatedBytes = await generate(photosDir);
  const generationSeconds = (performance.now() - generationStart) / 1000;
  console.log(`  ${count} photos, ${(generatedBytes / 1e6).toFixed(1)} MB in ${generationSeconds.toFixed(1)} s (not part of the figures)`);

  const dbPath = join(work, 'studio.db');
  // The machine is shared: the load around the timed part says how far to trust it.
  const loadBefore = loadavg();
  const services = await createCoreServices({ dbPath, watch: false, scanOnStart: false, log: (message) => console.warn(message) });
  const { core, jobs, store } = services;

  console.log('scanning (walk + hash + decode check + EXIF + thumbnail)…');
  let lastPrint = 0;
  const stopProgress = jobs.onDidChange((job) => {
    if (job.state === 'running' && performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(`  ${job.done}/${job.total}${job.rate === null ? '' : `, ${job.rate.toFixed(1)}/s`}${job.etaSeconds === null ? '' : `, ETA ${Math.round(job.etaSeconds)} s`}`);
    }
  });
  const scanStart = performance.now();
  const { jobId } = await core.call('library.open', { paths: [photosDir] });
  const scanJob = await jobs.wait(jobId);
  const scanSeconds = (performance.now() - scanStart) / 1000;
  stopProgress();
  if (scanJob.state !== 'done') throw new Error(`scan ${scanJob.state}: ${scanJob.error}`);
  const scan = (scanJob.result as ScanResult).roots[0]!;
  const rootId = scan.rootId;
  const thumbnails = store._testOnlyDb.prepare('SELECT COUNT(*) AS n, SUM(length(bytes)) AS bytes FROM thumbnails').get() as { n: number; bytes: number };
  console.log(`  ${scan.added} photos in ${scanSeconds.toFixed(1)} s = ${(scan.added / scanSeconds).toFixed(1)} photos/s (${scan.errors} errors, ${thumbnails.n} thumbnails)`);

  const rescanStart = performance.now();
  const rescan = await jobs.wait((await core.call('library.rescan', { rootId })).jobId);
  const rescanSeconds = (performance.now() - rescanStart) / 1000;
  const unchanged = (rescan.result as ScanResult).roots[0]!.unchanged;
  console.log(`  rescan of the unchanged folder: ${rescanSeconds.toFixed(2)} s (${unchanged} unchanged)`);

  const total = (await core.call('library.query', { limit: 1 })).total;
  const queries: { name: string; query: PhotoQuery }[] = [
    { name: 'all, by path', query: {} },
    { name: 'one root, by path', query: { rootId } },
    { name: 'one folder', query: { rootId, folder: 'f42', recursive: false } },
    { name: 'by capture time, newest first', query: { sort: 'capturedAt', order: 'desc' } },
    { name: 'by name', query: { sort: 'name' } },
    { name: 'status filter', query: { status: ['none', 'predicted'] } },
    { name: 'camera + aperture range', query: { camera: 'Canon EOS R5', fNumberMin: 1, fNumberMax: 2.8 } },
    { name: 'search', query: { search: 'IMG_01' } },
    { name: 'by file size, largest first', query: { sort: 'byteSize', order: 'desc' } },
  ];
  const next = seededRandom(7);
  const timings: number[] = [];
  const byName = new Map<string, number[]>();
  // A few unmeasured calls warm the statement cache, as a running studio would have.
  for (const { query } of queries) await core.call('library.query', { ...query, limit: 200 });
  for (let run = 0; run < 200; run++) {
    const { name, query } = queries[run % queries.length]!;
    const matching = (await core.call('library.query', { ...query, limit: 1 })).total;
    const offset = Math.floor(next() * Math.max(1, matching - 200));
    const start = performance.now();
    const page = await core.call('library.query', { ...query, offset, limit: 200 });
    const elapsed = performance.now() - start;
    if (page.photos.length === 0 && matching > 0) throw new Error(`empty page for ${name}`);
    timings.push(elapsed);
    byName.set(name, [...(byName.get(name) ?? []), elapsed]);
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const query = {
    runs: timings.length,
    pageSize: 200,
    photos: total,
    p50Ms: round(nearestRankPercentile(sorted, 50), 3),
    p95Ms: round(nearestRankPercentile(sorted, 95), 3),
    maxMs: round(sorted[sorted.length - 1]!, 3),
    byQuery: Object.fromEntries(
      [...byName].map(([name, list]) => {
        const s = [...list].sort((a, b) => a - b);
        return [name, { runs: s.length, p50Ms: round(nearestRankPercentile(s, 50), 3), p95Ms: round(nearestRankPercentile(s, 95), 3) }];
      }),
    ),
  };
  console.log(`grid query (200 per page, ${timings.length} runs): p50 ${query.p50Ms} ms, p95 ${query.p95Ms} ms, max ${query.maxMs} ms`);

  await core.close();
  const dbBytes = (await stat(dbPath)).size;
  const cpuList = cpus();
  const results = {
    benchmark: 'library',
    date: new Date().toISOString(),
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      platform: platform(),
      arch: arch(),
      totalMemoryGB: round(totalmem() / 1e9, 1),
      loadAverageBefore: loadBefore.map((value) => round(value, 2)),
      loadAverageAfter: loadavg().map((value) => round(value, 2)),
    },
    library: {
      photos: count,
      folders: 100,
      sizes: '64-640 px a side, 80% JPEG q88 / 20% PNG, 1 in 20 with camera EXIF, 1 in 97 EXIF-rotated',
      generatedMB: round(generatedBytes / 1e6, 1),
      generationSeconds: round(generationSeconds, 1),
    },
    scan: {
      what: 'library.open → scan job: walk, SHA-256, full decode check, EXIF, 320 px WebP thumbnail, SQLite writes',
      probeConcurrency: 2,
      seconds: round(scanSeconds, 2),
      photosPerSecond: round(scan.added / scanSeconds, 1),
      added: scan.added,
      errors: scan.errors,
      thumbnails: thumbnails.n,
      thumbnailMB: round((thumbnails.bytes ?? 0) / 1e6, 1),
      databaseMB: round(dbBytes / 1e6, 1),
    },
    rescan: { seconds: round(rescanSeconds, 3), unchanged },
    query,
  };
  const outDir = join(packageRoot(), 'bench-results');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'library.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${join(outDir, 'library.json')}`);
} finally {
  if (values.keep) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
