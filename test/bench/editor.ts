/**
 * Mask editor benchmark: `npm run bench -- editor [--seconds N] [--strokes N] [--brush PX] [--keep]`.
 *
 * The real studio in browser mode (`serve` in its own process with the tiny fixture model,
 * the built renderer in Debian's Chromium through Playwright) on one 24 MP photo (6000 x
 * 4000 JPEG made with sharp), opened in the editor from the grid:
 *
 * 1. A scripted brush stroke of `--seconds` (5) across the photo, a pointer move every
 *    8 ms. The page records requestAnimationFrame timestamps during the stroke: frame time
 *    = the gap between consecutive frames (p50 / p95 / p99 / max). The mask must then
 *    equal, byte for byte, the raster computed here from the stroke's geometry (every
 *    pixel whose centre is within the brush radius of the pointer's path, the path being
 *    every sample the page received, in image coordinates).
 * 2. Undo of that stroke: key press to the frame that shows it (and the mask must be
 *    empty again), then redo.
 * 3. Save of the 24 MP mask through masks.save: Ctrl+S to the save's completion (PNG
 *    encode in the page, HTTP, the core's checks, one SQLite transaction), with the
 *    server's share from the request's Resource Timing; the stored PNG, decoded with
 *    sharp, must equal the expected pixels.
 * 4. 200 more strokes (`--strokes`), then the JS heap (CDP Runtime.getHeapUsage, before
 *    and after a forced GC) and the undo history's compressed size.
 *
 * Writes every figure to bench-results/editor.json, `p95_frame_ms` at the top level.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { arch, cpus, platform, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import type { MethodInput, MethodName, MethodResult } from '../../electron/api/methods';
import { packageRoot } from '../../electron/core/createCore';
import buildRendererIfStale from '../e2e/globalSetup';
import { nearestRankPercentile, round, seededRandom } from './support/benchMath';
import { applyStrokes, recordedStrokes, recordStrokes, withHook } from '../e2e/editorDriver';
import type { Point, RecordedStroke } from '../e2e/editorDriver';
import { callApi, testPageUrl } from '../e2e/studioApi';
import { startStudioServer } from '../e2e/studioServer';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    strokes: { type: 'string', default: '200' },
    brush: { type: 'string', default: '160' },
    keep: { type: 'boolean', default: false },
  },
});
const strokeSeconds = Number(values.seconds);
const extraStrokes = Number(values.strokes);
const brushSize = Number(values.brush);
if (!(strokeSeconds > 0) || !Number.isInteger(extraStrokes) || extraStrokes < 0 || !(brushSize >= 1)) {
  console.error('usage: npm run bench -- editor [--seconds N] [--strokes N] [--brush PX] [--keep]');
  process.exit(2);
}

const WIDTH = 6000;
const HEIGHT = 4000;
const MOVE_INTERVAL_MS = 8;

/** A 24 MP photo with structure: shapes over a background blurred as if out of focus. */
async function makePhoto(file: string): Promise<void> {
  const next = seededRandom(24);
  const shapes = Array.from({ length: 40 }, () => {
    const r = Math.round(120 + next() * 600);
    return `<circle cx="${Math.round(next() * WIDTH)}" cy="${Math.round(next() * HEIGHT)}" r="${r}" fill="hsl(${Math.round(next() * 360)},55%,${30 + Math.round(next() * 40)}%)"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="100%" height="100%" fill="#4a5a6a"/>${shapes}</svg>`;
  const background = await sharp(Buffer.from(svg)).blur(24).png().toBuffer();
  const subject = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="1800"><rect x="10" y="10" width="1780" height="1780" rx="200" fill="#d95f3a" stroke="#111" stroke-width="20"/>` +
      Array.from({ length: 12 }, (_, i) => `<line x1="${140 * (i + 1)}" y1="40" x2="${140 * (i + 1)}" y2="1760" stroke="#f4f4f4" stroke-width="10"/>`).join('') +
      '</svg>',
  );
  const pixels = await sharp(background).composite([{ input: subject, left: 3400, top: 1100 }]).png().toBuffer();
  await writeFile(file, await sharp(pixels).jpeg({ quality: 90 }).toBuffer());
}

/** The mask the strokes must leave on an empty 24 MP mask (geometry only, see applyStrokes). */
function expectedMask(strokes: readonly RecordedStroke[]): Uint8Array {
  return applyStrokes(new Uint8Array(WIDTH * HEIGHT), WIDTH, HEIGHT, strokes);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Installs the page-side recorders: stroke samples in image coordinates (the E2E driver's), and rAF timestamps. */
async function installRecorders(page: Page): Promise<void> {
  // tsx compiles with esbuild's keepNames, which wraps named functions in a __name() helper
  // that the page does not have: give it one (a string is evaluated as it is).
  await page.evaluate('globalThis.__name ??= (target) => target');
  await recordStrokes(page);
  await page.evaluate(() => {
    const scope = globalThis as unknown as {
      requestAnimationFrame(callback: (time: number) => void): number;
      __bench: { frames: number[]; recording: boolean; startFrames(): void; stopFrames(): number[] };
    };
    const bench = {
      frames: [] as number[],
      recording: false,
      startFrames(): void {
        bench.frames = [];
        bench.recording = true;
        const tick = (time: number): void => {
          if (!bench.recording) return;
          bench.frames.push(time);
          scope.requestAnimationFrame(tick);
        };
        scope.requestAnimationFrame(tick);
      },
      stopFrames(): number[] {
        bench.recording = false;
        return bench.frames;
      },
    };
    scope.__bench = bench;
  });
}

/** Presses a key by dispatching it in the page and times it to the next painted frame (and the end of any save). */
async function timedKey(page: Page, key: string, modifiers: { ctrlKey?: boolean; shiftKey?: boolean }): Promise<{ syncMs: number; totalMs: number }> {
  return withHook(
    page,
    async (hook, arg) => {
      const { key: name, modifiers: mods } = arg as { key: string; modifiers: { ctrlKey?: boolean; shiftKey?: boolean } };
      const scope = globalThis as unknown as {
        dispatchEvent(event: unknown): boolean;
        KeyboardEvent: new (type: string, init: Record<string, unknown>) => unknown;
        performance: { now(): number };
      };
      const start = scope.performance.now();
      scope.dispatchEvent(new scope.KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true, ...mods }));
      const sync = scope.performance.now();
      await hook.whenIdle();
      return { syncMs: sync - start, totalMs: scope.performance.now() - start };
    },
    { key, modifiers },
  );
}

async function main(): Promise<void> {
  const root = packageRoot();
  buildRendererIfStale();
  const work = await mkdtemp(path.join(tmpdir(), 'bench-editor-'));
  const library = path.join(work, 'library');
  await mkdir(library);
  const photoFile = path.join(library, 'big-24mp.jpg');
  let started = performance.now();
  await makePhoto(photoFile);
  console.log(`generated a ${WIDTH}x${HEIGHT} JPEG in ${round((performance.now() - started) / 1000, 1)} s`);

  // The browser mode as users run it: the server (core + HTTP) in its own process.
  const server = await startStudioServer([
    '--db', path.join(work, 'studio.db'),
    '--library', library,
    '--model', path.join(root, 'test/fixtures/models/tiny-defusionnet.onnx'),
    '--no-sample',
  ]);
  const api = <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>> => callApi(server.url, method, input);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const cdp = await page.context().newCDPSession(page);
    await page.goto(testPageUrl(server.url));
    // Frame times are differences of rAF timestamps, whose grain is 5 us in a cross-origin
    // isolated page and 100 us otherwise (then one 60 Hz frame reads as 16.6 to 16.8 ms).
    const isolated = (await page.evaluate('crossOriginIsolated')) === true;
    const grid = page.getByRole('listbox', { name: 'Photo grid' });
    await grid.getByRole('option').first().waitFor({ timeout: 120_000 });
    const photo = (await api('library.query', {})).photos[0];
    if (!photo || photo.width !== WIDTH || photo.height !== HEIGHT) throw new Error('the 24 MP photo was not scanned');
    started = performance.now();
    await grid.focus();
    await grid.press('e');
    await page.locator('.mask-editor[data-ready="true"]').waitFor({ timeout: 120_000 });
    await withHook(page, (hook) => hook.whenIdle());
    const openMs = performance.now() - started;
    // The photo itself may still be decoding: let it land before anything is timed.
    await page.waitForTimeout(2000);
    await withHook(page, (hook, size) => {
      hook.state.brushSize = size as number;
    }, brushSize);
    await installRecorders(page);
    const view = await withHook(page, (hook) => ({ ...hook.state.view }));
    console.log(`editor open in ${round(openMs)} ms; view zoom ${round(view.zoom, 4)}; brush ${brushSize} px`);

    // 1. The 5-second stroke.
    const path5s = (t: number): Point => ({
      x: 300 + (WIDTH - 600) * t,
      y: HEIGHT / 2 + HEIGHT * 0.3 * Math.sin(t * Math.PI * 6),
    });
    const toClient = async (point: Point): Promise<Point> => {
      const client = await withHook(page, (hook, p) => hook.imageToClient((p as Point).x, (p as Point).y), point);
      if (!client) throw new Error('no client point');
      return client;
    };
    // Image → client is linear: two points give it, so the loop does no page round trip.
    const origin = await toClient({ x: 0, y: 0 });
    const unit = await toClient({ x: 1000, y: 1000 });
    const scale = (unit.x - origin.x) / 1000;
    const clientOf = (point: Point): Point => ({ x: origin.x + point.x * scale, y: origin.y + point.y * scale });
    const timingsBefore = await withHook(page, (hook) => ({ ...hook.timings }));
    await page.evaluate(() => (globalThis as unknown as { __bench: { startFrames(): void } }).__bench.startFrames());
    const first = clientOf(path5s(0));
    await page.mouse.move(first.x, first.y);
    await page.mouse.down();
    // Moves go straight to CDP without waiting for each answer (a round trip per move
    // would pace the pointer by the machine's load, not by the clock); CDP keeps their order.
    const strokeStart = performance.now();
    const sent: Promise<unknown>[] = [];
    let moves = 0;
    const moveTo = (point: Point): void => {
      sent.push(cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: point.x, y: point.y, button: 'left', buttons: 1 }));
      moves++;
    };
    for (;;) {
      const elapsed = performance.now() - strokeStart;
      if (elapsed >= strokeSeconds * 1000) break;
      moveTo(clientOf(path5s(elapsed / (strokeSeconds * 1000))));
      const wait = MOVE_INTERVAL_MS * moves - (performance.now() - strokeStart);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    }
    const last = clientOf(path5s(1));
    moveTo(last);
    await Promise.all(sent);
    const strokeMs = performance.now() - strokeStart;
    await page.mouse.move(last.x, last.y);
    await page.mouse.up();
    await withHook(page, (hook) => hook.whenIdle());
    const frameStamps = await page.evaluate(() => (globalThis as unknown as { __bench: { stopFrames(): number[] } }).__bench.stopFrames());
    const timingsAfter = await withHook(page, (hook) => ({ ...hook.timings }));
    const gaps = frameStamps.slice(1).map((time, i) => time - frameStamps[i]!).sort((a, b) => a - b);
    const editorFrames = timingsAfter.frames - timingsBefore.frames;
    const frames = {
      what: 'gaps between consecutive requestAnimationFrame timestamps in the page while the stroke was drawn',
      count: gaps.length,
      p50Ms: round(nearestRankPercentile(gaps, 50)),
      p95Ms: round(nearestRankPercentile(gaps, 95)),
      p99Ms: round(nearestRankPercentile(gaps, 99)),
      maxMs: round(gaps[gaps.length - 1] ?? NaN),
      over16_7Ms: gaps.filter((gap) => gap > 16.7).length,
      over33Ms: gaps.filter((gap) => gap > 33.4).length,
      editorWork: {
        what: "the editor's own work per frame (test hook timings): mask edit, overlay repaint, Konva draw",
        frames: editorFrames,
        editMsPerFrame: round((timingsAfter.editMs - timingsBefore.editMs) / Math.max(1, editorFrames), 3),
        overlayMsPerFrame: round((timingsAfter.overlayMs - timingsBefore.overlayMs) / Math.max(1, editorFrames), 3),
        drawMsPerFrame: round((timingsAfter.drawMs - timingsBefore.drawMs) / Math.max(1, editorFrames), 3),
        // The hook keeps one maximum since the editor opened (the first frames load the photo).
        maxFrameWorkMsSinceOpen: round(timingsAfter.maxFrameMs, 2),
      },
    };
    console.log(`stroke: ${moves} moves in ${round(strokeMs / 1000, 2)} s; frame gaps p50 ${frames.p50Ms} ms, p95 ${frames.p95Ms} ms, max ${frames.maxMs} ms`);

    const strokes = await recordedStrokes(page);
    if (strokes.length !== 1) throw new Error(`expected one stroke, recorded ${strokes.length}`);
    started = performance.now();
    const expected = expectedMask(strokes);
    const expectedMs = performance.now() - started;
    const expectedDigest = sha256(expected);
    let blurred = 0;
    for (const value of expected) if (value === 255) blurred++;
    const strokeDigest = await withHook(page, (hook) => hook._testOnlyMaskDigest());
    const strokeMatches = strokeDigest === expectedDigest;
    console.log(`stroke mask ${strokeMatches ? 'equals' : 'DIFFERS FROM'} the expected raster (${strokes[0]!.points.length} samples, ${blurred} px blurred; reference computed in ${round(expectedMs)} ms)`);

    // 2. Undo (after the idle commit compressed the stroke into the history), then redo.
    await page.waitForTimeout(800);
    const beforeUndo = await withHook(page, (hook) => ({ ...hook.timings }));
    const undo = await timedKey(page, 'z', { ctrlKey: true });
    const afterUndo = await withHook(page, (hook) => ({ ...hook.timings }));
    const undoFrame = {
      frames: afterUndo.frames - beforeUndo.frames,
      overlayMs: round(afterUndo.overlayMs - beforeUndo.overlayMs),
      drawMs: round(afterUndo.drawMs - beforeUndo.drawMs),
    };
    const emptyDigest = sha256(new Uint8Array(WIDTH * HEIGHT));
    const undoEmpties = (await withHook(page, (hook) => hook._testOnlyMaskDigest())) === emptyDigest;
    const redo = await timedKey(page, 'z', { ctrlKey: true, shiftKey: true });
    const redoRestores = (await withHook(page, (hook) => hook._testOnlyMaskDigest())) === expectedDigest;
    console.log(`undo ${round(undo.totalMs)} ms (handler ${round(undo.syncMs)} ms, overlay ${undoFrame.overlayMs} ms, draw ${undoFrame.drawMs} ms), redo ${round(redo.totalMs)} ms`);

    // 3. Save through masks.save, and read the stored PNG back.
    const save = await timedKey(page, 's', { ctrlKey: true });
    // The request's own timing in the page: when it left (the PNG encoded, the body
    // built) and how long the server took to answer (the core's check and transaction).
    const request = await page.evaluate(() => {
      const scope = globalThis as unknown as { performance: { getEntriesByType(type: string): { name: string; startTime: number; requestStart: number; responseStart: number; responseEnd: number }[]; now(): number } };
      const entry = scope.performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/masks.save')).pop();
      return entry ? { startTime: entry.startTime, requestStart: entry.requestStart, responseStart: entry.responseStart, responseEnd: entry.responseEnd } : null;
    });
    const serverMs = request ? request.responseStart - request.requestStart : NaN;
    const dirtyAfterSave = await withHook(page, (hook) => hook.state.dirty);
    const dataset = (await api('datasets.list', {}))[0];
    if (!dataset) throw new Error('the save made no dataset');
    const stored = await api('masks.current', { photoId: photo.id, datasetId: dataset.id });
    const { data: storedPixels, info } = await sharp(stored!.png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const storedMatches = info.width === WIDTH && info.height === HEIGHT && sha256(new Uint8Array(storedPixels)) === expectedDigest;
    console.log(`save ${round(save.totalMs)} ms (server ${round(serverMs)} ms, PNG ${round(stored!.png.byteLength / 1024, 1)} KB); stored mask ${storedMatches ? 'equals' : 'DIFFERS FROM'} the expected raster`);

    // 4. 200 more strokes, then the heap.
    const next = seededRandom(200);
    const heapBefore = await cdp.send('Runtime.getHeapUsage');
    started = performance.now();
    for (let i = 0; i < extraStrokes; i++) {
      const a = { x: 200 + next() * (WIDTH - 400), y: 200 + next() * (HEIGHT - 400) };
      const b = { x: Math.min(WIDTH - 1, Math.max(0, a.x + (next() - 0.5) * 1600)), y: Math.min(HEIGHT - 1, Math.max(0, a.y + (next() - 0.5) * 1600)) };
      const from = clientOf(a);
      const to = clientOf(b);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 8 });
      await page.mouse.up();
    }
    await page.waitForTimeout(1000);
    await withHook(page, (hook) => hook.whenIdle());
    const strokesSeconds = (performance.now() - started) / 1000;
    const heapAfter = await cdp.send('Runtime.getHeapUsage');
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const heapAfterGc = await cdp.send('Runtime.getHeapUsage');
    const history = await withHook(page, (hook) => hook.historyStats());
    const undoCount = await withHook(page, (hook) => hook.state.undoCount);
    const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);
    const heap = {
      what: 'CDP Runtime.getHeapUsage of the page (JS heap; the overlay canvases live outside it)',
      beforeStrokesUsedMB: mb(heapBefore.usedSize),
      afterStrokesUsedMB: mb(heapAfter.usedSize),
      afterStrokesTotalMB: mb(heapAfter.totalSize),
      afterGcUsedMB: mb(heapAfterGc.usedSize),
      afterGcTotalMB: mb(heapAfterGc.totalSize),
      strokes: extraStrokes,
      strokesSeconds: round(strokesSeconds, 1),
      undoSteps: undoCount,
      historyCompressedMB: history ? round(history.byteSize / 1024 / 1024, 2) : null,
    };
    console.log(`heap after ${extraStrokes} strokes: ${heap.afterStrokesUsedMB} MB used (${heap.afterGcUsedMB} MB after GC); history ${heap.historyCompressedMB} MB in ${undoCount} steps`);
    if (pageErrors.length > 0) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);

    const cpuList = cpus();
    const results = {
      benchmark: 'editor',
      date: new Date().toISOString(),
      p95_frame_ms: frames.p95Ms,
      targets: { p95FrameMs: 16.7, undoMs: 50, saveMs: 300, heapMB: 1536 },
      machine: {
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model ?? 'unknown',
        node: process.version,
        platform: platform(),
        arch: arch(),
        totalMemoryGB: round(totalmem() / 1e9, 1),
        browser: `Chromium ${browser.version()} (headless, software rendering: --disable-gpu)`,
        pageCrossOriginIsolated: isolated,
        timerGrainMs: isolated ? 0.005 : 0.1,
        viewport: '1440x900',
      },
      photo: { width: WIDTH, height: HEIGHT, megapixels: (WIDTH * HEIGHT) / 1e6, jpegKB: null as number | null },
      open: { what: 'E in the grid to an editable (empty) mask; the photo may still be decoding', ms: round(openMs), zoom: round(view.zoom, 4) },
      stroke: {
        seconds: strokeSeconds,
        moveIntervalMs: MOVE_INTERVAL_MS,
        pointerMoves: moves,
        strokeMs: round(strokeMs),
        samplesReceived: strokes[0]!.points.length,
        brushDiameterPx: brushSize,
        blurredPixels: blurred,
        maskEqualsExpected: strokeMatches,
        frames,
      },
      undo: { what: 'Ctrl+Z to the end of the frame that shows it', ms: round(undo.totalMs), handlerMs: round(undo.syncMs), frame: undoFrame, maskEmptyAfterUndo: undoEmpties, redoMs: round(redo.totalMs), maskRestoredByRedo: redoRestores },
      save: {
        what: 'Ctrl+S to the end of the save: PNG encode in the page, masks.save over HTTP (base64 JSON), PNG check and blur fraction in the core, one SQLite transaction',
        ms: round(save.totalMs),
        serverMs: round(serverMs),
        serverWhat: 'request sent to first byte of the answer (Resource Timing): body parsing, the PNG check, blur fraction, the SQLite transaction',
        pngKB: round(stored!.png.byteLength / 1024, 1),
        storedMaskEqualsExpected: storedMatches,
        dirtyAfterSave,
      },
      heap,
    };
    results.photo.jpegKB = round((await stat(photoFile)).size / 1024, 1);
    const out = path.join(root, 'bench-results', 'editor.json');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, out)}`);
    if (!strokeMatches || !storedMatches || !undoEmpties || !redoRestores) {
      process.exitCode = 1;
      console.error('a mask check failed (see above)');
    }
  } finally {
    await browser.close();
    await server.stop();
    if (!values.keep) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
