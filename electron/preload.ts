/**
 * The preload (sandboxed, context-isolated): exposes exactly one object, `window.studio`,
 * the transport the renderer's API client runs over. No Node or Electron object crosses
 * the bridge; only these functions and plain data.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { Envelope } from './api/errors';
import type { StudioEvent } from './api/events';
import type { PythonCheck } from './api/types';
import { desktopResourceUrl } from './api/resources';
import type { ResourceKind } from './api/resources';

/** Menu commands the main process sends to the page (File > Open…, Edit > Undo…). */
export interface MenuCommand {
  command: string;
  args?: unknown;
}

const studio = {
  call(method: string, input: unknown): Promise<Envelope<unknown>> {
    return ipcRenderer.invoke('studio:call', method, input) as Promise<Envelope<unknown>>;
  },
  subscribe(listener: (event: StudioEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: StudioEvent) => listener(payload);
    ipcRenderer.on('studio:event', handler);
    return () => {
      ipcRenderer.removeListener('studio:event', handler);
    };
  },
  onCommand(listener: (command: MenuCommand) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: MenuCommand) => listener(payload);
    ipcRenderer.on('studio:command', handler);
    return () => {
      ipcRenderer.removeListener('studio:command', handler);
    };
  },
  /**
   * Before the window closes, main asks the page to save what it holds (an open mask);
   * `save` resolves true when saved or nothing needed it.
   */
  onBeforeClose(save: () => Promise<boolean>): () => void {
    const handler = (_event: IpcRendererEvent, requestId: number) => {
      save().then(
        (saved) => ipcRenderer.send('studio:close-answer', requestId, saved),
        () => ipcRenderer.send('studio:close-answer', requestId, false),
      );
    };
    ipcRenderer.on('studio:before-close', handler);
    return () => {
      ipcRenderer.removeListener('studio:before-close', handler);
    };
  },
  /** Same origin as the page (`studio://app/files/…`), so the CSP stays 'self' and canvases stay readable. */
  resourceUrl(kind: ResourceKind, id: number, params?: Record<string, string | number>): string {
    return desktopResourceUrl(kind, id, params);
  },
  /** Native folder picker (browser mode types a path instead). */
  pickFolders(): Promise<string[]> {
    return ipcRenderer.invoke('studio:pickFolders') as Promise<string[]>;
  },
  /** Native file dialog for the Python of fine-tuning; the page never names the file. Null when cancelled. */
  pickPython(): Promise<PythonCheck | null> {
    return ipcRenderer.invoke('studio:pickPython') as Promise<PythonCheck | null>;
  },
  platform: process.platform,
};

export type StudioBridge = typeof studio;

contextBridge.exposeInMainWorld('studio', studio);
