/**
 * Browser mode: the studio API over HTTP + WebSocket on the loopback interface, plus the
 * built renderer, so that Chromium (and the E2E tests) drive the very same core the
 * desktop app drives.
 *
 * Every request passes the Host, Origin and Sec-Fetch-Site checks before any route. The
 * API and the event socket then need the per-run token, resources the token or a URL
 * signed with it; the renderer's own files need neither (security.ts says why).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudioCore } from '../core/studioCore';
import { createEventSocket, refuseUpgrade } from './eventSocket';
import { handleMethod } from './methodRoute';
import { InFlightLimit } from './requestLimits';
import { handleResource } from './resourceRoute';
import { send, sendError, sendText } from './responses';
import { checkHostAndOrigin, contentSecurityPolicy, createToken, hasBearerToken, serverResourceKey, socketCarriesToken } from './security';
import { readStaticFile } from './staticFiles';

/** Where Vite puts the renderer (`vite build`), relative to this file. */
export const DEFAULT_RENDERER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/renderer');

export interface ServerOptions {
  core: StudioCore;
  /** 0 picks a free port. */
  port?: number;
  /** Only '127.0.0.1' is accepted: the studio is never reachable from the network. */
  host?: string;
  /** Defaults to a fresh random token. */
  token?: string;
  /** The built renderer; defaults to `dist/renderer`. */
  rendererDir?: string;
  /** Requests in flight and their body bytes; default requestLimits.ts's. */
  inFlight?: InFlightLimit;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT/` (without the token). */
  url: string;
  port: number;
  token: string;
  /** Stops listening and drops every connection; the core stays open (its owner closes it). */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** Parses the request target; only origin-form targets (`/path?query`) are accepted. */
function requestUrl(request: IncomingMessage): URL | null {
  const target = request.url ?? '';
  if (!target.startsWith('/')) {
    return null;
  }
  try {
    // Prefixing (instead of resolving against a base) keeps `//host/x` a path, not a host.
    return new URL(`http://${LOOPBACK}${target}`);
  } catch {
    return null;
  }
}

function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

export const UNAUTHORISED_MESSAGE = 'Missing or wrong token: open the URL the studio printed (it ends in ?token=…)';

function refuseUnauthorised(response: ServerResponse, api: boolean): void {
  response.setHeader('WWW-Authenticate', 'Bearer');
  if (api) {
    sendError(response, { code: 'forbidden', message: UNAUTHORISED_MESSAGE }, 401);
  } else {
    sendText(response, 401, UNAUTHORISED_MESSAGE);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) {
    throw new Error(`The studio server binds ${LOOPBACK} only (got '${host}')`);
  }
  const { core } = options;
  const token = options.token ?? createToken();
  if (token.length < 16) {
    throw new Error('The server token must be at least 16 characters');
  }
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const events = createEventSocket(core);
  const resourceKey = serverResourceKey(token);
  const inFlight = options.inFlight ?? new InFlightLimit();
  let port = 0;

  async function serveStatic(url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendText(response, 405, 'Method not allowed');
      return;
    }
    const result = await readStaticFile(rendererDir, url.pathname);
    if (result.kind === 'forbidden') {
      sendText(response, 403, 'Forbidden path');
      return;
    }
    if (result.kind === 'not-found') {
      if (url.pathname === '/') {
        sendText(response, 503, `The renderer is not built (no index.html in ${rendererDir}): run 'npm run build:renderer'`);
      } else {
        sendText(response, 404, 'Not found');
      }
      return;
    }
    const { file } = result;
    const headers: Record<string, string> = {
      'Content-Type': file.mimeType,
      'Cache-Control': file.isPage ? 'no-store' : file.immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    };
    if (file.isPage) {
      headers['Content-Security-Policy'] = contentSecurityPolicy(port);
    }
    send(response, 200, request.method === 'HEAD' ? new Uint8Array(0) : file.bytes, headers);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    if (!url) {
      sendText(response, 400, 'Bad request target');
      return;
    }
    const api = isApiPath(url.pathname);
    const refusal = checkHostAndOrigin(request, port);
    if (refusal) {
      if (api) {
        sendError(response, { code: 'forbidden', message: refusal }, 403);
      } else {
        sendText(response, 403, refusal);
      }
      return;
    }
    const segments = url.pathname.split('/').slice(1);
    if (api) {
      if (!hasBearerToken(request, token)) {
        refuseUnauthorised(response, true);
        return;
      }
      if (segments[1] === 'events') {
        sendError(response, { code: 'invalid-input', message: 'Events are read over a WebSocket' }, 426);
        return;
      }
      if (segments.length !== 2 || !segments[1]) {
        sendError(response, { code: 'not-found', message: 'Unknown API path' });
        return;
      }
      await handleMethod(core, segments[1], request, response, inFlight);
      return;
    }
    if (segments[0] === 'files') {
      // The first credential offered decides: a wrong header is not rescued by a signature.
      const bearer = request.headers.authorization !== undefined;
      if (bearer && !hasBearerToken(request, token)) {
        refuseUnauthorised(response, false);
        return;
      }
      const leave = inFlight.tryEnter(0);
      if (leave === null) {
        response.setHeader('Retry-After', '1');
        sendText(response, 503, 'The studio is busy: too many requests at once; try again');
        return;
      }
      response.once('close', leave);
      await handleResource(core, segments.slice(1), url, request, response, bearer ? null : resourceKey);
      return;
    }
    await serveStatic(url, request, response);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendText(response, 500, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        response.destroy();
      }
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(request);
    if (!url || url.pathname !== '/api/events') {
      refuseUpgrade(socket, 404, 'No WebSocket here');
      return;
    }
    const refusal = checkHostAndOrigin(request, port);
    if (refusal) {
      refuseUpgrade(socket, 403, refusal);
      return;
    }
    if (!socketCarriesToken(request, token)) {
      refuseUpgrade(socket, 401, 'Missing or wrong token');
      return;
    }
    events.accept(request, socket, head);
  });

  // Keep-alive connections of a closed page must not hold the process open on shutdown.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
