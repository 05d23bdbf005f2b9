/**
 * The desktop window's one origin, `studio://app`: the renderer's files and the image
 * bytes it shows are both served there (electron/main.ts), never from `file://`.
 *
 * One origin for both keeps the page's CSP at `'self'` and lets the editor read a photo's
 * pixels from a canvas (a photo from another origin would taint it). The paths are those
 * of browser mode: `/files/<kind>/<id>?…` for resources, anything else a renderer file.
 */
import { DESKTOP_ORIGIN, isResourceKind } from '../api/resources';
import type { ResourceKind } from '../api/resources';
import { pageContentSecurityPolicy } from '../server/pagePolicy';

/** What a `studio://` request asks for. */
export type AppRequest =
  | { kind: 'file'; /** Still percent-encoded, as readStaticFile expects. */ pathname: string }
  | { kind: 'resource'; resource: ResourceKind; id: number; params: Record<string, string> }
  | { kind: 'refused'; status: 400 | 404; reason: string };

/** The page the window loads. */
export const APP_PAGE_URL = `${DESKTOP_ORIGIN}/index.html`;

/** The Content-Security-Policy of the desktop page (its API goes over IPC, so it connects nowhere else). */
export const APP_CONTENT_SECURITY_POLICY = pageContentSecurityPolicy();

/**
 * True for a URL on the app's own origin. Parsed, not prefix-matched: `studio://app@x/`
 * or `studio://app.x/` are other hosts.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === DESKTOP_ORIGIN && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** Reads a `studio://` request URL; anything not on the app's origin is refused. */
export function parseAppRequest(url: string): AppRequest {
  if (!isAppUrl(url)) {
    return { kind: 'refused', status: 404, reason: 'Not on the studio://app origin' };
  }
  const { pathname, searchParams } = new URL(url);
  const segments = pathname.split('/').slice(1);
  if (segments[0] !== 'files') {
    return { kind: 'file', pathname };
  }
  const [, kind, idText, ...rest] = segments;
  if (kind === undefined || idText === undefined || rest.length > 0 || !isResourceKind(kind)) {
    return { kind: 'refused', status: 404, reason: 'No such resource' };
  }
  // Digits only, as in browser mode: an id is never a path.
  if (!/^[1-9]\d{0,15}$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
    return { kind: 'refused', status: 400, reason: 'The resource id must be a positive integer' };
  }
  return { kind: 'resource', resource: kind, id: Number(idText), params: Object.fromEntries(searchParams) };
}
