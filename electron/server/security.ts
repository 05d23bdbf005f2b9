/**
 * The checks every browser-mode request passes before it reaches a route: the Host header
 * (DNS-rebinding defence), the Origin and Sec-Fetch-Site headers (cross-site requests),
 * and the per-run token.
 *
 * No cookie is set or read (electron/api/browserAuth.ts says why and what replaces it):
 * the token travels only as `Authorization: Bearer TOKEN`, as a signature on a resource
 * URL, or as the event socket's subprotocol. The renderer's own files (the page, its
 * scripts and styles) hold no user data and are the same for everyone: they are served
 * without a token, so that a reload works once the token has left the address bar.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import {
  EXPIRES_PARAM,
  MAX_SIGNATURE_LIFETIME_S,
  RESOURCE_KEY_LABEL,
  SIGNATURE_PARAM,
  TOKEN_SUBPROTOCOL_PREFIX,
  signedText,
} from '../api/browserAuth';
import { pageContentSecurityPolicy } from './pagePolicy';

/** A fresh 256-bit token, URL-safe. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison. Both sides are hashed first so that neither the length nor the
 * content of the expected token leaks through timing.
 */
export function tokensEqual(candidate: string, expected: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when the request carries `Authorization: Bearer TOKEN` with the right token. */
export function hasBearerToken(request: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && tokensEqual(match[1], token);
}

/**
 * The credential of a WebSocket upgrade: the Bearer header (Node clients), else the
 * `studio-token.TOKEN` subprotocol (browsers, which cannot set headers on a socket).
 */
export function socketCarriesToken(request: IncomingMessage, token: string): boolean {
  if (request.headers.authorization !== undefined) return hasBearerToken(request, token);
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((value) => value.trim());
  const carried = offered.find((value) => value.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  return carried !== undefined && tokensEqual(carried.slice(TOKEN_SUBPROTOCOL_PREFIX.length), token);
}

/** The server's copy of the page's resource key (browserAuth.ts: resourceKey), made with node:crypto. */
export function serverResourceKey(token: string): Buffer {
  return createHmac('sha256', token).update(RESOURCE_KEY_LABEL).digest();
}

/** A resource URL's parameters without the signature's own, as the core receives them. */
export function resourceParams(url: URL): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name !== EXPIRES_PARAM && name !== SIGNATURE_PARAM) params[name] = value;
  }
  return params;
}

/**
 * Why a signed resource URL is refused, or null when its signature is right for exactly
 * this kind, id and parameters and it has not expired.
 */
export function checkResourceSignature(key: Buffer, kind: string, id: number, url: URL, nowMs = Date.now()): string | null {
  const signature = url.searchParams.get(SIGNATURE_PARAM);
  const expiresText = url.searchParams.get(EXPIRES_PARAM);
  if (signature === null || expiresText === null) return 'Missing token or signature';
  if (url.searchParams.getAll(SIGNATURE_PARAM).length > 1 || url.searchParams.getAll(EXPIRES_PARAM).length > 1) return 'Wrong signature';
  const expires = /^\d{1,12}$/.test(expiresText) ? Number(expiresText) : NaN;
  const now = nowMs / 1000;
  if (!Number.isSafeInteger(expires) || expires > now + MAX_SIGNATURE_LIFETIME_S) return 'Wrong signature';
  const expected = createHmac('sha256', key).update(signedText(kind, id, resourceParams(url), expires)).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'Wrong signature';
  if (expires <= now) return 'This link has expired: reload the page';
  return null;
}

/** The origins the server answers to: itself, by IP or by the loopback name. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * A page on another site (or a rebound DNS name pointing at 127.0.0.1) must not drive the
 * studio: the Host must name the loopback server itself, and an Origin, when the browser
 * sends one, must be the server's own.
 */
export function checkHostAndOrigin(request: IncomingMessage, port: number): string | null {
  const host = request.headers.host;
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return `Host '${host ?? ''}' is not this server`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins(port).includes(origin)) {
    return `Origin '${origin}' is not allowed`;
  }
  // An <img> or a no-cors GET from another page carries no Origin, yet it carries the
  // SameSite cookie when that page is on another port of 127.0.0.1 (the same *site*).
  // Browsers name the requester in Sec-Fetch-Site: only the studio's own page, or the
  // user opening the URL themselves ('none'), may ask.
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `A request from another site (Sec-Fetch-Site: ${site}) is not allowed`;
  }
  return null;
}

/** Headers on every response, whatever the route. */
export function securityHeaders(): OutgoingHttpHeaders {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The page URL carries the token on first load; it must never leave in a Referer.
    'Referrer-Policy': 'no-referrer',
    // Opener and embedder policies together isolate the page: no other origin's window or
    // resource shares its process, and its clocks keep their fine grain (5 us, not 100 us).
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}

/** The Content-Security-Policy of the renderer's HTML page: the desktop's, plus the event WebSocket. */
export function contentSecurityPolicy(port: number): string {
  return pageContentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
}
