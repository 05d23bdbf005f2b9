/**
 * Binary resources served outside the JSON methods (images are large and the browser
 * caches them): Electron serves them on the `studio://app` origin, browser mode under
 * `/files/`. Both check that the photo belongs to an open library root.
 */
export type ResourceKind = 'photo' | 'thumbnail' | 'mask' | 'prediction';
export const RESOURCE_KINDS: readonly ResourceKind[] = ['photo', 'thumbnail', 'mask', 'prediction'];

export function isResourceKind(value: string): value is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(value);
}

/**
 * The desktop app's page and its resources share one origin (electron/main.ts serves both
 * on the studio:// protocol), so the page's CSP stays 'self' and photos are same-origin.
 */
export const DESKTOP_ORIGIN = 'studio://app';

/** A resource's URL in the desktop app: `studio://app/files/<kind>/<id>?…`, the paths of browser mode. */
export function desktopResourceUrl(kind: ResourceKind, id: number, params?: Record<string, string | number>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    query.set(key, String(value));
  }
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  return `${DESKTOP_ORIGIN}/files/${kind}/${encodeURIComponent(String(id))}${suffix}`;
}
