/**
 * Events pushed from the core to every client (IPC: `studio:event`; HTTP: the WebSocket).
 * Names follow `service.onDidX`.
 */
import type { Job, LibraryChange } from './types';

export interface EventPayloads {
  'jobs.onDidChange': Job;
  'library.onDidChange': LibraryChange;
}

export type EventName = keyof EventPayloads;

export interface StudioEvent<E extends EventName = EventName> {
  name: E;
  payload: EventPayloads[E];
}

export const EVENT_NAMES: readonly EventName[] = ['jobs.onDidChange', 'library.onDidChange'];
