/**
 * Browser-mode server over real HTTP on loopback: the token, Host and Origin checks, the
 * API envelope and its status codes, the event socket, resources and the static renderer.
 * Requests go through node:http rather than fetch so that the tests can send the headers a
 * browser would never let a page forge (Host, a foreign Origin).
 */
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeJson } from '../../electron/api/codec';
import { StudioError } from '../../electron/api/errors';
import type { Envelope } from '../../electron/api/errors';
import type { EventName, EventPayloads } from '../../electron/api/events';
import { methodSchemas } from '../../electron/api/methods';
import type { Job } from '../../electron/api/types';
import type { StudioCore } from '../../electron/core/studioCore';
import { startServer } from '../../electron/server/startServer';
import type { RunningServer } from '../../electron/server/startServer';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: { Host: `127.0.0.1:${port}`, ...request.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text: body.toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Calls an API method the way the renderer's HTTP transport does. */
export function callMethod(port: number, token: string, method: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

/** Opens the event socket; resolves with the socket, or rejects with the refusal's status. */
export function openEventSocket(port: number, query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events${query}`, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`refused with ${response.statusCode}`));
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/**
 * A small but real core: validates inputs with the contract's schemas, opens folders that
 * exist, emits events and serves files only from the folders it opened.
 */
function createFolderCore(): StudioCore {
  const roots: string[] = [];
  const files = new Map<number, string>();
  const listeners = new Set<(name: EventName, payload: EventPayloads[EventName]) => void>();
  let nextFileId = 1;
  const emit = (name: EventName, payload: EventPayloads[EventName]): void => {
    for (const listener of listeners) {
      listener(name, payload);
    }
  };
  const job = (done: number): Job => ({
    id: 'job-1',
    kind: 'scan',
    title: 'Scan',
    state: done === 1 ? 'done' : 'running',
    done,
    total: 1,
    rate: null,
    etaSeconds: null,
    message: null,
    error: null,
    createdAt: new Date().toISOString(),
    finishedAt: null,
    result: null,
  });
  return {
    async call(method, input) {
      const parsed = methodSchemas[method].safeParse(input);
      if (!parsed.success) {
        throw new StudioError('invalid-input', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      }
      if (method === 'library.open') {
        const { paths } = parsed.data as { paths: string[] };
        for (const folder of paths) {
          if (!(await stat(folder).catch(() => null))?.isDirectory()) {
            throw new StudioError('not-found', `No folder at ${folder}`);
          }
          roots.push(path.resolve(folder));
        }
        setTimeout(() => {
          emit('jobs.onDidChange', job(0));
          emit('jobs.onDidChange', job(1));
        }, 50);
        return { roots: [], jobId: 'job-1' } as never;
      }
      if (method === 'library.roots') {
        return roots.map((root, index) => ({ id: index + 1, path: root, addedAt: '', lastScanAt: null, photoCount: 0, errorCount: 0 })) as never;
      }
      throw new StudioError('unsupported', `${method} is not part of this test core`);
    },
    on(name, listener) {
      const wrapped = (eventName: EventName, payload: EventPayloads[EventName]): void => {
        if (eventName === name) {
          (listener as (value: unknown) => void)(payload);
        }
      };
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    onAny(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async resource(kind, id) {
      const file = files.get(id);
      if (!file) {
        throw new StudioError('not-found', `No ${kind} ${id}`);
      }
      if (!roots.some((root) => file.startsWith(root + path.sep))) {
        throw new StudioError('forbidden', `${kind} ${id} is outside the open library roots`);
      }
      return { bytes: new Uint8Array(await readFile(file)), mimeType: 'image/png' };
    },
    async close() {
      listeners.clear();
    },
    // Test-only: registers a file the way a scan would.
    _testOnlyAddFile(file: string): number {
      const id = nextFileId++;
      files.set(id, file);
      return id;
    },
  } as StudioCore & { _testOnlyAddFile(file: string): number };
}

describe('browser-mode server', () => {
  let workDir: string;
  let rendererDir: string;
  let libraryDir: string;
  let core: StudioCore & { _testOnlyAddFile(file: string): number };
  let server: RunningServer;
  let port: number;
  let token: string;
  let insideId: number;
  let outsideId: number;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-server-'));
    rendererDir = path.join(workDir, 'renderer');
    libraryDir = path.join(workDir, 'library');
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await mkdir(libraryDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Studio</title>');
    await writeFile(path.join(rendererDir, 'assets', 'app-abc123.js'), 'console.log(1);');
    await writeFile(path.join(workDir, 'secret.txt'), 'outside the renderer');
    await writeFile(path.join(libraryDir, 'inside.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    await writeFile(path.join(workDir, 'outside.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    core = createFolderCore() as typeof core;
    insideId = core._testOnlyAddFile(path.join(libraryDir, 'inside.png'));
    outsideId = core._testOnlyAddFile(path.join(workDir, 'outside.png'));
    server = await startServer({ core, rendererDir, maxBodyBytes: 1024 * 1024 });
    port = server.port;
    token = server.token;
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

  it('answers 401 without a token or with a wrong one, on every route', async () => {
    const noToken = await rawRequest(port, { method: 'POST', path: '/api/app.info', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer');
    const envelope = decodeJson(noToken.text) as Envelope<unknown>;
    expect(envelope.ok).toBe(false);

    const wrongHeader = await callMethod(port, `${token}x`, 'app.info', '{}');
    expect(wrongHeader.status).toBe(401);
    const wrongQuery = await rawRequest(port, { path: `/?token=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` });
    expect(wrongQuery.status).toBe(401);
    const wrongCookie = await rawRequest(port, { path: '/', headers: { Cookie: `studio_token_${port}=nope` } });
    expect(wrongCookie.status).toBe(401);
    expect((await rawRequest(port, { path: '/' })).status).toBe(401);
    expect((await rawRequest(port, { path: `/files/photo/${insideId}` })).status).toBe(401);
    expect((await rawRequest(port, { path: '/assets/app-abc123.js' })).status).toBe(401);
    // A right token in the query does not rescue a wrong Authorization header.
    expect((await rawRequest(port, { path: `/?token=${token}`, headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
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
    const opened = await callMethod(port, token, 'library.open', JSON.stringify({ paths: [libraryDir] }));
    expect(opened.status).toBe(200);
    expect(opened.headers['content-type']).toMatch(/^application\/json/);
    expect(opened.headers['cache-control']).toBe('no-store');
    const envelope = decodeJson(opened.text) as Envelope<{ jobId: string }>;
    expect(envelope.ok).toBe(true);
    const roots = decodeJson((await callMethod(port, token, 'library.roots', '')).text) as Envelope<{ path: string }[]>;
    expect(roots).toMatchObject({ ok: true, value: [{ path: libraryDir }] });
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

  it('refuses a body over the limit with 413', async () => {
    const big = JSON.stringify({ paths: ['x'.repeat(2 * 1024 * 1024)] });
    const response = await callMethod(port, token, 'library.open', big);
    expect(response.status).toBe(413);
  });

  it('serves resources under the open roots and refuses the others', async () => {
    const inside = await rawRequest(port, { path: `/files/photo/${insideId}?token=${token}` });
    expect(inside.status).toBe(200);
    expect(inside.headers['content-type']).toBe('image/png');
    expect(inside.headers['cache-control']).toMatch(/private/);
    expect(inside.headers['x-content-type-options']).toBe('nosniff');
    const revalidated = await rawRequest(port, {
      path: `/files/photo/${insideId}`,
      headers: { Authorization: `Bearer ${token}`, 'If-None-Match': String(inside.headers.etag) },
    });
    expect(revalidated.status).toBe(304);
    const outside = await rawRequest(port, { path: `/files/photo/${outsideId}?token=${token}` });
    expect(outside.status).toBe(403);
    expect((await rawRequest(port, { path: `/files/photo/999?token=${token}` })).status).toBe(404);
    expect((await rawRequest(port, { path: `/files/secret/1?token=${token}` })).status).toBe(404);
    expect((await rawRequest(port, { path: `/files/photo/-1?token=${token}` })).status).toBe(400);
  });

  it('serves the page with a strict CSP and a cookie for its later requests', async () => {
    const page = await rawRequest(port, { path: `/?token=${token}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Studio</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = page.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^studio_token_${port}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');

    const cookieValue = cookie.split(';')[0] ?? '';
    const asset = await rawRequest(port, { path: '/assets/app-abc123.js', headers: { Cookie: cookieValue } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    const call = await rawRequest(port, { method: 'POST', path: '/api/library.roots', headers: { Cookie: cookieValue, 'Content-Type': 'application/json' }, body: '{}' });
    expect(call.status).toBe(200);
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
    await expect(openEventSocket(port, '')).rejects.toThrow(/401/);
    await expect(openEventSocket(port, '?token=wrong')).rejects.toThrow(/401/);
    await expect(openEventSocket(port, `?token=${token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(openEventSocket(port, `?token=${token}`, { Host: `evil.example:${port}` })).rejects.toThrow(/403/);
  });

  it('forwards core events to the socket as {name, payload}', async () => {
    const socket = await openEventSocket(port, `?token=${token}`, { Origin: `http://127.0.0.1:${port}` });
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
      const opened = await callMethod(port, token, 'library.open', JSON.stringify({ paths: [libraryDir] }));
      expect(opened.status).toBe(200);
      await finished;
      expect(received.map((event) => event.name)).toContain('jobs.onDidChange');
    } finally {
      socket.close();
    }
  });
});
