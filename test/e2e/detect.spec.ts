/**
 * Detection in the studio, end to end in browser mode (issue 4, "In the studio"): the
 * server runs the tiny fixture model (`--model`), so this is fast and does not depend on
 * the bundled weights. Detection runs as a job from the grid (selection, every photo
 * without a mask), the viewer and the editor (Ctrl+D); the viewer shows the probability
 * map as an overlay whose pixels are checked against the stored map; the editor turns it
 * into a mask with the threshold slider and saves it; the status bar names the model and
 * the device. A broken model file is refused with a clear message and nothing is lost.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { callApi, decodeGray, testPageUrl, writePhotos } from './studioApi';
import type { PhotoFile } from './studioApi';
import { collectPageErrors } from './pageErrors';
import { startStudioServer } from './studioServer';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.resolve(here, '../../test-results/e2e');
const MODELS = path.resolve(here, '../fixtures/models');

const PHOTOS: PhotoFile[] = [
  { relPath: 'shore/dunes.jpg', width: 960, height: 640 },
  { relPath: 'shore/harbour.jpg', width: 900, height: 600 },
  { relPath: 'shore/pier.jpg', width: 640, height: 800 },
  { relPath: 'town/market.jpg', width: 800, height: 600 },
];

let workDir: string;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-detect-'));
  await writePhotos(path.join(workDir, 'library'), PHOTOS);
  await mkdir(screenshots, { recursive: true });
});

test.afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the overlay canvas's alpha channel, and how many of its pixels are not transparent. */
async function overlayPixels(page: Page): Promise<{ width: number; height: number; visible: number; alphaDigest: string }> {
  return page.getByTestId('prediction-overlay').evaluate(async (element) => {
    const canvas = element as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const alpha = new Uint8Array(canvas.width * canvas.height);
    let visible = 0;
    for (let i = 0; i < alpha.length; i++) {
      alpha[i] = rgba[i * 4 + 3]!;
      if (alpha[i]! > 0) visible++;
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', alpha));
    return { width: canvas.width, height: canvas.height, visible, alphaDigest: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
  });
}

interface EditorHook {
  state: { hasPrediction: boolean; predictionVisible: boolean; threshold: number; dirty: boolean };
  whenIdle(): Promise<void>;
  _testOnlyMaskDigest(): Promise<string | null>;
}

async function withHook<R>(page: Page, fn: (hook: EditorHook) => R | Promise<R>): Promise<R> {
  const handle = await page.evaluateHandle(() => {
    const studio = (globalThis as unknown as { __studio?: { editor?: EditorHook } }).__studio;
    if (!studio?.editor) throw new Error('the editor test hook is missing');
    return studio.editor;
  });
  try {
    return await handle.evaluate(fn);
  } finally {
    await handle.dispose();
  }
}

test('detects from the grid, the viewer and the editor, and shows the prediction as an overlay', async ({ page }) => {
  const server = await startStudioServer([
    '--db', path.join(workDir, 'detect.db'),
    '--library', path.join(workDir, 'library'),
    '--model', path.join(MODELS, 'tiny-defusionnet.onnx'),
    '--no-sample',
  ]);
  try {
    const consoleErrors = collectPageErrors(page);
    await page.goto(testPageUrl(server.url));
    await expect(page.getByTestId('result-count')).toHaveText('4 photos', { timeout: 60_000 });

    // The status bar: the model that detection uses and the device it runs on.
    const status = await callApi(server.url, 'detect.status', {});
    expect(status.error).toBeNull();
    await expect(page.getByTestId('model-name')).toHaveText(`${status.model!.name} ${status.model!.version}`);
    await expect(page.getByTestId('model-device')).toHaveText(status.device!.toUpperCase());
    if (status.fallbackReason) await expect(page.getByTestId('device-fallback')).toHaveAttribute('aria-label', `Device fallback: ${status.fallbackReason}`);

    // Detect on the selection: a job in the jobs panel, then the badge.
    const grid = page.getByRole('listbox', { name: 'Photo grid' });
    const tiles = grid.getByRole('option');
    await tiles.nth(0).click();
    await page.getByRole('button', { name: 'Detect selected (1)' }).click();
    await expect(page.locator('[data-testid="job"][data-state="done"]').filter({ hasText: 'Detect blur in 1 photo' })).toHaveCount(1);
    await expect(grid.getByRole('option', { name: 'dunes.jpg, Predicted' })).toBeVisible();

    // The viewer draws the stored probability map as its overlay, pixel for pixel.
    const dunes = (await callApi(server.url, 'library.query', { sort: 'path' })).photos[0]!;
    const prediction = await callApi(server.url, 'predictions.current', { photoId: dunes.id });
    expect(prediction).not.toBeNull();
    const probability = await decodeGray(prediction!.png);
    expect([probability.width, probability.height]).toEqual([dunes.width, dunes.height]);
    await grid.press('Enter');
    const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
    await expect(viewer).toBeVisible();
    await expect(page.getByTestId('prediction-overlay')).toBeVisible();
    await expect.poll(async () => (await overlayPixels(page)).alphaDigest).toBe(sha256(probability.data));
    const overlay = await overlayPixels(page);
    expect([overlay.width, overlay.height]).toEqual([dunes.width, dunes.height]);
    expect(overlay.visible, 'the overlay is not empty').toBeGreaterThan(0);
    await expect(viewer.getByRole('button', { name: 'Prediction' })).toHaveAttribute('aria-pressed', 'true');
    await viewer.getByRole('slider', { name: 'Prediction opacity' }).fill('0.35');
    await expect(page.getByTestId('prediction-overlay')).toHaveCSS('opacity', '0.35');
    await page.screenshot({ path: path.join(screenshots, 'detect-01-viewer-overlay.png') });
    // M hides and shows it.
    await page.keyboard.press('m');
    await expect(page.getByTestId('prediction-overlay')).toHaveCount(0);
    await page.keyboard.press('m');
    await expect(page.getByTestId('prediction-overlay')).toBeVisible();

    // The editor: without a saved mask it starts from the prediction cut at the threshold.
    await page.keyboard.press('e');
    await expect(page.getByRole('region', { name: 'Mask editor' })).toBeVisible();
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
    expect(await withHook(page, (hook) => hook.state.hasPrediction)).toBe(true);
    const cut = (threshold: number): Uint8Array => probability.data.map((p) => (p >= threshold ? 255 : 0));
    const startThreshold = await withHook(page, (hook) => hook.state.threshold);
    expect(await withHook(page, async (hook) => { await hook.whenIdle(); return hook._testOnlyMaskDigest(); })).toBe(sha256(cut(startThreshold)));
    await page.keyboard.press('m');
    expect(await withHook(page, (hook) => hook.state.predictionVisible)).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'detect-02-editor-prediction.png') });

    // The threshold slider turns the probability map into another mask; saving stores it.
    const sorted = [...probability.data].sort((a, b) => a - b);
    const median = Math.min(255, Math.max(1, sorted[Math.floor(sorted.length / 2)]!));
    await page.keyboard.press('t');
    const slider = page.getByTestId('threshold');
    await expect(slider).toBeVisible();
    await slider.fill(String(median));
    await expect.poll(() => withHook(page, async (hook) => { await hook.whenIdle(); return hook._testOnlyMaskDigest(); })).toBe(sha256(cut(median)));
    await page.keyboard.press('Control+s');
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-dirty', 'false');
    const dataset = (await callApi(server.url, 'datasets.list', {}))[0]!;
    const saved = await callApi(server.url, 'masks.current', { photoId: dunes.id, datasetId: dataset.id });
    expect(sha256((await decodeGray(saved!.png)).data)).toBe(sha256(cut(median)));
    await page.screenshot({ path: path.join(screenshots, 'detect-03-editor-threshold.png') });

    // Ctrl+D in the editor detects the open photo; the probability layer shows when it lands.
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('editor-position')).toHaveText('2 of 4');
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
    expect(await withHook(page, (hook) => hook.state.hasPrediction)).toBe(false);
    await page.keyboard.press('Control+d');
    await expect(page.locator('[data-testid="job"][data-state="done"]').filter({ hasText: 'Detect blur in 1 photo' })).toHaveCount(2);
    await expect.poll(() => withHook(page, (hook) => hook.state.hasPrediction && hook.state.predictionVisible)).toBe(true);
    await expect(page.locator('.editor-view .bar .badge')).toHaveAttribute('data-status', 'predicted');
    await page.screenshot({ path: path.join(screenshots, 'detect-04-editor-ctrl-d.png') });

    // Back in the viewer, then the grid: every photo without a mask or prediction.
    await page.keyboard.press('Escape');
    await expect(viewer).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(viewer).toBeHidden();
    const remaining = page.getByRole('button', { name: 'Detect all without mask (2)' });
    await expect(remaining).toBeEnabled();
    await remaining.click();
    await expect(page.locator('[data-testid="job"][data-state="done"]').filter({ hasText: 'without a mask' })).toHaveCount(1);
    await expect(grid.getByRole('option', { name: /, Predicted$/ })).toHaveCount(3);
    await expect(grid.getByRole('option', { name: 'dunes.jpg, Corrected' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Detect all without mask' })).toBeDisabled();
    await page.screenshot({ path: path.join(screenshots, 'detect-05-grid.png') });
    const statuses = (await callApi(server.url, 'library.query', { sort: 'path' })).photos.map((photo) => photo.status);
    expect(statuses).toEqual(['corrected', 'predicted', 'predicted', 'predicted']);
    expect(consoleErrors, 'no errors in the page console').toEqual([]);
  } finally {
    expect(await server.stop(), 'the server exits cleanly').toBe(0);
  }
});

test('a broken model file is named in the status bar and the failed job, and nothing is lost', async ({ page }) => {
  const badModel = path.join(MODELS, 'not-a-model.onnx');
  const server = await startStudioServer([
    '--db', path.join(workDir, 'bad-model.db'),
    '--library', path.join(workDir, 'library'),
    '--model', badModel,
    '--no-sample',
  ]);
  try {
    await page.goto(testPageUrl(server.url));
    await expect(page.getByTestId('result-count')).toHaveText('4 photos', { timeout: 60_000 });
    const status = await callApi(server.url, 'detect.status', {});
    expect(status.model).toBeNull();
    expect(status.error).toContain('not-a-model.onnx');
    const problem = page.getByTestId('model-status');
    await expect(problem).toContainText('No detection model');
    await expect(problem).toHaveAttribute('title', status.error!);

    // Detection is tried anyway (the file may have been fixed): the job fails and says why.
    const grid = page.getByRole('listbox', { name: 'Photo grid' });
    await grid.getByRole('option').nth(1).click();
    await page.keyboard.press('Control+d');
    await expect(page.locator('[data-testid="job"][data-state="failed"]')).toHaveCount(1);
    const notice = page.getByRole('alert').filter({ hasText: 'Detection failed' });
    await expect(notice).toContainText('not-a-model.onnx');
    await page.screenshot({ path: path.join(screenshots, 'detect-06-bad-model.png') });

    // Nothing was stored, and a mask can still be drawn and saved.
    const photos = (await callApi(server.url, 'library.query', { sort: 'path' })).photos;
    expect(photos.map((photo) => photo.status)).toEqual(['none', 'none', 'none', 'none']);
    await grid.focus();
    await page.keyboard.press('e');
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
    const box = await page.getByRole('application', { name: 'Mask canvas' }).boundingBox();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.mouse.down();
    await page.mouse.move(box!.x + box!.width / 2 + 80, box!.y + box!.height / 2 + 20, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.press('Control+s');
    await expect(page.locator('.mask-editor')).toHaveAttribute('data-dirty', 'false');
    const dataset = (await callApi(server.url, 'datasets.list', {}))[0]!;
    const versions = await callApi(server.url, 'masks.history', { photoId: photos[1]!.id, datasetId: dataset.id });
    expect(versions).toHaveLength(1);
    expect(versions[0]!.blurFraction).toBeGreaterThan(0);
  } finally {
    expect(await server.stop(), 'the server exits cleanly').toBe(0);
  }
});
