/**
 * The editor on a big photo (4800 x 3200).
 *
 * Its mask overlay: seen whole, the editor shows a reduced canvas (one pixel per 4 x 4
 * photo pixels) so that an undo of a long stroke repaints a sixteenth of the pixels; the
 * full canvas catches up while the browser is idle. Both must show the mask exactly: the
 * reduced one as the share of each 4 x 4 square that is on, the full one pixel for pixel,
 * through strokes, undo, redo, outline mode and a zoom to 100 %.
 *
 * Its whole-photo refine: seconds of work, run in slices with a progress bar, one undo
 * step in the end.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { applyStrokes, drag, recordedStrokes, recordStrokes, withHook } from './editorDriver';
import type { Point } from './editorDriver';
import { testPageUrl, writePhotos } from './studioApi';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

// 4800 px wide: the reduced overlay is level 2 (1200 x 800), see reducedLevel.
const WIDTH = 4800;
const HEIGHT = 3200;
const LEVEL = 2;

let workDir: string;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-big-photo-'));
  await writePhotos(path.join(workDir, 'library'), [{ relPath: 'big.jpg', width: WIDTH, height: HEIGHT }]);
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--library', path.join(workDir, 'library'), '--no-sample']);
});

test.afterAll(() => stopAndRemove(server, workDir));

interface Probe {
  shownLevel: number;
  hiddenPending: boolean;
  full: number[];
  reduced: number[] | null;
}

/** The overlay alphas at `points` once the canvas not on screen has caught up. */
async function settledProbe(page: Page, points: Point[]): Promise<Probe> {
  let probe: Probe | null = null;
  await expect
    .poll(async () => {
      probe = await withHook(page, async (hook, list) => {
        await hook.whenIdle();
        const editor = hook as unknown as { _testOnlyOverlay(points: Point[]): Probe | null };
        return editor._testOnlyOverlay(list);
      }, points);
      return probe?.hiddenPending;
    })
    .toBe(false);
  return probe!;
}

async function openTheEditor(page: Page): Promise<void> {
  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('1 photo', { timeout: 60_000 });
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  await grid.focus();
  await grid.press('Home');
  await grid.press('e');
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-ready', 'true');
}

/** What mask pixel (x, y) looks like on each canvas: `on(x, y)` says whether a photo pixel is drawn. */
function expectedAlphas(points: Point[], on: (x: number, y: number) => boolean): { full: number[]; reduced: number[] } {
  const scale = 2 ** LEVEL;
  return {
    full: points.map((p) => (on(p.x, p.y) ? 255 : 0)),
    reduced: points.map((p) => {
      const x0 = Math.floor(p.x / scale) * scale;
      const y0 = Math.floor(p.y / scale) * scale;
      let count = 0;
      for (let y = y0; y < y0 + scale; y++) for (let x = x0; x < x0 + scale; x++) if (on(x, y)) count++;
      return Math.round((255 * count) / (scale * scale));
    }),
  };
}

