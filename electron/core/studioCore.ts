/**
 * What the transports (Electron IPC in main.ts, HTTP in server/) drive: one object that
 * answers every API method, pushes events and serves binary resources. `createCore()`
 * (createCore.ts) builds it; main, the server, the CLI and the tests all use it.
 */
import type { Subscription } from '../api/event';
import type { EventName, EventPayloads } from '../api/events';
import type { MethodName, MethodParsedInput, MethodResult } from '../api/methods';
import type { ResourceKind } from '../api/resources';

export interface Resource {
  bytes: Uint8Array;
  mimeType: string;
}

export type MethodHandlers = {
  [M in MethodName]: (input: MethodParsedInput<M>) => Promise<MethodResult<M>> | MethodResult<M>;
};

export interface StudioCore {
  /** Validates `input` with the method's schema, then runs the handler. Throws StudioError. */
  call<M extends MethodName>(method: M, input: unknown): Promise<MethodResult<M>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): Subscription;
  /** Every event, for transports that forward all of them. */
  onAny(listener: (name: EventName, payload: EventPayloads[EventName]) => void): Subscription;
  /**
   * Bytes of a photo / thumbnail / mask / prediction. Only photos under an open library
   * root are served (StudioError 'forbidden' / 'not-found' otherwise).
   */
  resource(kind: ResourceKind, id: number, params: Record<string, string>): Promise<Resource>;
  /** Waits for pending saves and jobs to settle, then closes the database. */
  close(): Promise<void>;
}
