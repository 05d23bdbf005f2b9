/**
 * Issue 13, item 1, end to end: no cookie authorises anything. Browsers do not keep
 * cookies apart by port, so a cookie holding the token reached every other server on
 * 127.0.0.1 while the studio was open, and replayed alone it opened the whole API.
 *
 * The real server process and Debian's Chromium: the user works in the studio (grid,
 * viewer, events); another server on another loopback port records every header it is
 * sent while the same browser visits it. Then the old replay, the signed image URLs and
 * the socket's subprotocol are attacked from Node, where any header can be forged.
 */
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { rawRequest } from '../fixtures/rawHttp';
import { collectPageErrors } from './pageErrors';
import { callApi, writePhotos } from './studioApi';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

let workDir: string;
let server: StudioServer;
let port: number;
let token: string;
let photoIds: number[];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-credentials-'));
  const library = path.join(workDir, 'Library');
  await writePhotos(library, [
    { relPath: 'first.jpg', width: 480, height: 320 },
    { relPath: 'second.jpg', width: 360, height: 480 },
  ]);
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--no-sample', '--library', library]);
  const url = new URL(server.url);
  port = Number(url.port);
  token = url.searchParams.get('token') ?? '';
  await expect.poll(async () => (await callApi(server.url, 'library.query', {})).total, { timeout: 60_000 }).toBe(2);
  photoIds = (await callApi(server.url, 'library.query', { sort: 'name' })).photos.map((photo) => photo.id);
});

test.afterAll(() => stopAndRemove(server, workDir));

test('another server on 127.0.0.1 receives nothing of the studio while the same browser uses both', async ({ context, page }) => {
  const errors = collectPageErrors(page);
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  await page.goto(server.url);
  await expect(page).not.toHaveURL(/token=/);
  // The user works: the grid's thumbnails load, a photo opens in the viewer.
  const tiles = page.getByRole('listbox', { name: 'Photo grid' }).getByRole('option');
  await expect(tiles).toHaveCount(2);
  await expect.poll(() => tiles.first().locator('img').evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  await tiles.first().dblclick();
  await expect.poll(() => page.locator('img[src*="/files/photo/"]').first().evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

  // What the page holds: image URLs signed per resource, no token in them, no cookie.
  const sources = await page.locator('img[src*="/files/"]').evaluateAll((images) => images.map((image) => image.getAttribute('src') ?? ''));
  expect(sources.length).toBeGreaterThanOrEqual(3);
  for (const source of sources) {
    expect(source).toMatch(/[?&]exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
    expect(source).not.toContain(token);
  }
  expect(await context.cookies(), 'the studio set no cookie').toEqual([]);
  expect(sockets.length, 'the event socket is open').toBeGreaterThan(0);
  for (const socket of sockets) expect(socket, 'the socket URL carries no token').not.toContain(token);

  // The neighbour: a notebook or dev server on another port, recording what it is sent.
  const received: string[] = [];
  const neighbour = http.createServer((request, response) => {
    received.push(JSON.stringify(request.headers));
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<!doctype html><title>Notebook</title><img src="/logo.png"><script src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => neighbour.listen(0, '127.0.0.1', resolve));
  const neighbourUrl = `http://127.0.0.1:${(neighbour.address() as AddressInfo).port}`;
  try {
    const other = await context.newPage();
    await other.goto(`${neighbourUrl}/`);
    await other.evaluate(`fetch('/api/sessions', { credentials: 'include' }).then((r) => r.text())`);
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(3);
    for (const headers of received) {
      expect(headers, 'nothing of the studio in any header').not.toContain(token);
      expect(headers).not.toMatch(/studio_token/i);
    }
  } finally {
    await new Promise((resolve) => neighbour.close(resolve));
  }
  expect(errors).toEqual([]);
});

test('the old replay: the token as a cookie alone opens nothing', async () => {
  const cookies = [`studio_token_${port}=${token}`, `token=${token}`, `studio_token=${token}`];
  for (const cookie of cookies) {
    const api = await rawRequest(port, { method: 'POST', path: '/api/app.info', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
    expect(api.status, cookie).toBe(401);
    expect(api.text).not.toContain('dbPath');
    const photo = await rawRequest(port, { path: `/files/photo/${photoIds[0]}`, headers: { Cookie: cookie } });
    expect(photo.status, cookie).toBe(401);
    const socket = await new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, { headers: { Cookie: cookie } });
      // Terminating a refused handshake reports an error; the refusal was already read.
      ws.on('error', () => {});
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        ws.terminate();
      });
    });
    expect(socket, cookie).toBe(401);
  }
  // Nor does the token in a URL's query, where a cookie-less page once put it.
  expect((await rawRequest(port, { path: `/files/photo/${photoIds[0]}?token=${token}` })).status).toBe(401);
  expect((await rawRequest(port, { method: 'POST', path: `/api/app.info?token=${token}`, headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
});

test('a signed image URL opens that one image in a fresh browser, and nothing else', async ({ browser, page }) => {
  await page.goto(server.url);
  const tile = page.getByRole('listbox', { name: 'Photo grid' }).getByRole('option').first().locator('img');
  await expect(tile).toHaveAttribute('src', /\/files\/thumbnail\//);
  const source = (await tile.getAttribute('src')) ?? '';
  const leaked = new URL(source, new URL(server.url).origin);

  // A browser with no storage, no token: the signature alone opens the thumbnail.
  const fresh = await browser.newContext();
  try {
    const tab = await fresh.newPage();
    const answer = await tab.goto(leaked.href);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-type']).toMatch(/^image\//);
    const [kindId, id] = [leaked.pathname.replace(/\d+$/, ''), Number(/\d+$/.exec(leaked.pathname)?.[0])];
    const other = photoIds.find((candidate) => candidate !== id)!;
    const tries = [
      `${kindId}${other}${leaked.search}`,
      `${leaked.pathname.replace('thumbnail', 'photo')}${leaked.search}`,
      `${leaked.pathname.replace('thumbnail', 'mask')}${leaked.search}`,
      `${leaked.pathname}${leaked.search}&maxSide=64`,
    ];
    for (const target of tries) {
      const refused = await tab.goto(`${leaked.origin}${target}`);
      expect(refused?.status(), target).toBe(401);
      expect(refused?.headers()['content-type'], target).toMatch(/^text\/plain/);
    }
  } finally {
    await fresh.close();
  }
});
