/**
 * Browser-mode server over real HTTP on loopback: the token, Host and Origin checks, the
 * API envelope and its status codes, the event socket, resources and the static renderer.
 * Requests go through node:http rather than fetch so that the tests can send the headers a
 * browser would never let a page forge (Host, a foreign Origin).
 */
import { mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import WebSocket from 'ws';
import { EVENTS_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, resourceKey, signResource, signatureExpiry } from '../../electron/api/browserAuth';
import { decodeJson } from '../../electron/api/codec';
import type { Envelope } from '../../electron/api/errors';
import type { Job, PhotoPage, StudioInfo } from '../../electron/api/types';
import { createCore } from '../../electron/core/createCore';
import type { StudioCore } from '../../electron/core/studioCore';
import { startServer } from '../../electron/server/startServer';
import type { RunningServer } from '../../electron/server/startServer';
import { rawRequest } from '../fixtures/rawHttp';
import type { RawResponse } from '../fixtures/rawHttp';

/** Calls an API method the way the renderer's HTTP transport does. */
function callMethod(port: number, token: string, method: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

/** Opens the event socket; resolves with the socket, or rejects with the refusal's status. */
function openEventSocket(port: number, query: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events${query}`, protocols, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`refused with ${response.statusCode}`));
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** A small real photo: a gradient with a shape, encoded by sharp. */
async function writePhoto(file: string, width: number, height: number): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#446"/><stop offset="1" stop-color="#c96"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${height / 4}" fill="#eee"/></svg>`;
  const image = sharp(Buffer.from(svg));
  await writeFile(file, await (file.endsWith('.png') ? image.png() : image.jpeg()).toBuffer());
}

describe('browser-mode server', () => {
  let workDir: string;
  let rendererDir: string;
  let libraryDir: string;
  let core: StudioCore;
  let server: RunningServer;
  let port: number;
  let token: string;
  /** A photo under an open root. */
  let insideId: number;
  /** A photo whose root was closed again. */
  let outsideId: number;

  async function call<T>(method: string, input: unknown): Promise<T> {
    const response = await callMethod(port, token, method, JSON.stringify(input));
    const envelope = decodeJson(response.text) as Envelope<T>;
    if (!envelope.ok) {
      throw new Error(`${method}: ${envelope.error.message}`);
    }
    return envelope.value;
  }

  /** A resource path signed as the page signs it (electron/api/browserAuth.ts). */
  function signedPath(kind: string, id: number, params: Record<string, string> = {}): string {
    const expires = signatureExpiry(Date.now());
    const query = new URLSearchParams({ ...params, exp: String(expires), sig: signResource(resourceKey(token), kind, id, params, expires) });
    return `/files/${kind}/${id}?${query.toString()}`;
  }

  /** Opens a folder over HTTP and waits for its scan job to finish; returns its root id. */
  async function openAndScan(folder: string): Promise<number> {
    const opened = await call<{ roots: { id: number; path: string }[]; jobId: string }>('library.open', { paths: [folder] });
    for (;;) {
      const job = await call<Job>('jobs.get', { id: opened.jobId });
      if (job.state === 'done') break;
      if (job.state !== 'queued' && job.state !== 'running') throw new Error(`scan ended ${job.state}: ${job.error}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const root = opened.roots.find((candidate) => candidate.path === folder);
    if (!root) throw new Error(`library.open did not return ${folder}`);
    return root.id;
  }

  async function firstPhotoId(rootId: number): Promise<number> {
    const page = await call<PhotoPage>('library.query', { rootId });
    const photo = page.photos[0];
    if (!photo) throw new Error(`root ${rootId} has no photos`);
    return photo.id;
  }

  beforeAll(async () => {
    workDir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'studio-server-')));
    rendererDir = path.join(workDir, 'renderer');
    libraryDir = path.join(workDir, 'library');
    const closedDir = path.join(workDir, 'closed');
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Studio</title>');
    await writeFile(path.join(rendererDir, 'assets', 'app-abc123.js'), 'console.log(1);');
    await writeFile(path.join(workDir, 'secret.txt'), 'outside the renderer');
    await mkdir(libraryDir);
    await mkdir(closedDir);
    await mkdir(path.join(workDir, 'events'));
    await writePhoto(path.join(libraryDir, 'inside.jpg'), 320, 200);
    await writePhoto(path.join(libraryDir, 'second.png'), 200, 300);
    await writePhoto(path.join(closedDir, 'closed.jpg'), 240, 160);
    await writePhoto(path.join(workDir, 'events', 'event.png'), 120, 80);

    core = await createCore({ dbPath: path.join(workDir, 'studio.db'), openSampleIfEmpty: false, watch: false, scanOnStart: false });
    server = await startServer({ core, rendererDir });
    port = server.port;
    token = server.token;

    const closedRoot = await openAndScan(closedDir);
    outsideId = await firstPhotoId(closedRoot);
    await call('library.close', { rootId: closedRoot });
    insideId = await firstPhotoId(await openAndScan(libraryDir));
  });

  afterAll(async () => {
    await server?.close();
    await core?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('refuses to bind anything but 127.0.0.1', async () => {
    await expect(startServer({ core, host: '0.0.0.0', rendererDir })).rejects.toThrow(/127\.0\.0\.1/);
    await expect(startServer({ core, host: 'localhost', rendererDir })).rejects.toThrow(/127\.0\.0\.1/);
  });

  it('makes a fresh URL-safe 256-bit token per run', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await startServer({ core, rendererDir });
    try {
      expect(other.token).not.toBe(token);
      expect(other.port).not.toBe(port);
    } finally {
      await other.close();
    }
  });

  it('answers 401 without a token or with a wrong one; the token counts only as a header', async () => {
    const noToken = await rawRequest(port, { method: 'POST', path: '/api/app.info', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer');
    const envelope = decodeJson(noToken.text) as Envelope<unknown>;
    expect(envelope.ok).toBe(false);

    const wrongHeader = await callMethod(port, `${token}x`, 'app.info', '{}');
    expect(wrongHeader.status).toBe(401);
    // The right token anywhere but the header opens nothing: not in the query, not as a cookie.
    const post = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
    expect((await rawRequest(port, { ...post, path: `/api/app.info?token=${token}` })).status).toBe(401);
    for (const name of [`studio_token_${port}`, 'token', 'studio_token']) {
      const cookie = await rawRequest(port, { ...post, path: '/api/app.info', headers: { ...post.headers, Cookie: `${name}=${token}` } });
      expect(cookie.status, `cookie ${name}`).toBe(401);
    }
    expect((await rawRequest(port, { path: `/files/photo/${insideId}` })).status).toBe(401);
    expect((await rawRequest(port, { path: `/files/photo/${insideId}?token=${token}` })).status).toBe(401);
    expect((await rawRequest(port, { path: `/files/photo/${insideId}`, headers: { Cookie: `studio_token_${port}=${token}` } })).status).toBe(401);
    // A wrong header is not rescued by a right signature.
    const signed = signedPath('photo', insideId);
    expect((await rawRequest(port, { path: signed })).status).toBe(200);
    expect((await rawRequest(port, { path: signed, headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('serves the renderer files without a token, and sets no cookie', async () => {
    for (const target of ['/', '/index.html', '/assets/app-abc123.js', `/?token=${token}`]) {
      const response = await rawRequest(port, { path: target });
      expect(response.status, target).toBe(200);
      expect(response.headers['set-cookie'], target).toBeUndefined();
      expect(response.text, target).not.toContain(token);
    }
  });

  it('answers 403 to a foreign Origin and to a Host that is not this server', async () => {
    const foreign = await callMethod(port, token, 'app.info', '{}', { Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((decodeJson(foreign.text) as Envelope<unknown>).ok).toBe(false);
    const nullOrigin = await callMethod(port, token, 'app.info', '{}', { Origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    const otherPort = await callMethod(port, token, 'app.info', '{}', { Origin: `http://127.0.0.1:${port + 1}` });
    expect(otherPort.status).toBe(403);
    const rebound = await callMethod(port, token, 'app.info', '{}', { Host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    const page = await rawRequest(port, { path: `/?token=${token}`, headers: { Host: 'evil.example' } });
    expect(page.status).toBe(403);
    // Its own origin, by IP or by name, is welcome.
    const own = await callMethod(port, token, 'library.roots', '{}', { Origin: `http://localhost:${port}`, Host: `localhost:${port}` });
    expect(own.status).toBe(200);
  });

  it('round-trips a method call in the envelope', async () => {
    const info = await callMethod(port, token, 'app.info', '{}');
    expect(info.status).toBe(200);
    expect(info.headers['content-type']).toMatch(/^application\/json/);
    expect(info.headers['cache-control']).toBe('no-store');
    const envelope = decodeJson(info.text) as Envelope<StudioInfo>;
    expect(envelope).toMatchObject({ ok: true, value: { dbPath: path.join(workDir, 'studio.db') } });
    // An empty body is an empty input.
    const roots = decodeJson((await callMethod(port, token, 'library.roots', '')).text) as Envelope<{ path: string }[]>;
    expect(roots).toMatchObject({ ok: true, value: [{ path: libraryDir }] });
    const page = await call<PhotoPage>('library.query', { sort: 'name' });
    expect(page.total).toBe(2);
    expect(page.photos.map((photo) => [photo.name, photo.width, photo.height])).toEqual([
      ['inside.jpg', 320, 200],
      ['second.png', 200, 300],
    ]);
  });

  it('answers 400 with a message for invalid input, 404 for an unknown method', async () => {
    const invalid = await callMethod(port, token, 'library.open', JSON.stringify({ paths: [] }));
    expect(invalid.status).toBe(400);
    const envelope = decodeJson(invalid.text) as Envelope<unknown>;
    expect(envelope.ok).toBe(false);
    if (!envelope.ok) {
      expect(envelope.error.code).toBe('invalid-input');
      expect(envelope.error.message).toMatch(/paths/);
    }
    const notJson = await callMethod(port, token, 'library.roots', '{nope');
    expect(notJson.status).toBe(400);
    const unknown = await callMethod(port, token, 'library.explode', '{}');
    expect(unknown.status).toBe(404);
    expect(decodeJson(unknown.text)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const prototypeName = await callMethod(port, token, 'constructor', '{}');
    expect(prototypeName.status).toBe(404);
    const wrongVerb = await rawRequest(port, { path: '/api/app.info', headers: { Authorization: `Bearer ${token}` } });
    expect(wrongVerb.status).toBe(405);
    const form = await callMethod(port, token, 'app.info', 'a=1', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
  });

  it('serves resources under the open roots and refuses the others', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const inside = await rawRequest(port, { path: `/files/photo/${insideId}`, headers: auth });
    expect(inside.status).toBe(200);
    expect(inside.headers['content-type']).toMatch(/^image\//);
    expect((await sharp(inside.body).metadata()).width).toBe(320);
    const thumbnail = await rawRequest(port, { path: `/files/thumbnail/${insideId}`, headers: auth });
    expect(thumbnail.status).toBe(200);
    expect((await sharp(thumbnail.body).metadata()).width).toBeGreaterThan(0);
    expect(inside.headers['cache-control']).toMatch(/private/);
    expect(inside.headers['x-content-type-options']).toBe('nosniff');
    const revalidated = await rawRequest(port, {
      path: `/files/photo/${insideId}`,
      headers: { Authorization: `Bearer ${token}`, 'If-None-Match': String(inside.headers.etag) },
    });
    expect(revalidated.status).toBe(304);
    const outside = await rawRequest(port, { path: `/files/photo/${outsideId}`, headers: auth });
    expect(outside.status).toBe(403);
    expect(outside.text).toMatch(/not in an open library/);
    expect((await rawRequest(port, { path: `/files/thumbnail/${outsideId}`, headers: auth })).status).toBe(403);
    expect((await rawRequest(port, { path: signedPath('photo', outsideId) })).status).toBe(403);
    expect((await rawRequest(port, { path: `/files/photo/999999`, headers: auth })).status).toBe(404);
    expect((await rawRequest(port, { path: `/files/secret/1`, headers: auth })).status).toBe(404);
    expect((await rawRequest(port, { path: `/files/photo/-1`, headers: auth })).status).toBe(400);
  });

  it('serves a signed URL for exactly the resource, parameters and hours it was signed for', async () => {
    const photo = await rawRequest(port, { path: signedPath('photo', insideId) });
    expect(photo.status).toBe(200);
    expect((await sharp(photo.body).metadata()).width).toBe(320);
    const scaled = await rawRequest(port, { path: signedPath('photo', insideId, { maxSide: '64' }) });
    expect(scaled.status).toBe(200);
    expect((await sharp(scaled.body).metadata()).width).toBe(64);

    const signature = (target: string): { exp: string; sig: string } => {
      const url = new URL(target, 'http://x');
      return { exp: url.searchParams.get('exp') ?? '', sig: url.searchParams.get('sig') ?? '' };
    };
    const { exp, sig } = signature(signedPath('photo', insideId));
    const now = Math.floor(Date.now() / 1000);
    const key = resourceKey(token);
    const refusals: [string, string][] = [
      ['another photo', `/files/photo/${outsideId}?exp=${exp}&sig=${sig}`],
      ['another kind', `/files/mask/${insideId}?exp=${exp}&sig=${sig}`],
      ['a parameter added', `/files/photo/${insideId}?maxSide=64&exp=${exp}&sig=${sig}`],
      ['another expiry', `/files/photo/${insideId}?exp=${Number(exp) + 3600}&sig=${sig}`],
      ['a changed signature', `/files/photo/${insideId}?exp=${exp}&sig=${sig.slice(0, -2)}AA`],
      ['a signature twice', `/files/photo/${insideId}?exp=${exp}&sig=${sig}&sig=${sig}`],
      ['no expiry', `/files/photo/${insideId}?sig=${sig}`],
      ['expired', `/files/photo/${insideId}?exp=${now - 1}&sig=${signResource(key, 'photo', insideId, {}, now - 1)}`],
      ['too far ahead', `/files/photo/${insideId}?exp=${now + 5 * 3600}&sig=${signResource(key, 'photo', insideId, {}, now + 5 * 3600)}`],
      ['signed with the token itself', `/files/photo/${insideId}?exp=${exp}&sig=${signResource(new TextEncoder().encode(token), 'photo', insideId, {}, Number(exp))}`],
    ];
    for (const [what, target] of refusals) {
      const response = await rawRequest(port, { path: target });
      expect(response.status, what).toBe(401);
      expect(response.body.includes(photo.body.subarray(100, 160)), what).toBe(false);
    }
    expect((await rawRequest(port, { path: refusals[7]![1] })).text).toMatch(/expired/);
  });

  it('serves the page with a strict CSP', async () => {
    const page = await rawRequest(port, { path: `/?token=${token}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Studio</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const asset = await rawRequest(port, { path: '/assets/app-abc123.js' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('keeps static paths inside the renderer folder', async () => {
    for (const escape of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%2e%2e%5csecret.txt', '//etc/passwd', '/%00']) {
      const response = await rawRequest(port, { path: `${escape}${escape.includes('?') ? '&' : '?'}token=${token}` });
      expect(response.status, escape).toBeGreaterThanOrEqual(400);
      expect(response.text).not.toContain('outside the renderer');
    }
    expect((await rawRequest(port, { path: `/nothing-here.js?token=${token}` })).status).toBe(404);
    expect((await rawRequest(port, { path: 'http://evil.example/', headers: { Authorization: `Bearer ${token}` } })).status).toBe(400);
  });

  it('refuses the event socket without a token or from a foreign origin', async () => {
    const right = [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`];
    await expect(openEventSocket(port, '')).rejects.toThrow(/401/);
    await expect(openEventSocket(port, '', {}, [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}wrong`])).rejects.toThrow(/401/);
    // The token in the query or a cookie is no credential any more.
    await expect(openEventSocket(port, `?token=${token}`)).rejects.toThrow(/401/);
    await expect(openEventSocket(port, '', { Cookie: `studio_token_${port}=${token}` })).rejects.toThrow(/401/);
    await expect(openEventSocket(port, '', { Origin: 'http://evil.example' }, right)).rejects.toThrow(/403/);
    await expect(openEventSocket(port, '', { Host: `evil.example:${port}` }, right)).rejects.toThrow(/403/);
    // As a page opens it: the token as a subprotocol, and only the events one echoed.
    const page = await openEventSocket(port, '', { Origin: `http://127.0.0.1:${port}` }, right);
    expect(page.protocol).toBe(EVENTS_SUBPROTOCOL);
    page.close();
    const node = await openEventSocket(port, '', { Authorization: `Bearer ${token}` });
    node.close();
  });

  it('forwards core events to the socket as {name, payload}', async () => {
    const socket = await openEventSocket(port, '', { Origin: `http://127.0.0.1:${port}`, Authorization: `Bearer ${token}` });
    try {
      const received: { name: string; payload: Job }[] = [];
      const finished = new Promise<void>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const event = decodeJson(data.toString('utf8')) as { name: string; payload: Job };
          received.push(event);
          if (event.name === 'jobs.onDidChange' && event.payload.state === 'done') {
            resolve();
          }
        });
      });
      const opened = await callMethod(port, token, 'library.open', JSON.stringify({ paths: [path.join(workDir, 'events')] }));
      expect(opened.status).toBe(200);
      await finished;
      expect(received.map((event) => event.name)).toContain('jobs.onDidChange');
    } finally {
      socket.close();
    }
  });
});
