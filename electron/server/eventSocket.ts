/**
 * `GET /api/events` (WebSocket): every core event goes to every connected page as
 * `{name, payload}` JSON. The upgrade passes the same Host and Origin checks as any
 * request, and carries the token as a Bearer header or a subprotocol (security.ts:
 * socketCarriesToken); a refused upgrade gets a plain HTTP answer and the socket is closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { EVENTS_SUBPROTOCOL } from '../api/browserAuth';
import { encodeJson } from '../api/codec';
import type { StudioCore } from '../core/studioCore';

/** A page that stops reading is dropped rather than buffering without end. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const PING_INTERVAL_MS = 30_000;

export interface EventSocket {
  /** Takes over an authorised upgrade request. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/** Answers a refused upgrade with a bare HTTP status line and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}

export function createEventSocket(core: StudioCore): EventSocket {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // A page offers the token as a second subprotocol; the answer names only the first,
    // so the token is never echoed back.
    handleProtocols: (protocols) => (protocols.has(EVENTS_SUBPROTOCOL) ? EVENTS_SUBPROTOCOL : false),
  });
  const alive = new WeakMap<WebSocket, boolean>();

  const unsubscribe = core.onAny((name, payload) => {
    const message = encodeJson({ name, payload });
    for (const client of server.clients) {
      if (client.readyState !== client.OPEN) {
        continue;
      }
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
        client.terminate();
        continue;
      }
      client.send(message);
    }
  });

  // Pages only listen; pings find the ones whose network vanished without a close frame.
  const pinger = setInterval(() => {
    for (const client of server.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  server.on('connection', (client) => {
    alive.set(client, true);
    client.on('pong', () => alive.set(client, true));
    client.on('message', () => {
      // Events flow one way; anything a page sends is ignored.
    });
    client.on('error', () => client.terminate());
  });

  return {
    accept(request, socket, head) {
      server.handleUpgrade(request, socket, head, (client) => server.emit('connection', client, request));
    },
    close() {
      unsubscribe();
      clearInterval(pinger);
      for (const client of server.clients) {
        client.close(1001, 'server closing');
        client.terminate();
      }
      server.close();
    },
  };
}
