/**
 * Drives the mask editor from Playwright, shared by the E2E specs and the editor
 * benchmark: its test hook (`window.__studio.editor`, on with ?test=1), pointer strokes
 * in image coordinates, and the mask those strokes must leave, computed from their
 * geometry alone so that the editor's own rasteriser is checked, not reused.
 */
import type { Page } from '@playwright/test';

export interface Point {
  x: number;
  y: number;
}

/** One left-button stroke as the page recorded it, in image coordinates. */
export interface RecordedStroke {
  points: Point[];
  radius: number;
  erase: boolean;
}

/** The part of the editor's test hook the tests and the benchmark use. */
export interface EditorHook {
  state: {
    view: { zoom: number; x: number; y: number };
    brushRadius: number;
    brushSize: number;
    erase: boolean;
    dirty: boolean;
    undoCount: number;
    redoCount: number;
    ready: boolean;
    refineProgress: number | null;
  };
  historyStats(): { byteSize: number; undoCount: number } | null;
  timings: { frames: number; editMs: number; overlayMs: number; drawMs: number; maxFrameMs: number };
  imageToClient(x: number, y: number): Point | null;
  whenIdle(): Promise<void>;
  _testOnlyMaskDigest(): Promise<string | null>;
}

/** Runs `fn` in the page on the editor's test hook (fetched afresh: a new editor makes a new hook). */
export async function withHook<R, A = undefined>(page: Page, fn: (hook: EditorHook, arg: A) => R | Promise<R>, arg?: A): Promise<R> {
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
export async function recordStrokes(page: Page): Promise<void> {
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

/** The strokes `recordStrokes` saw so far. */
export async function recordedStrokes(page: Page): Promise<RecordedStroke[]> {
  return page.evaluate(() => (globalThis as unknown as { __strokes: RecordedStroke[] }).__strokes);
}

/** Drags the mouse through image points (a polyline) with the left button down, `steps` moves per leg. */
export async function drag(page: Page, points: Point[], steps = 14): Promise<void> {
  const client = await withHook(page, (hook, list) => list.map((point) => hook.imageToClient(point.x, point.y)), points);
  const first = client[0]!;
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const point of client.slice(1)) await page.mouse.move(point!.x, point!.y, { steps });
  await page.mouse.up();
  await withHook(page, (hook) => hook.whenIdle());
}

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 > 0 ? Math.min(1, Math.max(0, ((px - a.x) * dx + (py - a.y) * dy) / length2)) : 0;
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

/**
 * `base` (width x height, 0/255) after the strokes, from their geometry alone: a pixel is
 * reached when its centre lies within the radius of the stroke's path (its first sample
 * is a dab, then one segment per sample); paint sets it to 255, erase to 0, in order.
 */
export function applyStrokes(base: Uint8Array, width: number, height: number, strokes: readonly RecordedStroke[]): Uint8Array {
  const mask = Uint8Array.from(base);
  for (const { points, radius, erase } of strokes) {
    const value = erase ? 0 : 255;
    for (let i = 0; i < points.length; i++) {
      const a = points[Math.max(0, i - 1)]!;
      const b = points[i]!;
      const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - radius - 1));
      const x1 = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + radius + 1));
      const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - radius - 1));
      const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + radius + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          if (distanceToSegment(x + 0.5, y + 0.5, a, b) <= radius) mask[y * width + x] = value;
        }
      }
    }
  }
  return mask;
}
