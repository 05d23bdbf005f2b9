/**
 * `defusion export` and the dataset side of `defusion import`, as users run them: child
 * processes of bin/defusion.js on generated dataset folders, checked through their exit
 * status, their output, the files they write and the database they leave.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/store';
import { background, centreDisc, leftPart, makeDefocusedPhoto, makeJpeg, makeTempDir, readGray, writeMask } from '../unit/datasets/fixtures';
import { defusion } from './defusionCli';


async function fileHashes(folder: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(folder, { recursive: true })).sort()) {
    const path = join(folder, name);
    if ((await stat(path)).isFile()) result[name] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return result;
}

let temp: { dir: string; remove: () => Promise<void> };
let source: string;
let db: string;
const truth = new Map<string, Uint8Array>();

beforeAll(async () => {
  temp = await makeTempDir('defusion-datasets-cli-');
  source = join(temp.dir, 'studio-set');
  const shapes = [leftPart(0.35), centreDisc(0.3), background(0.2)];
  for (const [index, shape] of shapes.entries()) {
    const stem = `shot${index}`;
    const mask = await makeDefocusedPhoto(join(source, 'images', `${stem}.jpg`), { width: 144, height: 96, shape, seed: index + 3 });
    await writeMask(join(source, 'gt', `${stem}.png`), mask, 144, 96);
    truth.set(stem, mask);
  }
  // A photo nobody has annotated yet.
  await makeJpeg(join(source, 'images', 'pending.jpg'), { width: 144, height: 96, seed: 9 });
  await writeFile(join(source, 'train.txt'), 'shot0\nshot1\n');
  await writeFile(join(source, 'test.txt'), 'shot2\n');

  db = join(temp.dir, 'studio.db');
  const imported = await defusion('import', source, '--db', db, '--json');
  expect(imported.code, imported.stderr).toBe(0);
  const report = JSON.parse(imported.stdout) as { folders: { layout: string; polarity: { polarity: string; method: string }; masks: { imported: number } }[]; warnings: { path: string }[] };
  expect(report.folders[0]).toMatchObject({ layout: 'ctcug', polarity: { polarity: 'blur-white', method: 'measured' }, masks: { imported: 3 } });
  expect(report.warnings.map((warning) => warning.path)).toEqual([join(source, 'images', 'pending.jpg')]);
  expect(imported.stderr).toMatch(/pending\.jpg: image without a mask/);
});

afterAll(async () => {
  await temp.remove();
});

describe('defusion export', () => {
  it('exports a dataset as CTCUG, refuses to overwrite without --force, and re-exports the same bytes', async () => {
    const out = join(temp.dir, 'out', 'ctcug');
    const first = await defusion('export', '--db', db, '--dataset', 'studio-set', '--out', out, '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, format: 'ctcug', exported: 3, train: 2, test: 1, copiedImages: 3, skipped: [], failures: [] });
    expect(await readFile(join(out, 'train.txt'), 'utf8')).toBe('shot0\nshot1\n');
    expect(await readFile(join(out, 'test.txt'), 'utf8')).toBe('shot2\n');
    for (const [stem, mask] of truth) expect((await readGray(join(out, 'gt', `${stem}.png`))).data, stem).toEqual(mask);
    const hashes = await fileHashes(out);

    const refused = await defusion('export', '--db', db, '--dataset', 'studio-set', '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; add --force to replace it/);

    const forced = await defusion('export', '--db', db, '--dataset', 'studio-set', '--out', out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/exported 3 \(train 2, test 1, no split 0\)/);
    expect(await fileHashes(out)).toEqual(hashes);

    // Into a fresh database: the same masks and splits.
    const fresh = join(temp.dir, 'fresh.db');
    const back = await defusion('import', out, '--db', fresh, '--dataset', 'back', '--json');
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).folders[0]).toMatchObject({ layout: 'ctcug', polarity: { method: 'manifest' }, splits: { train: 2, test: 1, unsplit: 0 } });
    const store = Store.open(fresh, { log: () => {} });
    try {
      const dataset = store.findDatasetByName('back')!;
      const rootId = store.listRoots()[0]!.id;
      for (const [stem, mask] of truth) {
        const photo = store.getPhotoByPath(rootId, `${stem}.jpg`)!;
        expect((await readGray(store.getCurrentMask(photo.id, dataset.id)!.png)).data, stem).toEqual(mask);
      }
    } finally {
      store.close();
    }
  });

  it('exports COCO, and lists what it leaves out with exit 1', async () => {
    const out = join(temp.dir, 'out', 'coco');
    const coco = await defusion('export', '--db', db, '--dataset', 'studio-set', '--out', out, '--format', 'coco', '--status', 'all', '--json');
    expect(coco.code).toBe(1);
    const result = JSON.parse(coco.stdout) as { ok: boolean; exported: number; skipped: { relPath: string; reason: string }[] };
    expect(result).toMatchObject({ ok: false, exported: 3, skipped: [{ relPath: 'pending.jpg', reason: 'status unlabelled but no mask' }] });
    expect(coco.stderr).toMatch(/1 item was left out:\n {2}pending\.jpg: status unlabelled but no mask/);
    const annotations = JSON.parse(await readFile(join(out, 'annotations.json'), 'utf8')) as { images: unknown[]; annotations: { segmentation: { counts: string } }[] };
    expect(annotations.images).toHaveLength(3);
    expect(typeof annotations.annotations[0]!.segmentation.counts).toBe('string');

    const none = await defusion('export', '--db', db, '--dataset', 'studio-set', '--out', join(temp.dir, 'out', 'none'), '--status', 'reviewed');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/exported 0/);
  });

  it('refuses bad command lines with a usage message and exit 2', async () => {
    const out = join(temp.dir, 'out', 'never');
    const cases: [string[], RegExp][] = [
      [['export', '--db', db, '--out', out], /--dataset NAME is required/],
      [['export', '--db', db, '--dataset', 'studio-set'], /--out DIR is required/],
      [['export', '--dataset', 'studio-set', '--out', out], /--db FILE is required/],
      [['export', '--db', join(temp.dir, 'missing.db'), '--dataset', 'x', '--out', out], /no such database/],
      [['export', '--db', db, '--dataset', 'nope', '--out', out], /no dataset named "nope".*"studio-set"/],
      [['export', '--db', db, '--dataset', 'studio-set', '--out', out, '--format', 'voc'], /--format must be ctcug or coco/],
      [['export', '--db', db, '--dataset', 'studio-set', '--out', out, '--status', 'done'], /unknown status 'done'/],
      [['import', temp.dir, '--db', db, '--polarity', 'upside-down'], /--polarity must be auto, blur-white or blur-black/],
    ];
    for (const [args, message] of cases) {
      const result = await defusion(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr, args.join(' ')).toMatch(/Usage: defusion/);
    }
    await expect(stat(out)).rejects.toThrow();
    const help = await defusion('export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: defusion export/);
    expect(help.stdout).toMatch(/Exit status/);
  });

  it('imports a DUT-DBD folder with the polarity measured or forced', async () => {
    const dut = join(temp.dir, 'dut');
    for (const [index, split] of ['train', 'train', 'test'].entries()) {
      const mask = await makeDefocusedPhoto(join(dut, `${split}_image`, `d${index}.jpg`), { width: 128, height: 96, shape: centreDisc(0.25 + 0.05 * index), seed: 30 + index });
      await writeMask(join(dut, `${split}_gt`, `d${index}.png`), mask, 128, 96, { invert: true });
    }
    const dutDb = join(temp.dir, 'dut.db');
    const auto = await defusion('import', dut, '--db', dutDb);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toMatch(/DUT-DBD layout/);
    expect(auto.stdout).toMatch(/polarity: blur-black \(measured\): in 3 of 3 pairs the black region was the less sharp/);
    expect(auto.stdout).toMatch(/splits: train 2, test 1, none 0/);
    const forced = await defusion('import', dut, '--db', dutDb, '--dataset', 'forced', '--polarity', 'blur-white', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).folders[0].polarity).toMatchObject({ polarity: 'blur-white', method: 'user' });
  });
});
