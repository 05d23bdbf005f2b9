/**
 * Binary resources served outside the JSON methods (images are large and the browser
 * caches them): Electron serves them on the `studio://` protocol, browser mode under
 * `/files/`. Both check that the photo belongs to an open library root.
 */
export type ResourceKind = 'photo' | 'thumbnail' | 'mask' | 'prediction';
export const RESOURCE_KINDS: readonly ResourceKind[] = ['photo', 'thumbnail', 'mask', 'prediction'];

export function isResourceKind(value: string): value is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(value);
}
