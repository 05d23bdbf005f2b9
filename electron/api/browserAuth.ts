/**
 * How the page of browser mode proves itself to the server without a cookie. Cookies
 * are shared by every port of a host, so a cookie holding the token would reach every
 * other server on 127.0.0.1 (a notebook, a dev server, another user's process); no
 * cookie authorises anything. Instead:
 *
 * - API calls carry `Authorization: Bearer TOKEN`.
 * - Resource URLs (`<img src>`, which cannot carry a header) are signed one by one: the
 *   signature covers the resource's kind, id, every parameter and an expiry, under a key
 *   derived from the token. A URL that leaks opens that one image, for an hour or two.
 * - The event WebSocket offers the token as a subprotocol (`studio-token.TOKEN`) beside
 *   `studio-events`, the one the server picks; browsers let a page set that header.
 *
 * The page signs with the dependency-free HMAC of hmacSha256.ts (it must be synchronous);
 * the server checks with node:crypto (electron/server/security.ts).
 */
import { hmacSha256 } from './hmacSha256';

/** The subprotocol the event socket speaks; the server answers with it. */
export const EVENTS_SUBPROTOCOL = 'studio-events';
/** Prefix of the subprotocol that carries the token (base64url is valid in a subprotocol name). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'studio-token.';
/** What the resource key is derived for, so that it can never be mistaken for another use of the token. */
export const RESOURCE_KEY_LABEL = 'defusion-studio resource urls v1';
/** Query parameters of a signed URL; they are not passed on to the core. */
export const EXPIRES_PARAM = 'exp';
export const SIGNATURE_PARAM = 'sig';
/** Expiries are whole hours, so a URL stays the same (and cached) within an hour. */
export const SIGNATURE_PERIOD_S = 3600;
/** The server refuses expiries further ahead than this (two periods and room for clock skew). */
export const MAX_SIGNATURE_LIFETIME_S = 4 * 3600;

const encoder = new TextEncoder();

/** The key resource URLs are signed with: HMAC(token, RESOURCE_KEY_LABEL). */
export function resourceKey(token: string): Uint8Array {
  return hmacSha256(encoder.encode(token), encoder.encode(RESOURCE_KEY_LABEL));
}

/** When a URL made at `nowMs` expires (unix seconds): the end of the next whole hour, 1 to 2 hours away. */
export function signatureExpiry(nowMs: number): number {
  return (Math.floor(nowMs / 1000 / SIGNATURE_PERIOD_S) + 2) * SIGNATURE_PERIOD_S;
}

/**
 * What a signature covers, one field per line: kind, id, the parameters sorted by name
 * (URL-encoded, so no value can smuggle in a separator) and the expiry.
 */
export function signedText(kind: string, id: number, params: Readonly<Record<string, string>>, expires: number): string {
  const query = Object.keys(params)
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(params[name]!)}`)
    .join('&');
  return `${kind}\n${id}\n${query}\n${expires}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url, as Node's Buffer writes it. */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += BASE64URL[(chunk >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** The signature of one resource URL (base64url). */
export function signResource(key: Uint8Array, kind: string, id: number, params: Readonly<Record<string, string>>, expires: number): string {
  return base64url(hmacSha256(key, encoder.encode(signedText(kind, id, params, expires))));
}
