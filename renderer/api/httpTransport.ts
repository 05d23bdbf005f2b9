/**
 * The transport of browser mode: `POST /api/<method>` for calls, the `/api/events`
 * WebSocket for events (reconnecting with backoff), `/files/…` URLs for image bytes.
 *
 * The token comes from the page URL (`?token=`) and is then removed from the address bar,
 * so it does not linger in history or screenshots. It is kept in this tab's session
 * storage, which no other origin (no other port) can read, so that a reload still has it.
 * It never goes into a cookie (electron/api/browserAuth.ts): calls carry it as a header,
 * the socket as a subprotocol, and image URLs carry a signature made with it instead.
 */
import type { Transport } from '../../electron/api/client';
import { EVENTS_SUBPROTOCOL, EXPIRES_PARAM, SIGNATURE_PARAM, TOKEN_SUBPROTOCOL_PREFIX, resourceKey, signResource, signatureExpiry } from '../../electron/api/browserAuth';
import { decodeJson, encodeJson } from '../../electron/api/codec';
import { StudioError } from '../../electron/api/errors';
import type { StudioEvent } from '../../electron/api/events';
import { isEnvelope, unwrapEnvelope } from './envelope';

export interface HttpTransport extends Transport {
  /** Called with true when the event socket (re)connects and false when it drops. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export interface HttpTransportOptions {
  /** The server's origin, e.g. `http://127.0.0.1:5173`. */
  origin: string;
  token: string | null;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** Where the token is kept for reloads of this tab. */
const TOKEN_STORAGE_KEY = 'studio-token';

/**
 * Reads `?token=` from the page URL and removes it from the address bar; without one in
 * the URL, the token this tab kept from an earlier load.
 */
export function takeTokenFromAddressBar(location: Location, history: History, storage: Storage | null = null): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  }
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  storage?.setItem(TOKEN_STORAGE_KEY, token);
  return token;
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const { origin, token } = options;
  const signingKey = token === null ? null : resourceKey(token);
  const eventListeners = new Set<(event: StudioEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | null = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let everConnected = false;

  function notifyConnection(connected: boolean): void {
    for (const listener of connectionListeners) {
      listener(connected);
    }
  }

  function connect(): void {
    const url = new URL('/api/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const current = new WebSocket(url, token === null ? [EVENTS_SUBPROTOCOL] : [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`]);
    socket = current;
    current.onopen = () => {
      reconnectDelay = RECONNECT_MIN_MS;
      everConnected = true;
      notifyConnection(true);
    };
    current.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') {
        return;
      }
      const event = decodeJson(message.data) as StudioEvent;
      for (const listener of eventListeners) {
        listener(event);
      }
    };
    current.onclose = () => {
      if (socket !== current) {
        return;
      }
      socket = null;
      if (everConnected) {
        notifyConnection(false);
      }
      if (eventListeners.size > 0) {
        reconnectTimer = setTimeout(() => {
          reconnectTimer = null;
          connect();
        }, reconnectDelay);
        reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
      }
    };
  }

  function disconnect(): void {
    if (reconnectTimer !== null) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    const current = socket;
    socket = null;
    current?.close();
  }

  return {
    async call(method, input) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token !== null) {
        headers.Authorization = `Bearer ${token}`;
      }
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${method}`, origin), {
          method: 'POST',
          headers,
          body: encodeJson(input ?? {}),
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch (error) {
        throw new StudioError('unavailable', `The studio server is not reachable (${(error as Error).message})`);
      }
      const text = await response.text();
      let envelope: unknown;
      try {
        envelope = decodeJson(text);
      } catch {
        envelope = null;
      }
      if (!isEnvelope(envelope)) {
        throw new StudioError('internal', `Unexpected answer from the server (HTTP ${response.status})`);
      }
      return unwrapEnvelope(envelope);
    },

    subscribe(listener) {
      eventListeners.add(listener);
      if (socket === null && reconnectTimer === null) {
        connect();
      }
      return () => {
        eventListeners.delete(listener);
        if (eventListeners.size === 0) {
          disconnect();
        }
      };
    },

    resourceUrl(kind, id, params) {
      const url = new URL(`/files/${kind}/${id}`, origin);
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(params ?? {})) {
        values[key] = String(value);
        url.searchParams.set(key, values[key]);
      }
      if (signingKey !== null) {
        const expires = signatureExpiry(Date.now());
        url.searchParams.set(EXPIRES_PARAM, String(expires));
        url.searchParams.set(SIGNATURE_PARAM, signResource(signingKey, kind, id, values, expires));
      }
      return url.pathname + url.search;
    },

    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
