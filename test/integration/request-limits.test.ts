/**
 * Issue 13, request limits, over real HTTP: every method reads at most its own body
 * limit (it used to be 256 MiB for all), and only so many requests are held at once.
 * The slow requests below are real sockets that send their headers and then stall, as a
 * hostile local client would, to make the server hold memory for them.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodSchemas } from '../../electron/api/methods';
import type { MethodName } from '../../electron/api/methods';
import { createCore } from '../../electron/core/createCore';
import type { StudioCore } from '../../electron/core/studioCore';
import { BODY_LIMITS, InFlightLimit, MAX_REQUESTS_IN_FLIGHT } from '../../electron/server/requestLimits';
import { startServer } from '../../electron/server/startServer';
import type { RunningServer } from '../../electron/server/startServer';
import { rawRequest } from '../fixtures/rawHttp';

const methodNames = Object.keys(methodSchemas) as MethodName[];

let dir: string;
let core: StudioCore;
let server: RunningServer;

function post(method: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return rawRequest(server.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
    body,
  });
}

/** A JSON body of exactly `size` bytes: one padding field. */
function jsonOfSize(size: number): Buffer {
  const body = Buffer.alloc(size, 'a');
  body.write('{"padding":"', 0);
  body.write('"}', size - 2);
  return body;
}

/** A request that sends its headers and `sent` body bytes of `declared`, then stalls until destroyed. */
function stalledUpload(method: string, declared: number, sent = 16): Promise<{ request: http.ClientRequest; status: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: `/api/${method}`,
      headers: { Host: `127.0.0.1:${server.port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, 'Content-Length': String(declared) },
    });
    const status = new Promise<number>((settle) => {
      request.on('response', (response) => {
        response.resume();
        settle(response.statusCode ?? 0);
      });
      request.on('error', () => settle(-1));
    });
    request.flushHeaders();
    request.write(Buffer.alloc(sent, 0x20), (error) => (error ? reject(error) : resolve({ request, status })));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-limits-'));
  core = await createCore({ dbPath: path.join(dir, 'studio.db'), watch: false, scanOnStart: false, log: () => {} });
  server = await startServer({ core, rendererDir: dir });
});

afterAll(async () => {
  await server?.close();
  await core?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('body limits', () => {
  it('every method has its own, and only a mask save takes megabytes', () => {
    expect(Object.keys(BODY_LIMITS).sort()).toEqual([...methodNames].sort());
    for (const method of methodNames) {
      if (method !== 'masks.save') expect(BODY_LIMITS[method], method).toBeLessThanOrEqual(8 * 1024 * 1024);
    }
    expect(BODY_LIMITS['masks.save']).toBeLessThan(100 * 1024 * 1024);
  });

  it('a body one byte over a method limit is refused with 413; at the limit it is read', async () => {
    for (const method of ['app.info', 'library.roots', 'library.query', 'datasets.create', 'library.open', 'detect.run'] as const) {
      const limit = BODY_LIMITS[method];
      const over = await post(method, jsonOfSize(limit + 1));
      expect(over.status, `${method} over`).toBe(413);
      expect(JSON.parse(over.text)).toMatchObject({ ok: false, error: { code: 'invalid-input', message: `The body is larger than ${limit} bytes` } });
      // At the limit the body is read and validated (the padding field is then refused or ignored).
      expect((await post(method, jsonOfSize(limit))).status, `${method} at the limit`).not.toBe(413);
    }
    // What any method took before: 200 MiB to a method whose input is {} is refused unread.
    const declared = await post('library.roots', '{}', { 'Content-Length': String(200 * 1024 * 1024) }).catch(() => ({ status: 413, text: '' }));
    expect(declared.status).toBe(413);
  });

  it('a chunked body without a length is cut off at the limit', async () => {
    const limit = BODY_LIMITS['library.roots'];
    const response = await new Promise<number>((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/api/library.roots',
        headers: { Host: `127.0.0.1:${server.port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, 'Transfer-Encoding': 'chunked' },
      });
      request.on('response', (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      });
      request.on('error', reject);
      // Keeps sending: the answer must come while the client is still writing.
      const chunk = Buffer.alloc(1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 * limit && request.write(chunk)) sent += chunk.length;
        if (sent < 64 * limit) request.once('drain', pump);
      };
      pump();
    });
    expect(response).toBe(413);
  });
});

describe('requests in flight', () => {
  it('past the cap the server answers 503 at once, and serves again when they end', async () => {
    const stalled = await Promise.all(Array.from({ length: MAX_REQUESTS_IN_FLIGHT }, () => stalledUpload('library.roots', 1024)));
    try {
      const started = performance.now();
      const refused = await post('app.info', '{}');
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      const photo = await rawRequest(server.port, { path: '/files/photo/1', headers: { Authorization: `Bearer ${server.token}` } });
      expect(photo.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const { request } of stalled) request.destroy();
    }
    await expect.poll(async () => (await post('app.info', '{}')).status).toBe(200);
  });

  it('two stalled mask saves take the body budget: a third is refused, small calls still pass', async () => {
    const limit = BODY_LIMITS['masks.save'];
    const saves = await Promise.all([stalledUpload('masks.save', limit - 1024), stalledUpload('masks.save', limit - 1024)]);
    try {
      const third = await post('masks.save', '{}');
      expect(third.status).toBe(503);
      expect((await post('app.info', '{}')).status).toBe(200);
    } finally {
      for (const { request } of saves) request.destroy();
    }
    await expect.poll(async () => (await post('masks.save', '{}')).status).toBe(400);
  });

  it('counts each request once and gives its place back once', () => {
    const limit = new InFlightLimit(2, 100);
    const first = limit.tryEnter(60);
    expect(first).not.toBeNull();
    expect(limit.tryEnter(50), 'over the bytes').toBeNull();
    const second = limit.tryEnter(40);
    expect(limit.tryEnter(0), 'over the count').toBeNull();
    first?.();
    first?.();
    expect(limit.tryEnter(50)).not.toBeNull();
    expect(limit.tryEnter(0), 'the double give-back counted once').toBeNull();
    second?.();
  });
});
