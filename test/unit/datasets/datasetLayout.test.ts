/** Recognising dataset folders: CTCUG, CUHK, DUT-DBD, COCO, split lists and manifests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectDatasetLayout, layoutPolarity } from '../../../electron/core/datasets/datasetLayout';
import { makeTempDir } from './fixtures';

let temp: { dir: string; remove: () => Promise<void> };

async function folders(root: string, names: string[]): Promise<string> {
  for (const name of names) await mkdir(join(root, name), { recursive: true });
  return root;
}

beforeAll(async () => {
  temp = await makeTempDir('defusion-layout-');
});

afterAll(async () => {
  await temp.remove();
});

describe('dataset layouts', () => {
  it('CTCUG: images/ + gt/ with split lists and this studio\'s manifest', async () => {
    const root = await folders(join(temp.dir, 'ctcug'), ['images', 'gt']);
    await writeFile(join(root, 'train.txt'), 'a\r\nimages/b.jpg\n\n');
    await writeFile(join(root, 'test.txt'), 'c.png\n');
    await writeFile(
      join(root, 'manifest.json'),
      JSON.stringify({
        layout: 'ctcug',
        polarity: 'blur-white',
        annotation: { status: 'reviewed' },
        items: [{ stem: 'a', split: 'train', status: 'corrected', comment: 'edge', author: 'ann' }, { stem: 5 }],
      }),
    );
    const layout = (await detectDatasetLayout(root))!;
    expect(layout).toMatchObject({ kind: 'ctcug', parts: [{ imagesDir: join(root, 'images'), gtDir: join(root, 'gt'), split: null }], annotationsPath: null });
    expect(Object.fromEntries(layout.splits)).toEqual({ a: 'train', b: 'train', c: 'test' });
    expect(layout.manifest).toMatchObject({ polarity: 'blur-white', status: 'reviewed' });
    expect(Object.fromEntries(layout.manifest!.items)).toEqual({ a: { split: 'train', status: 'corrected', comment: 'edge', author: 'ann' } });
  });

  it('CUHK: image/ + gt/, also split into train/ and test/ copies, in any case', async () => {
    expect(await detectDatasetLayout(await folders(join(temp.dir, 'cuhk'), ['Image', 'GT']))).toMatchObject({
      kind: 'cuhk',
      parts: [{ imagesDir: join(temp.dir, 'cuhk', 'Image'), gtDir: join(temp.dir, 'cuhk', 'GT') }],
    });
    const split = await folders(join(temp.dir, 'cuhk-split'), ['train/image', 'train/gt', 'test/image', 'test/gt', 'docs']);
    expect(await detectDatasetLayout(split)).toMatchObject({
      kind: 'cuhk',
      parts: [
        { imagesDir: join(split, 'test', 'image'), split: 'test' },
        { imagesDir: join(split, 'train', 'image'), split: 'train' },
      ],
    });
    // The folder itself named test/: its photos are test photos.
    expect(await detectDatasetLayout(await folders(join(temp.dir, 'test'), ['images', 'gt']))).toMatchObject({ parts: [{ split: 'test' }] });
  });

  it('DUT-DBD: prefixed pairs per split', async () => {
    const dut = await folders(join(temp.dir, 'dut'), ['train_image', 'train_gt', 'test_image', 'test_gt', 'orphan_image']);
    expect(await detectDatasetLayout(dut)).toMatchObject({
      kind: 'dut-dbd',
      parts: [
        { imagesDir: join(dut, 'test_image'), gtDir: join(dut, 'test_gt'), split: 'test' },
        { imagesDir: join(dut, 'train_image'), gtDir: join(dut, 'train_gt'), split: 'train' },
      ],
    });
    const dut500 = await folders(join(temp.dir, 'dut500'), ['dut500-source', 'dut500-gt']);
    expect(await detectDatasetLayout(dut500)).toMatchObject({ kind: 'dut-dbd', parts: [{ gtDir: join(dut500, 'dut500-gt'), split: null }] });
    expect(layoutPolarity('dut-dbd')).toBe('blur-black');
    expect(layoutPolarity('cuhk')).toBe('blur-white');
  });

  it('COCO: annotations.json + images/', async () => {
    const root = await folders(join(temp.dir, 'coco'), ['images']);
    await writeFile(join(root, 'annotations.json'), '{}');
    expect(await detectDatasetLayout(root)).toMatchObject({ kind: 'coco', parts: [{ imagesDir: join(root, 'images'), gtDir: null }], annotationsPath: join(root, 'annotations.json') });
  });

  it('anything else is not a dataset', async () => {
    expect(await detectDatasetLayout(await folders(join(temp.dir, 'plain'), ['2024', 'holiday']))).toBeNull();
    expect(await detectDatasetLayout(await folders(join(temp.dir, 'half'), ['images']))).toBeNull();
    expect(await detectDatasetLayout(join(temp.dir, 'does-not-exist'))).toBeNull();
  });
});
