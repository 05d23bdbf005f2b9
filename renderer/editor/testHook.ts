/**
 * `window.__studio.editor`, for end-to-end tests and debugging: the state, the history
 * size, render counters and the exact mask bytes. Only in dev builds and pages opened
 * with `?test=1` (as excalidraw exposes `window.h` only in test and dev).
 */
import type { EditorState } from './EditorState.svelte';
import type { RenderCounts } from './editorScene';
import type { HistoryStats } from './history';
import type { Point } from './rect';

export interface OverlayProbe {
  shownLevel: number;
  hiddenPending: boolean;
  full: number[];
  reduced: number[] | null;
}

export interface EditorTestHook {
  readonly state: EditorState;
  /** Compressed bytes the undo history holds. */
  readonly historySize: number;
  historyStats(): HistoryStats | null;
  /** Layer draws so far; a stroke should cost about one mask draw per frame. */
  readonly renders: Readonly<RenderCounts>;
  /** Overlay pixels repainted so far (a stroke repaints only its rectangles). */
  readonly paintedPixels: number;
  /** Frames drawn and the milliseconds spent editing, repainting the overlay and drawing layers. */
  readonly timings: Readonly<{ frames: number; editMs: number; overlayMs: number; drawMs: number; maxFrameMs: number }>;
  /** A copy of the mask bytes (photo size, 0/255), or null before a photo is loaded. */
  _testOnlyMaskBytes(): Uint8Array | null;
  /** SHA-256 (hex) of the mask bytes, cheap to bring out of the page. */
  _testOnlyMaskDigest(): Promise<string | null>;
  /**
   * The overlay canvases at photo points: the alpha of the full canvas and of the reduced
   * one (null when the photo has none), the level on screen (0 = full) and whether the
   * canvas not on screen still owes pixels.
   */
  _testOnlyOverlay(points: readonly Point[]): OverlayProbe | null;
  /** Where image point (x, y) is on the page (client pixels), for pointer scripts. */
  imageToClient(x: number, y: number): Point | null;
  /** Resolves once no frame is pending and no save is running. */
  whenIdle(): Promise<void>;
}

export function isTestBuild(): boolean {
  if (import.meta.env.DEV) return true;
  try {
    return new URLSearchParams(window.location.search).get('test') === '1';
  } catch {
    return false;
  }
}

/** Hex SHA-256 of bytes (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Installs the hook (test builds only); returns its removal. */
export function exposeEditor(hook: EditorTestHook): () => void {
  if (!isTestBuild()) return () => {};
  const host = window as unknown as { __studio?: unknown };
  // The app shell may already have put its own object there: add to it, don't replace it.
  if (typeof host.__studio !== 'object' || host.__studio === null) host.__studio = {};
  const studio = host.__studio as { editor?: EditorTestHook };
  studio.editor = hook;
  return () => {
    if (studio.editor === hook) delete studio.editor;
  };
}
