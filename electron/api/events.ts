/**
 * Events pushed from the core to every client (IPC: `studio:event`; HTTP: the WebSocket).
 * Names follow `service.onDidX`.
 */
import type { FinetuneProgress, Job, LibraryChange, ModelRecord } from './types';

export interface EventPayloads {
  'jobs.onDidChange': Job;
  'library.onDidChange': LibraryChange;
  /** A fine-tune's live state (phase, step, loss curve so far, validations, ETA), a few times a second. */
  'finetune.onDidProgress': FinetuneProgress;
  /** The model registry after a model was registered, activated or discarded. */
  'models.onDidChange': ModelRecord[];
}

export type EventName = keyof EventPayloads;

export interface StudioEvent<E extends EventName = EventName> {
  name: E;
  payload: EventPayloads[E];
}

export const EVENT_NAMES: readonly EventName[] = ['jobs.onDidChange', 'library.onDidChange', 'finetune.onDidProgress', 'models.onDidChange'];