test('a big photo seen whole shows a reduced overlay that matches the mask, and the full one catches up', async ({ page }) => {
  await openTheEditor(page);

  await recordStrokes(page);
  await drag(page, [{ x: 400, y: 600 }, { x: 1800, y: 1500 }, { x: 3200, y: 900 }, { x: 4300, y: 2700 }]);
  const strokes = await recordedStrokes(page);
  const mask = applyStrokes(new Uint8Array(WIDTH * HEIGHT), WIDTH, HEIGHT, strokes);
  const isOn = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < WIDTH && y < HEIGHT && mask[y * WIDTH + x] === 255;

  // Points on the path, across its edges, and far from it.
  const points: Point[] = [];
  for (const stroke of strokes) {
    for (const [i, p] of stroke.points.entries()) {
      if (i % 4 !== 0) continue;
      for (const dy of [0, stroke.radius - 2, stroke.radius + 1]) points.push({ x: Math.round(p.x), y: Math.min(HEIGHT - 1, Math.round(p.y + dy)) });
    }
  }
  points.push({ x: 10, y: 3100 }, { x: 4700, y: 100 }, { x: 2400, y: 3150 });
  const painted = expectedAlphas(points, isOn);
  expect(painted.full.filter((alpha) => alpha === 255).length).toBeGreaterThan(20);
  expect(painted.reduced.some((alpha) => alpha > 0 && alpha < 255), 'some squares are partly covered').toBe(true);

  const view = await withHook(page, (hook) => hook.state.view.zoom);
  expect(view * 2 ** LEVEL).toBeLessThanOrEqual(1);
  let probe = await settledProbe(page, points);
  expect(probe.shownLevel).toBe(LEVEL);
  expect(probe.reduced).toEqual(painted.reduced);
  expect(probe.full).toEqual(painted.full);

  // Undo empties both canvases; redo brings the stroke back on both.
  await page.keyboard.press('Control+z');
  probe = await settledProbe(page, points);
  expect(probe.reduced!.every((alpha) => alpha === 0)).toBe(true);
  expect(probe.full.every((alpha) => alpha === 0)).toBe(true);
  await page.keyboard.press('Control+Shift+z');
  probe = await settledProbe(page, points);
  expect(probe.reduced).toEqual(painted.reduced);
  expect(probe.full).toEqual(painted.full);

  // Outline only: a pixel is drawn when a pixel within the outline thickness is off.
  await page.keyboard.press('Shift+O');
  const thickness = Math.min(16, Math.max(1, Math.round(1.5 / view)));
  const onOutline = (x: number, y: number): boolean => {
    if (!isOn(x, y)) return false;
    for (let v = y - thickness; v <= y + thickness; v++) for (let u = x - thickness; u <= x + thickness; u++) if (!isOn(u, v)) return true;
    return false;
  };
  const outlined = expectedAlphas(points, onOutline);
  expect(outlined.full.filter((alpha) => alpha === 255).length).toBeGreaterThan(5);
  probe = await settledProbe(page, points);
  expect(probe.reduced).toEqual(outlined.reduced);
  expect(probe.full).toEqual(outlined.full);
  await page.keyboard.press('Shift+O');

  // At 100 % the full canvas is on screen, already right.
  await page.keyboard.press('1');
  await expect.poll(() => withHook(page, (hook) => hook.state.view.zoom)).toBe(1);
  probe = await settledProbe(page, points);
  expect(probe.shownLevel).toBe(0);
  expect(probe.full).toEqual(painted.full);
  expect(probe.reduced).toEqual(painted.reduced);
});

test('refine all runs in slices with a progress bar and is one undo step', async ({ page }) => {
  await openTheEditor(page);
  // Refine needs the photo's grayscale: wait for the photo itself.
  await expect(page.locator('.mask-editor')).toHaveAttribute('data-photo-loaded', 'true');
  await drag(page, [{ x: 300, y: 500 }, { x: 2400, y: 2600 }, { x: 4500, y: 400 }]);
  const digest = () => withHook(page, async (hook) => {
    await hook.whenIdle();
    return hook._testOnlyMaskDigest();
  });
  const before = await digest();
  expect(await withHook(page, (hook) => hook.state.undoCount)).toBe(1);

  // Every frame while it runs, the page notes the progress the editor shows: a refine in
  // slices shows values between 0 and 1 over several frames, and the bar with them.
  await page.evaluate(() => {
    const scope = globalThis as unknown as {
      __studio: { editor: { state: { refineProgress: number | null } } };
      __refineFrames: { progress: number | null; bar: boolean }[];
      document: { querySelector(selector: string): unknown };
      requestAnimationFrame(callback: () => void): number;
    };
    scope.__refineFrames = [];
    const sample = () => {
      scope.__refineFrames.push({
        progress: scope.__studio.editor.state.refineProgress,
        bar: scope.document.querySelector('progress[aria-label="Refining the mask"]') !== null,
      });
      if (scope.__refineFrames.length < 20_000) scope.requestAnimationFrame(sample);
    };
    scope.requestAnimationFrame(sample);
  });
  await page.keyboard.press('Shift+R');
  await expect.poll(() => withHook(page, (hook) => hook.state.undoCount), { timeout: 120_000 }).toBe(2);
  await expect(page.getByRole('progressbar', { name: 'Refining the mask' })).toBeHidden();
  const frames = await page.evaluate(() => (globalThis as unknown as { __refineFrames: { progress: number | null; bar: boolean }[] }).__refineFrames);
  const during = frames.filter((frame) => frame.progress !== null && frame.progress > 0 && frame.progress < 1);
  expect(during.length, 'frames drawn while the refine ran').toBeGreaterThan(1);
  expect(during.every((frame) => frame.bar)).toBe(true);
  expect(frames.at(-1)!.progress).toBeNull();

  const after = await digest();
  expect(after).not.toBe(before);
  await page.keyboard.press('Control+z');
  expect(await digest()).toBe(before);
  await page.keyboard.press('Control+Shift+z');
  expect(await digest()).toBe(after);
});
