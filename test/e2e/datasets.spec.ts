/**
 * Datasets end to end in browser mode (issue 6's acceptance): five photos picked in the
 * grid go into a new dataset, get masks, statuses (keys and buttons in the items table)
 * and a seeded split, and are exported as CTCUG through the export dialog. The test then
 * reads the folder on disk: images/ and gt/ with matching stems at the photos' sizes,
 * binary 8-bit grayscale masks equal to the stored ones, train.txt / test.txt as the
 * splits, manifest.json counts and statuses. The export is imported back through the
 * import dialog (polarity from the manifest), and a CUHK-style folder with inverted masks
 * and bad files is imported with a forced polarity and its per-file report. The split
 * dialog splits by folder and stratified by blur, and a COCO export carries RLE masks.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import type { Dataset, ItemStatus, Photo } from '../../electron/api/types';
import { callApi, decodeGray, testPageUrl, writePhotos } from './studioApi';
import type { PhotoFile } from './studioApi';
import { collectPageErrors } from './pageErrors';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.resolve(here, '../../test-results/e2e');
const TINY_MODEL = path.resolve(here, '../fixtures/models/tiny-defusionnet.onnx');

const PHOTOS: PhotoFile[] = [
  { relPath: 'day1/photo-1.jpg', width: 640, height: 480 },
  { relPath: 'day1/photo-2.jpg', width: 800, height: 600 },
  { relPath: 'day1/photo-3.jpg', width: 480, height: 640 },
  { relPath: 'day2/photo-4.jpg', width: 720, height: 480 },
  { relPath: 'day2/photo-5.jpg', width: 600, height: 600 },
  { relPath: 'day2/photo-6.jpg', width: 640, height: 400 },
];

let workDir: string;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-datasets-'));
  await writePhotos(path.join(workDir, 'library'), PHOTOS);
  await mkdir(screenshots, { recursive: true });
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--library', path.join(workDir, 'library'), '--model', TINY_MODEL, '--no-sample']);
});

test.afterAll(() => stopAndRemove(server, workDir));

/** A binary mask: the left `share` of the columns blurred (255), plus a disc in the lower right. */
function makeMask(width: number, height: number, share: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const edge = Math.round(width * share);
  const cx = width * 0.75;
  const cy = height * 0.7;
  const r = Math.min(width, height) * 0.12;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x < edge || (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) mask[y * width + x] = 255;
    }
  }
  return mask;
}

async function pngOf(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(mask), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer());
}

async function photosByPath(): Promise<Photo[]> {
  return (await callApi(server.url, 'library.query', { sort: 'path' })).photos;
}

