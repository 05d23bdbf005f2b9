/**
 * The one client of the studio API. It knows nothing about the transport: the renderer
 * builds it over Electron IPC (window.studio) or over HTTP + WebSocket (browser mode),
 * the tests over HTTP, and all get the same typed `studio.call(...)`.
 */
import type { EventName, EventPayloads, StudioEvent } from './events';
import type { MethodInput, MethodName, MethodResult } from './methods';
import type { ResourceKind } from './resources';

/** What a transport must provide. */
export interface Transport {
  call(method: MethodName, input: unknown): Promise<unknown>;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** URL the renderer can put in <img src> / fetch for photo, thumbnail, mask… bytes. */
  resourceUrl(kind: ResourceKind, id: number, params?: Record<string, string | number>): string;
}

export interface StudioClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void;
  resourceUrl: Transport['resourceUrl'];
}

export function createClient(transport: Transport): StudioClient {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let unsubscribe: (() => void) | null = null;

  function ensureSubscribed(): void {
    if (unsubscribe) {
      return;
    }
    unsubscribe = transport.subscribe((event) => {
      for (const listener of listeners.get(event.name) ?? []) {
        (listener as (payload: unknown) => void)(event.payload);
      }
    });
  }

  return {
    call: <M extends MethodName>(method: M, input: MethodInput<M>) =>
      transport.call(method, input) as Promise<MethodResult<M>>,
    on(name, listener) {
      ensureSubscribed();
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as (payload: never) => void);
      return () => {
        set.delete(listener as (payload: never) => void);
      };
    },
    resourceUrl: (kind, id, params) => transport.resourceUrl(kind, id, params),
  };
}
