/**
 * The checks every browser-mode request passes before it reaches a route: the Host header
 * (DNS-rebinding defence), the Origin header (cross-site requests), and the per-run token.
 *
 * The token travels as `Authorization: Bearer TOKEN`, as `?token=` (for `<img src>` and the
 * WebSocket, which cannot carry headers), or as a cookie set when the page itself was
 * loaded with `?token=`, so that the page's own image and script requests work once the
 * token is gone from the address bar.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { pageContentSecurityPolicy } from '../core/app/pagePolicy';

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

/**
 * Cookies are shared by every port of a host, so the name carries the port: two studios
 * running side by side never overwrite each other's token.
 */
export function tokenCookieName(port: number): string {
  return `studio_token_${port}`;
}

/** The Set-Cookie value that lets the page's later requests authenticate themselves. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) {
    return null;
  }
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return null;
}

/** Where the token of a request came from; `query` tells the static route to set the cookie. */
export type TokenSource = 'header' | 'query' | 'cookie';

/**
 * Finds the first token the request offers (header, then query, then cookie) and checks it.
 * Returns where the valid token came from, or null when none was offered or it is wrong.
 */
export function authenticate(request: IncomingMessage, url: URL, port: number, token: string): TokenSource | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match?.[1] !== undefined && tokensEqual(match[1], token) ? 'header' : null;
  }
  const queryToken = url.searchParams.get('token');
  if (queryToken !== null) {
    return tokensEqual(queryToken, token) ? 'query' : null;
  }
  const cookieToken = readCookie(request.headers.cookie, tokenCookieName(port));
  if (cookieToken !== null) {
    return tokensEqual(cookieToken, token) ? 'cookie' : null;
  }
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
