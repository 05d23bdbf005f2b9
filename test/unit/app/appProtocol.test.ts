import { describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, desktopResourceUrl } from '../../../electron/api/resources';
import { APP_CONTENT_SECURITY_POLICY, APP_PAGE_URL, isAppUrl, parseAppRequest } from '../../../electron/desktop/appProtocol';

describe('the studio://app origin', () => {
  it('recognises only its own origin', () => {
    expect(isAppUrl(APP_PAGE_URL)).toBe(true);
    expect(isAppUrl('studio://app/assets/index-abc.js')).toBe(true);
    expect(isAppUrl('studio://app/files/photo/3?maxSide=512')).toBe(true);
    for (const other of [
      'studio://app.evil/index.html',
      'studio://app@evil/index.html',
      'studio://user:pass@app/index.html',
      'studio://photo/1',
      'studio://apps/index.html',
      'file:///app/index.html',
      'https://app/index.html',
      'http://127.0.0.1:5173/',
      'studioapp/index.html',
      'not a url',
      '',
    ]) {
      expect(isAppUrl(other), other).toBe(false);
    }
  });

  it('routes renderer files by their still-encoded path', () => {
    expect(parseAppRequest(APP_PAGE_URL)).toEqual({ kind: 'file', pathname: '/index.html' });
    expect(parseAppRequest('studio://app/')).toEqual({ kind: 'file', pathname: '/' });
    // readStaticFile decodes and refuses what would leave dist/renderer.
    expect(parseAppRequest('studio://app/..%2F..%2Fpackage.json')).toEqual({ kind: 'file', pathname: '/..%2F..%2Fpackage.json' });
    // Plain dot segments are resolved by the URL parser, inside the origin.
    expect(parseAppRequest('studio://app/assets/../../../etc/passwd')).toEqual({ kind: 'file', pathname: '/etc/passwd' });
  });

  it('routes resources by kind and numeric id, with their parameters', () => {
    expect(parseAppRequest('studio://app/files/photo/12?maxSide=512')).toEqual({ kind: 'resource', resource: 'photo', id: 12, params: { maxSide: '512' } });
    expect(parseAppRequest('studio://app/files/mask/7?datasetId=2&version=9')).toEqual({
      kind: 'resource',
      resource: 'mask',
      id: 7,
      params: { datasetId: '2', version: '9' },
    });
  });

  it('refuses ids that are not positive integers and unknown kinds', () => {
    for (const id of ['0', '-1', '1.5', '0x10', '1e3', '..%2F..%2Fsecret', '12%2F..', '99999999999999999', '']) {
      const parsed = parseAppRequest(`studio://app/files/photo/${id}`);
      expect(parsed.kind, id).toBe('refused');
    }
    expect(parseAppRequest('studio://app/files/photo/1/extra')).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseAppRequest('studio://app/files/secrets/1')).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseAppRequest('studio://app/files')).toMatchObject({ kind: 'refused', status: 404 });
    expect(parseAppRequest('studio://photo/1')).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('parses every URL the preload makes back into the same resource', () => {
    for (const kind of RESOURCE_KINDS) {
      const url = desktopResourceUrl(kind, 42, { maxSide: 1024, datasetId: '3' });
      expect(url).toBe(`studio://app/files/${kind}/42?maxSide=1024&datasetId=3`);
      expect(parseAppRequest(url)).toEqual({ kind: 'resource', resource: kind, id: 42, params: { maxSide: '1024', datasetId: '3' } });
    }
    expect(desktopResourceUrl('thumbnail', 5)).toBe('studio://app/files/thumbnail/5');
  });

  it('has a policy that runs and loads nothing but the app itself', () => {
    const directives = new Map(APP_CONTENT_SECURITY_POLICY.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(APP_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});
