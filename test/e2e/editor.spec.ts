/**
 * The mask editor end to end in browser mode (issue 5's acceptance): a photo opened from
 * the grid, a brush stroke and an eraser stroke drawn with the mouse, undo, redo, save;
 * then a reload (a new session) reads back exactly the expected pixels, both in the
 * editor and from the stored PNG decoded with sharp. The expected raster is computed here
 * from the stroke's geometry (every pixel whose centre lies within the brush radius of
 * the pointer's path), independently of the editor's own rasteriser. Then a keyboard-only
 * walk through the photos marks statuses, checked through the API.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { Photo } from '../../electron/api/types';
import { callApi, decodeGray, fetchResource, testPageUrl, writePhotos } from './studioApi';
import type { PhotoFile } from './studioApi';
import { applyStrokes, drag, recordedStrokes, recordStrokes, withHook } from './editorDriver';
import type { RecordedStroke } from './editorDriver';
import { collectPageErrors } from './pageErrors';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.resolve(here, '../../test-results/e2e');
const TINY_MODEL = path.resolve(here, '../fixtures/models/tiny-defusionnet.onnx');

const PHOTOS: PhotoFile[] = Array.from({ length: 6 }, (_, i) => ({ relPath: `walk/photo-${i + 1}.jpg`, width: 1200, height: 800 }));

let workDir: string;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-editor-'));
  await writePhotos(path.join(workDir, 'library'), PHOTOS);
  await mkdir(screenshots, { recursive: true });
  server = await startStudioServer([
    '--db', path.join(workDir, 'studio.db'),
    '--library', path.join(workDir, 'library'),
    '--model', TINY_MODEL,
    '--no-sample',
  ]);
});

test.afterAll(() => stopAndRemove(server, workDir));

// ------------------------------------------------------------------ page helpers (no DOM types here)

async function editorDigest(page: Page): Promise<string | null> {
  return withHook(page, async (hook) => {
    await hook.whenIdle();
    return hook._testOnlyMaskDigest();
  });
}

// ------------------------------------------------------------------ the expected raster

/** The mask after these strokes on an empty mask (see applyStrokes). */
function expectedMask(width: number, height: number, strokes: readonly RecordedStroke[]): Uint8Array {
  return applyStrokes(new Uint8Array(width * height), width, height, strokes);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function countOn(mask: Uint8Array): number {
  let on = 0;
  for (const value of mask) if (value === 255) on++;
  return on;
}

async function openGridPhotoInEditor(page: Page, index: number): Promise<void> {
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  await expect(grid.getByRole('option').first()).toBeVisible();
  await grid.focus();
  await grid.press('Home');
  for (let i = 0; i < index; i++) await grid.press('ArrowRight');
  await grid.press('e');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeVisible();
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('editor-position')).toHaveText(`${index + 1} of ${PHOTOS.length}`);
}

async function photosByPath(): Promise<Photo[]> {
  return (await callApi(server.url, 'library.query', { sort: 'path' })).photos;
}

// ------------------------------------------------------------------ tests