test('builds a dataset from five photos, marks statuses, splits it and exports CTCUG files that are right on disk', async ({ page }) => {
  const pageErrors = collectPageErrors(page);
  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('6 photos', { timeout: 60_000 });
  const photos = await photosByPath();
  expect(photos.map((photo) => photo.name)).toEqual(['photo-1.jpg', 'photo-2.jpg', 'photo-3.jpg', 'photo-4.jpg', 'photo-5.jpg', 'photo-6.jpg']);

  // Five photos selected in the grid: a click, then a Shift-click.
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  await grid.getByRole('option', { name: /^photo-1\.jpg,/ }).click();
  await grid.getByRole('option', { name: /^photo-5\.jpg,/ }).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('5 photos selected');

  // Add to a new dataset from the grid's header.
  await page.getByRole('button', { name: 'Add to dataset…' }).click();
  const addDialog = page.getByRole('dialog', { name: 'Add photos to a dataset' });
  await expect(addDialog).toBeVisible();
  await expect(addDialog.getByRole('combobox', { name: 'Dataset to add to' })).toHaveValue('new');
  await addDialog.getByRole('textbox', { name: 'New dataset name' }).fill('street-set');
  await expect(addDialog.getByRole('radio', { name: 'The selected photos (5)' })).toBeChecked();
  await page.screenshot({ path: path.join(screenshots, 'datasets-01-add.png') });
  await addDialog.getByRole('button', { name: 'Add photos' }).click();
  await expect(addDialog.getByRole('status')).toContainText('Added 5 photos to street-set');

  const dataset = (await callApi(server.url, 'datasets.list', {})).find((entry) => entry.name === 'street-set') as Dataset;
  expect(dataset.itemCount).toBe(5);

  // Masks for photos 1-4 (as the editor would save them); photo 5 stays without one.
  const masks = new Map<number, Uint8Array>();
  for (const [index, photo] of photos.slice(0, 4).entries()) {
    const mask = makeMask(photo.width, photo.height, 0.15 + index * 0.1);
    masks.set(photo.id, mask);
    await callApi(server.url, 'masks.save', { photoId: photo.id, datasetId: dataset.id, png: await pngOf(mask, photo.width, photo.height), status: 'corrected', authorName: 'Ada' });
  }

  // The datasets view opens on it: the dashboard's numbers and charts.
  await addDialog.getByRole('button', { name: 'Open the dataset' }).click();
  await expect(page.getByRole('region', { name: 'Datasets view' })).toBeVisible();
  await expect(page.getByTestId('dataset-name')).toHaveText('street-set');
  await expect(page.getByTestId('stat-photos')).toHaveText('5');
  await expect(page.getByTestId('stat-annotated')).toHaveText('4');
  await expect(page.getByTestId('chart-status-split').locator('[data-segment="No split:corrected"]')).toHaveAttribute('data-value', '4');
  await expect(page.getByTestId('chart-status-split').locator('[data-segment="No split:unlabelled"]')).toHaveAttribute('data-value', '1');
  const blurBars = page.getByTestId('chart-blur').locator('rect.bar');
  await expect(blurBars).toHaveCount(10);
  expect((await blurBars.evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute('data-value'))))).reduce((a, b) => a + b, 0)).toBe(4);
  await expect(page.getByTestId('chart-progress').locator('path.line')).toHaveCount(2);
  await page.screenshot({ path: path.join(screenshots, 'datasets-02-overview.png') });

  // Statuses in the items table: a key, a button, a key.
  await page.getByRole('tab', { name: 'Items' }).click();
  const table = page.getByRole('grid', { name: 'Dataset items' });
  const row = (name: string) => table.locator('tbody tr', { has: page.getByText(name, { exact: true }) });
  await expect(table.locator('tbody tr[data-photo-id]')).toHaveCount(5);
  await row('photo-1.jpg').click();
  await page.keyboard.press('4');
  await expect(row('photo-1.jpg')).toHaveAttribute('data-status', 'reviewed');
  await row('photo-2.jpg').click();
  await page.getByRole('toolbar', { name: 'Change the selected items' }).getByRole('button', { name: /^Reviewed/ }).click();
  await expect(row('photo-2.jpg')).toHaveAttribute('data-status', 'reviewed');
  await row('photo-3.jpg').click();
  await page.keyboard.press('5');
  await expect(row('photo-3.jpg')).toHaveAttribute('data-status', 'rejected');
  await page.screenshot({ path: path.join(screenshots, 'datasets-03-items.png') });

  // A seeded random split, 40 % test.
  await page.getByRole('button', { name: 'Split…' }).click();
  const splitDialog = page.getByRole('dialog', { name: 'Split street-set' });
  await splitDialog.getByRole('spinbutton', { name: 'Test share in percent' }).fill('40');
  await splitDialog.getByRole('spinbutton', { name: 'Seed' }).fill('7');
  await splitDialog.getByRole('button', { name: 'Split', exact: true }).click();
  await expect(splitDialog.getByRole('status')).toContainText('Split: 3 train, 2 test');
  await page.screenshot({ path: path.join(screenshots, 'datasets-04-split.png') });
  await splitDialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  await expect(splitDialog).toBeHidden();

  const items = (await callApi(server.url, 'datasets.items', { datasetId: dataset.id })).items;
  const statusOf = new Map(items.map((item) => [item.photo.name, item.status]));
  expect(Object.fromEntries(statusOf)).toEqual({ 'photo-1.jpg': 'reviewed', 'photo-2.jpg': 'reviewed', 'photo-3.jpg': 'rejected', 'photo-4.jpg': 'corrected', 'photo-5.jpg': 'unlabelled' });
  expect(items.filter((item) => item.split === 'test')).toHaveLength(2);
  expect(items.filter((item) => item.split === 'train')).toHaveLength(3);

  // Export: CTCUG, the default statuses (corrected, reviewed), into a new folder.
  const out = path.join(workDir, 'exports', 'street-set');
  await page.getByRole('button', { name: 'Export…' }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export street-set' });
  await expect(exportDialog.getByRole('radio', { name: 'CTCUG / CUHK folders' })).toBeChecked();
  await expect(exportDialog.getByRole('checkbox', { name: /Corrected/ })).toBeChecked();
  await expect(exportDialog.getByRole('checkbox', { name: /Reviewed/ })).toBeChecked();
  await expect(exportDialog.getByRole('checkbox', { name: /Rejected/ })).not.toBeChecked();
  await exportDialog.getByRole('textbox', { name: 'Output folder' }).fill(out);
  await exportDialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exportDialog.getByTestId('export-job')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(exportDialog.getByTestId('export-result')).toContainText('3 photos written to');
  await page.screenshot({ path: path.join(screenshots, 'datasets-05-export.png') });
  await exportDialog.getByRole('button', { name: 'Close', exact: true }).last().click();

  // ---- the files on disk
  const exported = items.filter((item) => item.status === 'reviewed' || item.status === 'corrected');
  const stems = exported.map((item) => item.photo.name.replace(/\.jpg$/, '')).sort();
  expect(stems).toEqual(['photo-1', 'photo-2', 'photo-4']);
  expect((await readdir(out)).sort()).toEqual(['gt', 'images', 'manifest.json', 'test.txt', 'train.txt']);
  expect((await readdir(path.join(out, 'images'))).sort()).toEqual(stems.map((stem) => `${stem}.jpg`));
  expect((await readdir(path.join(out, 'gt'))).sort()).toEqual(stems.map((stem) => `${stem}.png`));
  for (const item of exported) {
    const stem = item.photo.name.replace(/\.jpg$/, '');
    const image = await sharp(path.join(out, 'images', `${stem}.jpg`)).metadata();
    expect([image.format, image.width, image.height]).toEqual(['jpeg', item.photo.width, item.photo.height]);
    // An upright sRGB JPEG is copied byte for byte.
    const source = PHOTOS.find((spec) => spec.relPath.endsWith(item.photo.name))!;
    expect(Buffer.compare(await readFile(path.join(out, 'images', `${stem}.jpg`)), await readFile(path.join(workDir, 'library', source.relPath)))).toBe(0);

    const gtFile = await readFile(path.join(out, 'gt', `${stem}.png`));
    const gt = await sharp(gtFile).metadata();
    expect([gt.format, gt.width, gt.height, gt.channels, gt.depth, gt.space]).toEqual(['png', item.photo.width, item.photo.height, 1, 'uchar', 'b-w']);
    const pixels = await decodeGray(gtFile);
    expect(pixels.data.every((value) => value === 0 || value === 255), `${stem}.png is binary`).toBe(true);
    expect(Buffer.compare(Buffer.from(pixels.data), Buffer.from(masks.get(item.photo.id)!)), `${stem}.png holds the saved mask`).toBe(0);
  }
  const listed = async (file: string): Promise<string[]> => (await readFile(path.join(out, file), 'utf8')).split('\n').filter((line) => line !== '');
  const stemsOf = (split: string): string[] => exported.filter((item) => item.split === split).map((item) => item.photo.name.replace(/\.jpg$/, '')).sort();
  expect(await listed('train.txt')).toEqual(stemsOf('train'));
  expect(await listed('test.txt')).toEqual(stemsOf('test'));

  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
    layout: string;
    name: string;
    polarity: string;
    source: { application: string; statuses: string[] };
    counts: { items: number; train: number; test: number; unsplit: number; byStatus: Record<ItemStatus, number> };
    items: { stem: string; split: string | null; status: ItemStatus; width: number; height: number; author: string | null }[];
  };
  expect(manifest).toMatchObject({ layout: 'ctcug', name: 'street-set', polarity: 'blur-white', source: { application: 'DeFusion Studio', statuses: ['corrected', 'reviewed'] } });
  expect(manifest.counts).toEqual({
    items: 3,
    train: stemsOf('train').length,
    test: stemsOf('test').length,
    unsplit: 0,
    byStatus: { unlabelled: 0, predicted: 0, corrected: 1, reviewed: 2, rejected: 0 },
  });
  expect(manifest.items.map((entry) => [entry.stem, entry.status, entry.split, entry.author])).toEqual(
    exported
      .map((item) => [item.photo.name.replace(/\.jpg$/, ''), item.status, item.split, 'Ada'])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );

  // The dashboard followed the changes.
  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect(page.getByTestId('stat-reviewed')).toHaveText('2');
  await expect(page.getByTestId('chart-status-split').locator('[data-segment="Train:reviewed"], [data-segment="Test:reviewed"]')).not.toHaveCount(0);

  // Active learning: once the model has seen the photos, the unlabelled one it is least sure about opens in the editor.
  const { jobId } = await callApi(server.url, 'detect.run', { all: 'all' });
  await expect.poll(async () => (await callApi(server.url, 'jobs.get', { id: jobId })).state, { timeout: 120_000 }).toBe('done');
  const uncertain = await callApi(server.url, 'datasets.nextUncertain', { datasetId: dataset.id });
  expect(uncertain?.photo.name).toBe('photo-5.jpg');
  const card = page.getByTestId('uncertain');
  await card.getByRole('button', { name: 'Find the most uncertain photo' }).click();
  await expect(card.getByText('photo-5.jpg')).toBeVisible();
  await expect(card.getByTestId('uncertainty')).toHaveText(uncertain!.uncertainty.toFixed(3));
  await page.screenshot({ path: path.join(screenshots, 'datasets-06-uncertain.png') });
  await card.getByRole('button', { name: 'Open in editor' }).click();
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'photo-5.jpg' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Dataset' })).toHaveValue(String(dataset.id));
  await page.keyboard.press('Escape');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeHidden();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Datasets' }).click();

  // The export comes back through the import dialog; the manifest states the polarity.
  await page.getByRole('button', { name: 'Import dataset folder…' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import a dataset folder' });
  await importDialog.getByRole('textbox', { name: 'Dataset folder' }).fill(out);
  await importDialog.getByRole('textbox', { name: 'Dataset name' }).fill('street-roundtrip');
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(importDialog.getByTestId('import-job')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(importDialog.getByTestId('polarity-decision')).toHaveAttribute('data-polarity', 'blur-white');
  await expect(importDialog.getByTestId('polarity-decision')).toContainText("from the folder's manifest");
  await expect(importDialog.getByTestId('import-result')).toContainText('3 masks imported');
  await importDialog.getByRole('button', { name: 'Open street-roundtrip' }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('street-roundtrip');
  await expect(page.getByTestId('stat-photos')).toHaveText('3');
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Datasets' })).toHaveAttribute('aria-current', 'page');
  expect(pageErrors, 'no errors in the page console').toEqual([]);
});

test('imports a CUHK folder with a forced polarity and lists the files it could not take', async ({ page }) => {
  // image/ + gt/ with black = blurred masks, an image without a mask and a mask of the wrong shape.
  const folder = path.join(workDir, 'cuhk-like');
  await mkdir(path.join(folder, 'image'), { recursive: true });
  await mkdir(path.join(folder, 'gt'), { recursive: true });
  const sources = PHOTOS.slice(3, 6);
  for (const [index, spec] of sources.entries()) {
    await copyFile(path.join(workDir, 'library', spec.relPath), path.join(folder, 'image', `shot-${index + 1}.jpg`));
  }
  for (const [index, spec] of sources.slice(0, 2).entries()) {
    const blurWhite = makeMask(spec.width, spec.height, 0.3);
    const blurBlack = blurWhite.map((value) => 255 - value);
    await writeFile(path.join(folder, 'gt', `shot-${index + 1}.png`), await pngOf(blurBlack, spec.width, spec.height));
  }
  // shot-3 has no mask; a mask with no photo, of another shape.
  await writeFile(path.join(folder, 'gt', 'stray.png'), await pngOf(new Uint8Array(50 * 20), 50, 20));

  await page.goto(testPageUrl(server.url));
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Datasets' }).click();
  await page.getByRole('button', { name: 'Import dataset folder…' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Import a dataset folder' });
  await importDialog.getByRole('textbox', { name: 'Dataset folder' }).fill(folder);
  await importDialog.getByRole('radio', { name: /Black \(0\) marks blur/ }).check();
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(importDialog.getByTestId('import-job')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const decision = importDialog.getByTestId('polarity-decision');
  await expect(decision).toHaveAttribute('data-polarity', 'blur-black');
  await expect(decision).toContainText('as you chose');
  await expect(importDialog.getByTestId('import-result')).toContainText('CUHK layout into cuhk-like');
  await expect(importDialog.getByTestId('import-result')).toContainText('2 masks imported');
  const report = importDialog.getByRole('table', { name: 'Import report' });
  await expect(report.locator('tr[data-severity="error"]', { hasText: 'stray.png' })).toHaveCount(1);
  await expect(report.locator('tr[data-severity="warning"]', { hasText: 'shot-3.jpg' })).toHaveCount(1);
  await page.screenshot({ path: path.join(screenshots, 'datasets-07-import.png') });

  // The masks were inverted to 255 = blurred.
  const imported = (await callApi(server.url, 'datasets.list', {})).find((entry) => entry.name === 'cuhk-like') as Dataset;
  const items = (await callApi(server.url, 'datasets.items', { datasetId: imported.id })).items;
  const shot1 = items.find((item) => item.photo.name === 'shot-1.jpg')!;
  const stored = await callApi(server.url, 'masks.current', { photoId: shot1.photo.id, datasetId: imported.id });
  const pixels = await decodeGray(stored!.png);
  const spec = sources[0]!;
  expect(Buffer.compare(Buffer.from(pixels.data), Buffer.from(makeMask(spec.width, spec.height, 0.3)))).toBe(0);
  expect(items.find((item) => item.photo.name === 'shot-3.jpg')?.status).toBe('unlabelled');

  // Rename it, then delete another dataset: the list and the store follow.
  await importDialog.getByRole('button', { name: 'Open cuhk-like' }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('cuhk-like');
  await page.getByRole('button', { name: 'Rename cuhk-like' }).click();
  await page.getByRole('textbox', { name: 'New name' }).fill('cuhk-inverted');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('cuhk-inverted');
  const list = page.getByRole('complementary', { name: 'Datasets' });
  await list.getByRole('button', { name: /^street-roundtrip,/ }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('street-roundtrip');
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog', { name: 'Delete street-roundtrip?' }).getByRole('button', { name: 'Delete dataset' }).click();
  await expect(list.getByRole('button', { name: /^street-roundtrip,/ })).toHaveCount(0);
  await expect(page.getByTestId('dataset-name')).not.toHaveText('street-roundtrip');
  expect((await callApi(server.url, 'datasets.list', {})).map((entry) => entry.name).sort()).toEqual(['cuhk-inverted', 'street-set']);
});

test('splits by folder and stratified by blur in the split dialog, and exports COCO with RLE masks', async ({ page }) => {
  // A dataset of the whole library, made through the API; two photos get masks.
  const photos = (await photosByPath()).filter((photo) => photo.relPath.startsWith('day'));
  const dataset = await callApi(server.url, 'datasets.create', { name: 'by-day' });
  await callApi(server.url, 'datasets.addPhotos', { datasetId: dataset.id, photoIds: photos.map((photo) => photo.id) });
  for (const photo of [photos[0]!, photos[4]!]) {
    await callApi(server.url, 'masks.save', { photoId: photo.id, datasetId: dataset.id, png: await pngOf(makeMask(photo.width, photo.height, 0.4), photo.width, photo.height), status: 'reviewed' });
  }

  await page.goto(testPageUrl(server.url));
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Datasets' }).click();
  await page.getByRole('complementary', { name: 'Datasets' }).getByRole('button', { name: /^by-day,/ }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('by-day');

  // Whole folders: day2 to test, day1 to train.
  await page.getByRole('button', { name: 'Split…' }).click();
  const splitDialog = page.getByRole('dialog', { name: 'Split by-day' });
  await splitDialog.getByRole('radio', { name: 'By folder' }).check();
  await splitDialog.getByRole('checkbox', { name: /day2/ }).check();
  await splitDialog.getByRole('button', { name: 'Split', exact: true }).click();
  await expect(splitDialog.getByRole('status')).toContainText('Split: 3 train, 3 test');
  let items = (await callApi(server.url, 'datasets.items', { datasetId: dataset.id })).items;
  expect(items.map((item) => [item.photo.folder, item.split])).toEqual([
    ['day1', 'train'],
    ['day1', 'train'],
    ['day1', 'train'],
    ['day2', 'test'],
    ['day2', 'test'],
    ['day2', 'test'],
  ]);

  // Stratified by blur fraction, half to test: the two masked photos (one stratum) land on both sides.
  await splitDialog.getByRole('radio', { name: 'Stratified by blur' }).check();
  await splitDialog.getByRole('spinbutton', { name: 'Test share in percent' }).fill('50');
  await splitDialog.getByRole('button', { name: 'Split', exact: true }).click();
  await expect(splitDialog.getByRole('status')).toContainText('Split: 3 train, 3 test');
  items = (await callApi(server.url, 'datasets.items', { datasetId: dataset.id })).items;
  const masked = items.filter((item) => item.mask !== null);
  expect(masked.map((item) => item.split).sort()).toEqual(['test', 'train']);
  await splitDialog.getByRole('button', { name: 'Close', exact: true }).last().click();

  // COCO: the reviewed photos, one RLE segmentation each.
  const out = path.join(workDir, 'exports', 'by-day-coco');
  await page.getByRole('button', { name: 'Export…' }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export by-day' });
  await exportDialog.getByRole('radio', { name: 'COCO (RLE)' }).check();
  await exportDialog.getByRole('textbox', { name: 'Output folder' }).fill(out);
  await exportDialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exportDialog.getByTestId('export-job')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(exportDialog.getByTestId('export-result')).toContainText('2 photos written to');
  const coco = JSON.parse(await readFile(path.join(out, 'annotations.json'), 'utf8')) as {
    images: { file_name: string; width: number; height: number }[];
    annotations: { segmentation: { size: number[]; counts: string } }[];
    categories: { name: string }[];
  };
  expect(coco.categories.map((category) => category.name)).toEqual(['defocus_blur']);
  expect(coco.images.map((image) => [image.file_name, image.width, image.height])).toEqual(
    [photos[0]!, photos[4]!].map((photo) => [photo.name, photo.width, photo.height]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  expect(coco.annotations.map((annotation) => typeof annotation.segmentation.counts)).toEqual(['string', 'string']);
  expect((await readdir(path.join(out, 'images'))).sort()).toEqual([photos[0]!.name, photos[4]!.name].sort());
});
