/**
 * What the Electron preload exposes as `window.studio` (contextBridge). The renderer
 * prefers it when present; browser mode has no bridge and talks HTTP instead.
 */
import type { Envelope } from '../../electron/api/errors';
import type { StudioEvent } from '../../electron/api/events';
import type { MethodName } from '../../electron/api/methods';
import type { ResourceKind } from '../../electron/api/resources';
import type { PythonCheck } from '../../electron/api/types';

export interface StudioBridge {
  /** Calls a method; the answer is the envelope, never a thrown error (IPC cannot carry classes). */
  call(method: MethodName, input: unknown): Promise<Envelope<unknown>>;
  /** Receives every core event; returns the unsubscribe function. */
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** A `studio://` URL for photo, thumbnail, mask or prediction bytes. */
  resourceUrl(kind: ResourceKind, id: number, params?: Record<string, string | number>): string;
  /** Native menu commands (Edit > Undo, Model > Detect Blur…); returns the unsubscribe function. */
  onCommand?(listener: (command: MenuCommand) => void): () => void;
  /** Main asks before the window closes; `save` stores an open mask and resolves false if that failed. */
  onBeforeClose?(save: () => Promise<boolean>): () => void;
  /** The native file dialog for the Python of fine-tuning (the page never names the file); null when cancelled. */
  pickPython?(): Promise<PythonCheck | null>;
}

/** A native menu item the main process forwards to the page (electron/desktop/menuTemplate.ts). */
export interface MenuCommand {
  command: string;
  args?: unknown;
}

declare global {
  interface Window {
    /** Present in the desktop app only (electron/preload.ts). */
    studio?: StudioBridge;
    /** Present in development and test builds only (`?test=1`): the renderer's state. */
    __studio?: unknown;
  }
}
