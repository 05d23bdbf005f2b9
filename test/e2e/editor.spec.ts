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
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { Photo } from '../../electron/api/types';
import { callApi, decodeGray, fetchResource, testPageUrl, writePhotos } from './studioApi';
import type { PhotoFile } from './studioApi';
import { startStudioServer } from './studioServer';
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

test.afterAll(async () => {
  const code = await server?.stop();
  expect(code, 'the server exits cleanly on SIGTERM').toBe(0);
  await rm(workDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ page helpers (no DOM types here)

interface Point {
  x: number;
  y: number;
}

/** A stroke as the editor received it: image-space samples, the brush radius, paint or erase. */
interface RecordedStroke {
  points: Point[];
  radius: number;
  erase: boolean;
}

interface EditorHook {
  state: { view: { zoom: number; x: number; y: number }; brushRadius: number; erase: boolean; dirty: boolean; undoCount: number; redoCount: number; ready: boolean };
  imageToClient(x: number, y: number): Point | null;
  whenIdle(): Promise<void>;
  _testOnlyMaskDigest(): Promise<string | null>;
}

/** Runs `fn` in the page on the editor's test hook (fetched afresh: a new editor makes a new hook). */
async function withHook<R, A = undefined>(page: Page, fn: (hook: EditorHook, arg: A) => R | Promise<R>, arg?: A): Promise<R> {
  const handle = await page.evaluateHandle(() => {
    const studio = (globalThis as unknown as { __studio?: { editor?: EditorHook } }).__studio;
    if (!studio?.editor) throw new Error('the editor test hook is missing');
    return studio.editor;
  });
  try {
    // Arguments here are plain JSON (points), which Playwright passes through unchanged.
    return await handle.evaluate(fn as (hook: EditorHook, arg: unknown) => R | Promise<R>, arg);
  } finally {
    await handle.dispose();
  }
}

/**
 * Records, on the editor's canvas, every pointer sample of every left-button stroke in
 * image coordinates, with the very arithmetic the editor uses (screen → image through
 * its view), so that the expected raster follows the path the editor was given.
 */
async function recordStrokes(page: Page): Promise<void> {
  await page.evaluate(() => {
    interface PointerLike {
      clientX: number;
      clientY: number;
      button: number;
      buttons: number;
      getCoalescedEvents?: () => PointerLike[];
    }
    interface ElementLike {
      getBoundingClientRect(): { left: number; top: number };
      addEventListener(type: string, listener: (event: PointerLike) => void): void;
    }
    const scope = globalThis as unknown as {
      document: { querySelector(selector: string): ElementLike | null };
      __studio: { editor: { state: { view: { zoom: number; x: number; y: number }; brushRadius: number; erase: boolean } } };
      __strokes?: { points: { x: number; y: number }[]; radius: number; erase: boolean }[];
    };
    const stage = scope.document.querySelector('[aria-label="Mask canvas"]');
    if (!stage) throw new Error('no mask canvas');
    const strokes: { points: { x: number; y: number }[]; radius: number; erase: boolean }[] = [];
    scope.__strokes = strokes;
    const toImage = (event: PointerLike): { x: number; y: number } => {
      const box = stage.getBoundingClientRect();
      const view = scope.__studio.editor.state.view;
      return { x: (event.clientX - box.left - view.x) / view.zoom, y: (event.clientY - box.top - view.y) / view.zoom };
    };
    stage.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      const state = scope.__studio.editor.state;
      strokes.push({ points: [toImage(event)], radius: state.brushRadius, erase: state.erase });
    });
    stage.addEventListener('pointermove', (event) => {
      if ((event.buttons & 1) === 0) return;
      const stroke = strokes[strokes.length - 1];
      if (!stroke) return;
      const samples = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
      for (const sample of samples.length > 0 ? samples : [event]) stroke.points.push(toImage(sample));
    });
  });
}

async function recordedStrokes(page: Page): Promise<RecordedStroke[]> {
  return page.evaluate(() => (globalThis as unknown as { __strokes: RecordedStroke[] }).__strokes);
}

/** Drags the mouse through image points (a polyline), `steps` moves per leg. */
async function drag(page: Page, points: Point[], steps = 14): Promise<void> {
  const client = await withHook(page, (hook, list) => list.map((point) => hook.imageToClient(point.x, point.y)), points);
  const first = client[0]!;
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const point of client.slice(1)) await page.mouse.move(point!.x, point!.y, { steps });
  await page.mouse.up();
  await withHook(page, (hook) => hook.whenIdle());
}

async function editorDigest(page: Page): Promise<string | null> {
  return withHook(page, async (hook) => {
    await hook.whenIdle();
    return hook._testOnlyMaskDigest();
  });
}

// ------------------------------------------------------------------ the expected raster

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 > 0 ? Math.min(1, Math.max(0, ((px - a.x) * dx + (py - a.y) * dy) / length2)) : 0;
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

/**
 * The mask after these strokes, from their geometry alone: a pixel is reached by a stroke
 * when its centre is within the radius of the stroke's path (its first sample is a dab,
 * then one segment per sample); paint sets it to 255, erase to 0, in order.
 */
function expectedMask(width: number, height: number, strokes: readonly RecordedStroke[]): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const stroke of strokes) {
    const { points, radius } = stroke;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const x0 = Math.max(0, Math.floor(Math.min(...xs) - radius - 1));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs) + radius + 1));
    const y0 = Math.max(0, Math.floor(Math.min(...ys) - radius - 1));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys) + radius + 1));
    const segments = points.map((point, i) => [points[Math.max(0, i - 1)]!, point] as const);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const cx = x + 0.5;
        const cy = y + 0.5;
        if (segments.some(([a, b]) => distanceToSegment(cx, cy, a, b) <= radius)) mask[y * width + x] = stroke.erase ? 0 : 255;
      }
    }
  }
  return mask;
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
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));

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
