/**
 * The whole used-by flow end to end in browser mode (issue 7): the studio opens the sample
 * library (its masks arrive as dataset 'sample'), detection runs on every photo with the
 * tiny fixture model, one mask is corrected with the brush in the editor, a reviewer
 * accepts it in the datasets view, the dataset is exported as CTCUG, and the files on
 * disk are read back: the corrected photo's gt PNG holds the brush stroke on top of its
 * original mask (computed here from the stroke's geometry, independently of the editor's
 * rasteriser), the other masks are the sample's own, and manifest.json has the statuses,
 * the splits and the review.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { ItemStatus } from '../../electron/api/types';
import { callApi, decodeGray, testPageUrl } from './studioApi';
import { applyStrokes, drag, recordedStrokes, recordStrokes } from './editorDriver';
import { collectPageErrors } from './pageErrors';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../..');
const screenshots = path.resolve(projectRoot, 'test-results/e2e');
const TINY_MODEL = path.resolve(here, '../fixtures/models/tiny-defusionnet.onnx');
const SAMPLE = path.join(projectRoot, 'datasets', 'sample');

let workDir: string;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-flow-'));
  // No --library: a first run opens the bundled sample library.
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--model', TINY_MODEL]);
});

test.afterAll(() => stopAndRemove(server, workDir));

// ------------------------------------------------------------------ driving the brush

function differing(a: Uint8Array, b: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}

// ------------------------------------------------------------------ the flow

test('sample library → detect on all → brush correction → review → export: the exported files are right', async ({ page }) => {
  test.setTimeout(420_000);
  const pageErrors = collectPageErrors(page);

  // 1. The sample library.
  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('12 photos', { timeout: 90_000 });
  const sample = (await callApi(server.url, 'datasets.list', {})).find((dataset) => dataset.name === 'sample')!;
  expect(sample).toMatchObject({ itemCount: 12, splits: { train: 8, test: 4 } });
  const photos = (await callApi(server.url, 'library.query', { sort: 'path' })).photos;
  const astronaut = photos[0]!;
  expect(astronaut.name).toBe('astronaut.jpg');

  // 2. Detect on all: select every photo, detect the selection.
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  await grid.getByRole('option').first().click();
  await page.keyboard.press('Control+a');
  await expect(page.getByTestId('selection-count')).toHaveText('12 photos selected');
  await page.getByRole('button', { name: 'Detect selected (12)' }).click();
  const detectJob = page.locator('[data-testid="job"]', { hasText: /detect/i });
  await expect(detectJob.first()).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  const predictions = await Promise.all(photos.map((photo) => callApi(server.url, 'predictions.current', { photoId: photo.id })));
  expect(predictions.every((prediction) => prediction !== null && prediction.modelName?.startsWith('defusionnet-tiny-fixture'))).toBe(true);
  await page.screenshot({ path: path.join(screenshots, 'flow-01-detected.png') });

  // 3. Correct the first photo's mask with the brush, in the editor, saved as corrected.
  await grid.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('e');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeVisible();
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('heading', { name: 'astronaut.jpg' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Dataset' })).toHaveValue(String(sample.id));
  await recordStrokes(page);
  await drag(page, [{ x: 70, y: 300 }, { x: 200, y: 250 }, { x: 330, y: 320 }, { x: 450, y: 260 }]);
  const strokes = await recordedStrokes(page);
  expect(strokes).toHaveLength(1);
  expect(strokes[0]!.erase).toBe(false);
  await page.screenshot({ path: path.join(screenshots, 'flow-02-brush.png') });
  await page.keyboard.press('Alt+1');
  await expect(page.getByTestId('editor-position')).toHaveText('2 of 12');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeHidden();
  const history = await callApi(server.url, 'masks.history', { photoId: astronaut.id, datasetId: sample.id });
  // The sample's own mask, then the corrected one (a new version; the first stays in the history).
  expect(history).toHaveLength(2);
  const newest = history.reduce((a, b) => (b.id > a.id ? b : a));
  expect(newest).toMatchObject({ author: 'human', status: 'corrected' });

  const original = await decodeGray(await readFile(path.join(SAMPLE, 'gt', 'astronaut.png')));
  const expected = applyStrokes(original.data, astronaut.width, astronaut.height, strokes);
  expect(differing(expected, original.data), 'the stroke changes the sample mask').toBeGreaterThan(2000);

  // 4. Mark it reviewed: the reviewer mode of the datasets view walks the corrected masks.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Datasets' }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('sample');
  await page.getByRole('tab', { name: /Review/ }).click();
  await expect(page.getByTestId('review-photo')).toHaveText('astronaut.jpg');
  await expect(page.getByTestId('review-mask')).toBeVisible();
  await page.getByRole('textbox', { name: 'Reviewer name' }).fill('Grace');
  await page.getByRole('textbox', { name: 'Review comment' }).fill('The brush fixed the missed band.');
  await page.screenshot({ path: path.join(screenshots, 'flow-03-review.png') });
  await page.getByRole('button', { name: /^Accept/ }).click();
  await expect(page.getByRole('heading', { name: 'Nothing left to review' })).toBeVisible();
  const reviews = await callApi(server.url, 'datasets.reviews', { datasetId: sample.id });
  expect(reviews.map((review) => [review.photoId, review.decision, review.reviewer, review.comment])).toEqual([[astronaut.id, 'accepted', 'Grace', 'The brush fixed the missed band.']]);

  // Active learning: the items ordered by the model's uncertainty, most uncertain first.
  await page.getByRole('tab', { name: 'Items' }).click();
  await page.getByRole('combobox', { name: 'Order items by' }).selectOption({ label: 'Most uncertain first' });
  const table = page.getByRole('grid', { name: 'Dataset items' });
  await expect(table.locator('tbody tr[data-photo-id]')).toHaveCount(12);
  await expect(async () => {
    const values = (await table.locator('tbody tr[data-photo-id] td.num').allTextContents()).map(Number);
    expect(values.every((value) => Number.isFinite(value) && value >= 0 && value <= 1)).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => b - a));
  }).toPass();

  // The quality check: how much people changed the model's guesses.
  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByTestId('quality').getByRole('button', { name: 'Measure' }).click();
  await expect(page.getByTestId('quality-iou')).toContainText(/mean \d\.\d{3} · median \d\.\d{3}/, { timeout: 60_000 });
  await page.screenshot({ path: path.join(screenshots, 'flow-04-dataset.png') });

  // 5. Export the dataset.
  const out = path.join(workDir, 'sample-export');
  await page.getByRole('button', { name: 'Export…' }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export sample' });
  await exportDialog.getByRole('textbox', { name: 'Output folder' }).fill(out);
  await exportDialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exportDialog.getByTestId('export-job')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(exportDialog.getByTestId('export-result')).toContainText('12 photos written to');

  // 6. The files: the corrected mask holds the stroke, the others are the sample's own.
  const stems = photos.map((photo) => photo.name.replace(/\.jpg$/, '')).sort();
  expect((await readdir(path.join(out, 'gt'))).sort()).toEqual(stems.map((stem) => `${stem}.png`));
  expect((await readdir(path.join(out, 'images'))).sort()).toEqual(stems.map((stem) => `${stem}.jpg`));
  for (const photo of photos) {
    const stem = photo.name.replace(/\.jpg$/, '');
    const gt = await decodeGray(await readFile(path.join(out, 'gt', `${stem}.png`)));
    expect([gt.width, gt.height, gt.channels]).toEqual([photo.width, photo.height, 1]);
    const want = photo.id === astronaut.id ? expected : (await decodeGray(await readFile(path.join(SAMPLE, 'gt', `${stem}.png`)))).data;
    expect(differing(gt.data, want), `gt/${stem}.png`).toBe(0);
  }
  const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').map((line) => line.trim()).filter((line) => line !== '').sort();
  expect(await lines(path.join(out, 'train.txt'))).toEqual(await lines(path.join(SAMPLE, 'train.txt')));
  expect(await lines(path.join(out, 'test.txt'))).toEqual(await lines(path.join(SAMPLE, 'test.txt')));

  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
    counts: { items: number; train: number; test: number; byStatus: Record<ItemStatus, number> };
    items: { stem: string; status: ItemStatus; split: string | null; author: string | null; review: { decision: string; reviewer: string | null; comment: string | null } | null }[];
  };
  expect(manifest.counts).toMatchObject({ items: 12, train: 8, test: 4, byStatus: { unlabelled: 0, predicted: 0, corrected: 0, reviewed: 12, rejected: 0 } });
  expect(manifest.items.every((item) => item.status === 'reviewed')).toBe(true);
  const corrected = manifest.items.find((item) => item.stem === 'astronaut')!;
  expect(corrected.review).toEqual({ decision: 'accepted', reviewer: 'Grace', comment: 'The brush fixed the missed band.', at: expect.any(String) });
  expect(manifest.items.filter((item) => item.review !== null).map((item) => item.stem)).toEqual(['astronaut']);
  expect(pageErrors, 'no errors in the page console').toEqual([]);
});