test('paints, erases, undoes, redoes and saves a mask that a new session reads back pixel for pixel', async ({ page }) => {
  const consoleErrors = collectPageErrors(page);

  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('6 photos', { timeout: 60_000 });
  await openGridPhotoInEditor(page, 0);
  const photo = (await photosByPath())[0]!;
  expect(photo.status).toBe('none');
  await expect(page.getByRole('heading', { name: photo.name })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Dataset' })).toHaveValue('');

  // A brush stroke across the photo, then an eraser stroke through it.
  await recordStrokes(page);
  await drag(page, [{ x: 150, y: 260 }, { x: 420, y: 330 }, { x: 760, y: 250 }, { x: 980, y: 420 }]);
  let strokes = await recordedStrokes(page);
  expect(strokes).toHaveLength(1);
  expect(strokes[0]!.erase).toBe(false);
  expect(strokes[0]!.points.length).toBeGreaterThan(20);
  const painted = expectedMask(photo.width, photo.height, strokes);
  expect(countOn(painted)).toBeGreaterThan(20_000);
  expect(await editorDigest(page)).toBe(sha256(painted));

  await page.keyboard.press('e');
  await drag(page, [{ x: 440, y: 180 }, { x: 470, y: 480 }]);
  await page.keyboard.press('b');
  strokes = await recordedStrokes(page);
  expect(strokes.map((stroke) => stroke.erase)).toEqual([false, true]);
  const erased = expectedMask(photo.width, photo.height, strokes);
  expect(countOn(erased)).toBeLessThan(countOn(painted));
  expect(await editorDigest(page)).toBe(sha256(erased));
  await page.screenshot({ path: path.join(screenshots, 'editor-01-strokes.png') });

  // Undo takes the eraser stroke back, redo brings it again.
  await page.keyboard.press('Control+z');
  expect(await editorDigest(page)).toBe(sha256(painted));
  await page.keyboard.press('Control+Shift+z');
  expect(await editorDigest(page)).toBe(sha256(erased));
  expect(await withHook(page, (hook) => [hook.state.undoCount, hook.state.redoCount])).toEqual([2, 0]);

  // Save: the first save makes the 'default' dataset, which becomes the current one.
  await page.keyboard.press('Control+s');
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-dirty', 'false');
  await expect(page.locator('.mask-editor .status')).toContainText('Saved');
  await expect(page.getByRole('combobox', { name: 'Dataset' })).toHaveValue(/^\d+$/);
  const datasets = await callApi(server.url, 'datasets.list', {});
  expect(datasets.map((dataset) => dataset.name)).toEqual(['default']);
  const history = await callApi(server.url, 'masks.history', { photoId: photo.id, datasetId: datasets[0]!.id });
  expect(history).toHaveLength(1);
  expect(history[0]).toMatchObject({ author: 'human', status: 'corrected' });
  expect(history[0]!.blurFraction).toBeCloseTo(countOn(erased) / (photo.width * photo.height), 12);
  await expect(page.locator('.editor-view .bar .badge')).toHaveAttribute('data-status', 'corrected');

  // A new session: reload, open the photo again, read the mask back.
  await page.reload();
  await expect(page.getByTestId('result-count')).toHaveText('6 photos');
  await expect(page.getByRole('option', { name: `${photo.name}, Corrected` })).toBeVisible();
  await openGridPhotoInEditor(page, 0);
  expect(await editorDigest(page)).toBe(sha256(erased));
  expect(await withHook(page, (hook) => [hook.state.undoCount, hook.state.dirty])).toEqual([0, false]);
  await page.screenshot({ path: path.join(screenshots, 'editor-02-reloaded.png') });

  // The stored PNG itself, decoded with sharp: 8-bit, one channel, the photo's size, the expected pixels.
  const stored = await decodeGray(await fetchResource(server.url, 'mask', photo.id, { datasetId: datasets[0]!.id }));
  expect([stored.width, stored.height, stored.channels]).toEqual([photo.width, photo.height, 1]);
  expect(sha256(stored.data)).toBe(sha256(erased));

  // Escape saves nothing new (nothing changed) and goes back to the grid on the same photo.
  await page.keyboard.press('Escape');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeHidden();
  await expect(page.getByRole('listbox', { name: 'Photo grid' })).toBeFocused();
  expect(await callApi(server.url, 'masks.history', { photoId: photo.id, datasetId: datasets[0]!.id })).toHaveLength(1);
  expect(consoleErrors, 'no errors in the page console').toEqual([]);
});

test('a keyboard-only walk through five photos marks their statuses', async ({ page }) => {
  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('6 photos');
  const before = await photosByPath();
  expect(before.map((photo) => photo.status)).toEqual(['corrected', 'none', 'none', 'none', 'none', 'none']);

  // Only keys from here on: the grid has the focus, E opens the editor.
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  await grid.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('e');
  const position = page.getByTestId('editor-position');
  await expect(position).toHaveText('1 of 6');
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');

  const step = async (key: string, expected: string): Promise<void> => {
    await page.keyboard.press(key);
    await expect(position).toHaveText(expected);
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
  };
  await step('Alt+2', '2 of 6'); // photo 1: its saved mask marked reviewed
  await step('Alt+1', '3 of 6'); // photo 2: an empty mask saved as corrected
  await step('Alt+3', '4 of 6'); // photo 3: skipped, nothing stored
  await step('Alt+2', '5 of 6'); // photo 4: saved as reviewed
  await step('ArrowLeft', '4 of 6');
  await step('ArrowRight', '5 of 6');
  await step('Alt+1', '6 of 6'); // photo 5: corrected
  // Next unreviewed from the last photo: none after it; the previous unreviewed is photo 5.
  await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByRole('status').filter({ hasText: 'No unreviewed photo after this one.' })).toBeVisible();
  await step('Shift+ArrowLeft', '5 of 6');
  await step('Shift+ArrowLeft', '3 of 6'); // skips the reviewed photo 4
  await page.screenshot({ path: path.join(screenshots, 'editor-03-walk.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('region', { name: 'Mask editor' })).toBeHidden();

  const after = await photosByPath();
  expect(after.map((photo) => photo.status)).toEqual(['reviewed', 'corrected', 'none', 'reviewed', 'corrected', 'none']);
  const dataset = (await callApi(server.url, 'datasets.list', {}))[0]!;
  const statuses = await Promise.all(
    after.map(async (photo) => (await callApi(server.url, 'masks.history', { photoId: photo.id, datasetId: dataset.id })).map((version) => version.status)),
  );
  // Photo 1 kept its one version (a status needs no new pixels); 2, 4 and 5 got one each.
  expect(statuses).toEqual([['corrected'], ['corrected'], [], ['reviewed'], ['corrected'], []]);
  const items = await callApi(server.url, 'datasets.items', { datasetId: dataset.id });
  expect(items.items.map((item) => [item.photo.name, item.status])).toEqual([
    ['photo-1.jpg', 'reviewed'],
    ['photo-2.jpg', 'corrected'],
    ['photo-4.jpg', 'reviewed'],
    ['photo-5.jpg', 'corrected'],
  ]);
  // The grid's badges followed.
  await expect(grid.getByRole('option', { name: 'photo-4.jpg, Reviewed' })).toBeVisible();
  await expect(grid.getByRole('option', { name: 'photo-5.jpg, Corrected' })).toBeVisible();
});
