/**
 * Issue 7, the security rules of browser mode, end to end: the real server process
 * (`npm run serve` through tsx) with a real database and real photos, attacked from
 * Node (raw HTTP, where any header can be forged) and from Debian's Chromium (where
 * the browser decides what a page may send). The credentials themselves (no cookie,
 * signed resource URLs, the socket's subprotocol) are attacked in credentials.spec.ts.
 *
 * Every refusal is checked twice: by its status (401 for a missing or wrong token,
 * 403 for a foreign Origin or Host or a path the studio must not serve) and by its body,
 * which must never hold the bytes of the file that was asked for.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test } from '@playwright/test';
import sharp from 'sharp';
import WebSocket from 'ws';
import { EVENTS_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from '../../electron/api/browserAuth';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';
import { rawRequest } from '../fixtures/rawHttp';
import type { RawResponse } from '../fixtures/rawHttp';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rendererDir = path.join(projectRoot, 'dist', 'renderer');

let workDir: string;
let server: StudioServer;
let origin: string;
let port: number;
let token: string;
/** Photos of the open library root. */
let libraryDir: string;
let openPhotoId: number;
let openPhotoFile: Buffer;
/** A photo whose root was opened, read once, then closed. */
let closedPhotoId: number;
let closedPhotoFile: Buffer;
let closedPhotoServed: Buffer;
let closedThumbnailServed: Buffer;
/** A folder that is never a library root, with a photo and a text file in it. */
let secretDir: string;
let secretText: string;
let secretPhoto: Buffer;

/** POST /api/<method> as the renderer does; `auth` false sends no token at all. */
function apiRequest(method: string, input: unknown, headers: Record<string, string> = {}, auth = true): Promise<RawResponse> {
  return rawRequest(port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(input),
  });
}

/** A method's value, with the right token and headers. */
async function call<T>(method: string, input: unknown): Promise<T> {
  const response = await apiRequest(method, input);
  const envelope = JSON.parse(response.text) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!envelope.ok) throw new Error(`${method}: HTTP ${response.status}: ${envelope.error.message}`);
  return envelope.value;
}

/** Opens a folder as a library root and waits for its scan; returns the root id. */
async function openRoot(folder: string): Promise<number> {
  const opened = await call<{ roots: { id: number; path: string }[]; jobId: string }>('library.open', { paths: [folder] });
  await expect
    .poll(async () => (await call<{ state: string }>('jobs.get', { id: opened.jobId })).state, { timeout: 60_000 })
    .toBe('done');
  const root = opened.roots.find((candidate) => candidate.path === folder);
  if (!root) throw new Error(`library.open did not return ${folder}`);
  return root.id;
}

async function photoIdsOf(rootId: number): Promise<Map<string, number>> {
  const page = await call<{ photos: { id: number; relPath: string }[] }>('library.query', { rootId });
  return new Map(page.photos.map((photo) => [photo.relPath, photo.id]));
}

async function rootPaths(): Promise<string[]> {
  return (await call<{ path: string }[]>('library.roots', {})).map((root) => root.path);
}

/** A real photo: a gradient, shapes and noise, so no two files share long byte runs. */
async function writePhoto(file: string, width: number, height: number, seed: number): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="g"><stop offset="0" stop-color="hsl(${seed * 67},50%,30%)"/><stop offset="1" stop-color="hsl(${seed * 67 + 90},60%,70%)"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#eee"/></svg>`;
  const noise = await sharp(randomBytes(width * height), { raw: { width, height, channels: 1 } }).png().toBuffer();
  const bytes = await sharp(Buffer.from(svg))
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(file, bytes);
  return bytes;
}

/**
 * True when `body` holds any 48-byte run of `file` taken from a few places across it.
 * A refusal is a short text: it must never carry a piece of the file it refused.
 */
function containsFileBytes(body: Buffer, file: Buffer): boolean {
  const window = 48;
  if (file.length <= window) return body.includes(file);
  for (const fraction of [0, 0.2, 0.4, 0.6, 0.8]) {
    const start = Math.min(Math.floor(file.length * fraction) + 16, file.length - window);
    if (body.includes(file.subarray(start, start + window))) return true;
  }
  return false;
}

/** Asserts a refusal: the status, a short text or JSON body, none of the given files' bytes. */
function expectRefused(response: RawResponse, status: number, files: Buffer[], what: string): void {
  expect(response.status, `${what}: status`).toBe(status);
  expect(response.headers['content-type'] ?? '', `${what}: a text answer, not the file`).toMatch(/^(text\/plain|application\/json)/);
  expect(response.body.length, `${what}: a short answer`).toBeLessThan(1024);
  for (const file of files) {
    expect(containsFileBytes(response.body, file), `${what}: the body holds none of the file's bytes`).toBe(false);
  }
}

/** GET of a resource with the token as a Bearer header (or `headers` instead). */
function getResource(target: string, headers: Record<string, string> = { Authorization: `Bearer ${token}` }): Promise<RawResponse> {
  return rawRequest(port, { path: target, headers });
}

/** The subprotocols a page offers: the events one and the token. */
function socketProtocols(withToken = token): string[] {
  return [EVENTS_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${withToken}`];
}

/** Opens the event socket from Node; resolves 'open' or the refusal's HTTP status. */
function tryEventSocket(query: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/events${query}`, protocols, { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** Tries a TCP connection; resolves true when it was accepted. */
function canConnect(address: string, scopeInterface?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const host = scopeInterface ? `${address}%${scopeInterface}` : address;
    const socket = net.connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every address of this machine's interfaces other than 127.0.0.1 itself, plus 127.0.0.2 (also loopback). */
function otherLocalAddresses(): { address: string; scope?: string }[] {
  const found: { address: string; scope?: string }[] = [{ address: '127.0.0.2' }];
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.address === '127.0.0.1') continue;
      // A link-local IPv6 address is only reachable through its interface.
      found.push(info.family === 'IPv6' && info.address.startsWith('fe80:') ? { address: info.address, scope: name } : { address: info.address });
    }
  }
  return found;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  workDir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'studio-security-')));
  libraryDir = path.join(workDir, 'Library');
  const closedDir = path.join(workDir, 'Closed');
  secretDir = path.join(workDir, 'Private');
  await Promise.all([mkdir(libraryDir), mkdir(closedDir), mkdir(secretDir)]);
  openPhotoFile = await writePhoto(path.join(libraryDir, 'open.jpg'), 360, 240, 1);
  await writePhoto(path.join(libraryDir, 'second.jpg'), 300, 200, 2);
  closedPhotoFile = await writePhoto(path.join(closedDir, 'closed.jpg'), 320, 240, 3);
  secretPhoto = await writePhoto(path.join(secretDir, 'private.jpg'), 280, 210, 4);
  secretText = `private notes ${randomBytes(12).toString('hex')}\n`;
  await writeFile(path.join(secretDir, 'notes.txt'), secretText);

  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--no-sample']);
  const url = new URL(server.url);
  origin = url.origin;
  port = Number(url.port);
  token = url.searchParams.get('token') ?? '';

  openPhotoId = (await photoIdsOf(await openRoot(libraryDir))).get('open.jpg') ?? 0;
  const closedRoot = await openRoot(closedDir);
  closedPhotoId = (await photoIdsOf(closedRoot)).get('closed.jpg') ?? 0;
  // Read once while the root is open, to know what a leak of it would look like.
  const photo = await getResource(`/files/photo/${closedPhotoId}`);
  const thumbnail = await getResource(`/files/thumbnail/${closedPhotoId}`);
  expect([photo.status, thumbnail.status]).toEqual([200, 200]);
  closedPhotoServed = photo.body;
  closedThumbnailServed = thumbnail.body;
  expect((await call<{ closed: boolean }>('library.close', { rootId: closedRoot })).closed).toBe(true);
  expect(openPhotoId).toBeGreaterThan(0);
  expect(closedPhotoId).toBeGreaterThan(0);
});

test.afterAll(() => stopAndRemove(server, workDir));

test('listens on 127.0.0.1 only', async () => {
  expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=`));
  expect(await canConnect('127.0.0.1'), 'the studio answers on 127.0.0.1').toBe(true);
  const others = otherLocalAddresses();
  for (const { address, scope } of others) {
    expect(await canConnect(address, scope), `nothing listens on ${address}:${port}`).toBe(false);
  }
});

test('without the token nothing is answered, read or done', async ({ browser }) => {
  const query = await apiRequest('library.query', {}, {}, false);
  expectRefused(query, 401, [], 'library.query without a token');
  expect(query.headers['www-authenticate']).toBe('Bearer');
  expect(query.text).not.toContain('open.jpg');
  expect(JSON.parse(query.text)).toMatchObject({ ok: false });

  // A call that would change something changes nothing.
  const open = await apiRequest('library.open', { paths: [secretDir] }, {}, false);
  expectRefused(open, 401, [], 'library.open without a token');
  expect(await rootPaths()).not.toContain(secretDir);

  for (const kind of ['photo', 'thumbnail', 'mask', 'prediction']) {
    expectRefused(await rawRequest(port, { path: `/files/${kind}/${openPhotoId}` }), 401, [openPhotoFile], `/files/${kind} without a token`);
  }
  // The page is the renderer's build, the same for everyone: it holds no token and no data.
  const page = await rawRequest(port, { path: '/' });
  expect(page.status).toBe(200);
  expect(page.text).not.toContain(token);
  expect(page.headers['set-cookie']).toBeUndefined();

  // Chromium with no token in the URL: the app loads and reads nothing.
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const answer = await tab.goto(origin + '/');
    expect(answer?.status()).toBe(200);
    await expect(tab.getByRole('alert').first()).toContainText('Missing or wrong token');
    await expect(tab.getByText('open.jpg')).toHaveCount(0);
    const status = await tab.evaluate(`fetch('/api/library.roots', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status)`);
    expect(status, 'a same-origin call without the token').toBe(401);
    const image = await tab.goto(`${origin}/files/photo/${openPhotoId}`);
    expect(image?.status()).toBe(401);
    expect(containsFileBytes((await image?.body()) ?? Buffer.alloc(0), openPhotoFile)).toBe(false);
    expect(await context.cookies(origin), 'no cookie was set').toEqual([]);
  } finally {
    await context.close();
  }
});

test('a wrong token is refused wherever it is offered', async () => {
  const near = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const wrongs = [near, `${token}x`, token.slice(1), 'x'.repeat(token.length), ''];
  for (const wrong of wrongs) {
    expectRefused(await apiRequest('library.query', {}, { Authorization: `Bearer ${wrong}` }, false), 401, [], `Bearer '${wrong}'`);
    expectRefused(await getResource(`/files/photo/${openPhotoId}`, { Authorization: `Bearer ${wrong}` }), 401, [openPhotoFile], `photo with Bearer '${wrong}'`);
  }
  // The right token opens the same resource: the refusals above were about the token.
  const served = await getResource(`/files/photo/${openPhotoId}`);
  expect(served.status).toBe(200);
  expect(served.headers['content-type']).toMatch(/^image\//);
});

test('a request from a foreign Origin is refused, token or not', async () => {
  const foreign = ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost.evil.example:${port}`];
  for (const value of foreign) {
    const withOrigin = { Origin: value };
    const api = await apiRequest('library.open', { paths: [secretDir] }, withOrigin);
    expectRefused(api, 403, [], `library.open from ${value}`);
    expect(JSON.parse(api.text)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expectRefused(await apiRequest('library.query', {}, withOrigin, false), 403, [], `library.query from ${value} without a token`);
    expectRefused(await getResource(`/files/photo/${openPhotoId}`, { Authorization: `Bearer ${token}`, ...withOrigin }), 403, [openPhotoFile], `photo from ${value}`);
    expectRefused(await rawRequest(port, { path: `/?token=${token}`, headers: withOrigin }), 403, [], `the page from ${value}`);
    expect(await tryEventSocket('', withOrigin, socketProtocols()), `the event socket from ${value}`).toBe(403);
  }
  expect(await rootPaths()).not.toContain(secretDir);
  // The studio's own origins are accepted (by IP and by the loopback name).
  for (const own of [origin, `http://localhost:${port}`]) {
    expect((await apiRequest('library.roots', {}, { Origin: own })).status, own).toBe(200);
    expect(await tryEventSocket('', { Origin: own }, socketProtocols())).toBe('open');
  }
});

test('a page served from another loopback port cannot drive the studio', async ({ context }) => {
  // The attacker's page: a server of its own on 127.0.0.1, another port, another origin.
  // It knows the token (the worst case: a leaked URL) and tries every way a page has.
  const attackScript = `
    const studio = ${JSON.stringify(origin)};
    const token = ${JSON.stringify(token)};
    const photo = ${openPhotoId};
    const openBody = JSON.stringify({ paths: [${JSON.stringify(secretDir)}] });
    const results = {};
    async function attempt(name, run) {
      try { results[name] = await run(); } catch (error) { results[name] = 'rejected ' + (error && error.name); }
    }
    async function read(response) {
      return response.type === 'opaque' ? 'opaque' : 'read ' + response.status + ' ' + (await response.text()).slice(0, 80);
    }
    function xhr(method, url, body) {
      return new Promise((resolve) => {
        const request = new XMLHttpRequest();
        request.open(method, url);
        request.onload = () => resolve('read ' + request.status + ' ' + String(request.responseText).slice(0, 80));
        request.onerror = () => resolve('failed ' + request.status);
        request.send(body === undefined ? null : body);
      });
    }
    function socket(url, protocols) {
      return new Promise((resolve) => {
        const ws = new WebSocket(url, protocols);
        let opened = false;
        ws.onopen = () => { opened = true; ws.close(); };
        ws.onclose = (event) => resolve(opened ? 'opened' : 'closed ' + event.code);
      });
    }
    function image(url) {
      return new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve('read image ' + img.naturalWidth);
        img.onerror = () => resolve('failed');
        img.src = url;
      });
    }
    (async () => {
      for (const [label, suffix] of [['with token', '?token=' + token], ['without token', '']]) {
        await attempt('fetch cors json ' + label, async () => read(await fetch(studio + '/api/library.open' + suffix, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: openBody })));
        await attempt('fetch no-cors ' + label, async () => read(await fetch(studio + '/api/library.open' + suffix, {
          method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: openBody })));
        await attempt('fetch photo ' + label, async () => read(await fetch(studio + '/files/photo/' + photo + suffix)));
        await attempt('fetch photo no-cors ' + label, async () => read(await fetch(studio + '/files/photo/' + photo + suffix, { mode: 'no-cors' })));
        await attempt('xhr post ' + label, () => xhr('POST', studio + '/api/library.roots' + suffix, '{}'));
        await attempt('xhr photo ' + label, () => xhr('GET', studio + '/files/photo/' + photo + suffix));
        await attempt('image ' + label, () => image(studio + '/files/photo/' + photo + suffix));
        await attempt('websocket ' + label, () => socket(studio.replace('http:', 'ws:') + '/api/events' + suffix,
          suffix === '' ? ['studio-events'] : ['studio-events', 'studio-token.' + token]));
      }
      await attempt('fetch with bearer header', async () => read(await fetch(studio + '/api/library.open', {
        method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token }, body: openBody })));
      window.attackResults = results;
    })();
  `;
  const attacker = http.createServer((request, response) => {
    if (request.url === '/attack.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript' });
      response.end(attackScript);
    } else {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>Totally harmless</title><script src="/attack.js"></script>');
    }
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  try {
    // The user has the studio open in the same browser, and it left no cookie to abuse.
    const studioTab = await context.newPage();
    await studioTab.goto(server.url);
    await expect(studioTab).not.toHaveURL(/token=/);
    await expect(studioTab.getByText('open.jpg').first()).toBeVisible();
    expect(await context.cookies(origin)).toEqual([]);

    const evil = await context.newPage();
    // The page itself cannot see why a request failed; the DevTools protocol sees the
    // status the studio answered, even for answers the browser then withheld from the page.
    const devtools = await context.newCDPSession(evil);
    await devtools.send('Network.enable');
    const requests = new Map<string, { method: string; url: string; type: string }>();
    const statuses = new Map<string, number>();
    devtools.on('Network.requestWillBeSent', (event) => {
      requests.set(event.requestId, { method: event.request.method, url: event.request.url, type: event.type ?? '' });
    });
    devtools.on('Network.responseReceivedExtraInfo', (event) => statuses.set(event.requestId, event.statusCode));
    // A refused WebSocket handshake shows only in the console, with the status.
    const socketRefusals: string[] = [];
    evil.on('console', (message) => {
      const match = /WebSocket connection to '([^']+)' failed: .*?(\d{3})/.exec(message.text());
      if (match) socketRefusals.push(`${match[2]} ${new URL(match[1] ?? '').pathname}`);
      else if (message.text().includes('WebSocket')) socketRefusals.push(message.text());
    });
    const frames: string[] = [];
    evil.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
    await evil.goto(attackerOrigin + '/');
    await evil.waitForFunction('window.attackResults !== undefined', undefined, { timeout: 60_000 });
    const results = (await evil.evaluate('window.attackResults')) as Record<string, string>;

    expect(Object.keys(results)).toHaveLength(17);
    for (const [name, outcome] of Object.entries(results)) {
      expect(outcome, `${name}: the attacker's page read nothing`).toMatch(/^(rejected TypeError|opaque|failed|closed 1006)/);
    }
    expect(frames, 'no event reached the attacker').toEqual([]);
    // What reached the studio was refused as foreign, whatever token it carried
    // (a preflight refused, the request it guarded was never sent).
    const answered = [...requests]
      .filter(([, request]) => request.url.startsWith(`${origin}/`))
      .map(([id, request]) => `${statuses.get(id) ?? 'unsent'} ${request.method} ${new URL(request.url).pathname} (${request.type})`);
    for (const line of answered) {
      expect(line, 'every request of the foreign page').toMatch(/^(403 |unsent POST \/api\/library\.open \(Fetch\))/);
    }
    const refused = answered.filter((line) => line.startsWith('403 '));
    // Both rounds (with and without the token) of fetch, XHR, <img> and the preflights got there.
    expect(refused.length, 'the requests did reach the studio').toBeGreaterThanOrEqual(15);
    for (const type of ['Fetch', 'XHR', 'Image', 'Other']) {
      expect(refused.some((line) => line.endsWith(`(${type})`)), `a refused ${type} request`).toBe(true);
    }
    expect(socketRefusals, 'both event sockets were refused as foreign').toEqual(['403 /api/events', '403 /api/events']);
    expect(await rootPaths(), 'the private folder was not opened').not.toContain(secretDir);
  } finally {
    await new Promise((resolve) => attacker.close(resolve));
  }
});

test('a wrong Host is refused (DNS rebinding)', async () => {
  for (const host of [`evil.example:${port}`, 'evil.example', `rebind.test:${port}`, `127.0.0.1:${port + 1}`, `0.0.0.0:${port}`, `[::1]:${port}`]) {
    const headers = { Host: host };
    const api = await apiRequest('library.open', { paths: [secretDir] }, headers);
    expectRefused(api, 403, [], `library.open for Host ${host}`);
    expectRefused(await getResource(`/files/photo/${openPhotoId}`, { Authorization: `Bearer ${token}`, ...headers }), 403, [openPhotoFile], `photo for Host ${host}`);
    expectRefused(await rawRequest(port, { path: `/?token=${token}`, headers }), 403, [], `page for Host ${host}`);
    expect(await tryEventSocket('', headers, socketProtocols()), `event socket for Host ${host}`).toBe(403);
  }
  expect(await rootPaths()).not.toContain(secretDir);

  // A real rebinding: Chromium resolves an attacker's name to 127.0.0.1 and loads the
  // studio under that name, token included. The Host header gives it away.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
  });
  try {
    const tab = await (await browser.newContext()).newPage();
    const page = await tab.goto(`http://rebind.test:${port}/?token=${token}`);
    expect(page?.status()).toBe(403);
    await expect(tab.locator('body')).toContainText("Host 'rebind.test");
    const photo = await tab.goto(`http://rebind.test:${port}/files/photo/${openPhotoId}?token=${token}`);
    expect(photo?.status()).toBe(403);
    expect(containsFileBytes((await photo?.body()) ?? Buffer.alloc(0), openPhotoFile)).toBe(false);
  } finally {
    await browser.close();
  }
});

test('nothing outside the open library roots is served', async () => {
  const traversalFiles = [secretPhoto, Buffer.from(secretText), await readFile(path.join(projectRoot, 'package.json'))];
  // From dist/renderer (the static root) to the private folder, as a relative path.
  const toSecret = path.relative(rendererDir, path.join(secretDir, 'notes.txt')).split(path.sep);
  const encoded = toSecret.join('%2F');
  const attempts: { target: string; status: number }[] = [
    // Static files: an escaped '/' or '\' cannot climb out of dist/renderer.
    { target: `/${encoded}`, status: 403 },
    { target: `/assets/${encoded}`, status: 403 },
    { target: `/${toSecret.join('%5C')}`, status: 403 },
    { target: '/..%2F..%2Fpackage.json', status: 403 },
    { target: '/%2e%2e%2f%2e%2e%2fpackage.json', status: 403 },
    { target: '/index.html%00.txt', status: 403 },
    // Plain '..' segments are resolved by the URL parser first: they stay inside.
    { target: `/${toSecret.join('/')}`, status: 404 },
    { target: '/../../package.json', status: 404 },
    { target: '/%2e%2e/%2e%2e/package.json', status: 404 },
    { target: `//${secretDir.slice(1)}/notes.txt`, status: 404 },
    { target: `/%2F${secretDir.slice(1).split('/').join('%2F')}%2Fnotes.txt`, status: 404 },
    // Resources take a numeric id only, never a path.
    { target: `/files/photo/${encoded}`, status: 400 },
    { target: `/files/photo/..%2F..%2F${encoded}`, status: 400 },
    { target: `/files/photo/${openPhotoId}%2F..%2F..%2F${encoded}`, status: 400 },
    { target: `/files/photo/${openPhotoId}/../../../${toSecret.join('/')}`, status: 404 },
    { target: `/files/photo/${openPhotoId}/extra`, status: 404 },
    { target: `/files/..%2Fphoto/${openPhotoId}`, status: 404 },
    { target: `/files/photo/-1`, status: 400 },
    { target: `/files/photo/0x${openPhotoId.toString(16)}`, status: 400 },
    { target: `/files/photo/999999`, status: 404 },
  ];
  for (const { target, status } of attempts) {
    const response = await getResource(target);
    expectRefused(response, status, traversalFiles, target);
    expect(response.text, target).not.toContain(secretText.trim());
  }

  // A photo whose root was closed: its id no longer opens anything, in any form.
  const leaks = [closedPhotoFile, closedPhotoServed, closedThumbnailServed];
  for (const kind of ['photo', 'thumbnail', 'mask', 'prediction']) {
    const response = await getResource(`/files/${kind}/${closedPhotoId}`);
    expectRefused(response, 403, leaks, `${kind} of a closed root`);
    expect(response.text).toContain('not in an open library folder');
  }
  const sized = await getResource(`/files/photo/${closedPhotoId}?maxSide=64`);
  expectRefused(sized, 403, leaks, 'a scaled photo of a closed root');
  expect((await call<{ photos: unknown[] }>('library.query', {})).photos.length, 'the closed root is out of the grid').toBe(2);

  // The open root is still served, so the refusals above were about the paths.
  const served = await getResource(`/files/photo/${openPhotoId}`);
  expect(served.status).toBe(200);
});

test('the event socket refuses a missing or wrong token', async () => {
  expect(await tryEventSocket('')).toBe(401);
  expect(await tryEventSocket('', {}, socketProtocols(token.slice(0, -2)))).toBe(401);
  expect(await tryEventSocket('', { Authorization: `Bearer ${token}x` })).toBe(401);
  expect(await tryEventSocket('', {}, socketProtocols())).toBe('open');
  expect(await tryEventSocket('', { Authorization: `Bearer ${token}` })).toBe('open');
});

test('the page has a strict CSP and an injected inline script does not run', async ({ page }) => {
  const scriptRequests: string[] = [];
  const outsider = http.createServer((request, response) => {
    scriptRequests.push(request.url ?? '');
    response.writeHead(200, { 'Content-Type': 'text/javascript' });
    response.end('window.__outsiderRan = true;');
  });
  await new Promise<void>((resolve) => outsider.listen(0, '127.0.0.1', resolve));
  const outsiderUrl = `http://127.0.0.1:${(outsider.address() as AddressInfo).port}/payload.js`;
  try {
    const answer = await page.goto(server.url);
    expect(answer?.status()).toBe(200);
    const csp = answer?.headers()['content-security-policy'] ?? '';
    const directives = new Map(csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // No 'unsafe-eval' and no 'unsafe-inline' for scripts: strings and inline code are never code.
    expect(csp).not.toContain('unsafe-eval');
    expect(answer?.headers()['x-frame-options']).toBe('DENY');
    // The app itself runs under that policy, in a cross-origin isolated page.
    await expect(page.getByRole('textbox', { name: 'Library folder path' })).toBeVisible();
    expect(await page.evaluate('crossOriginIsolated')).toBe(true);

    await page.evaluate(`(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective));
    })()`);
    await page.evaluate(`new Promise((resolve) => {
      const inline = document.createElement('script');
      inline.textContent = 'window.__inlineRan = true;';
      document.head.append(inline);
      const handler = document.createElement('img');
      handler.setAttribute('onerror', 'window.__handlerRan = true');
      handler.src = 'data:,not-an-image';
      document.body.append(handler);
      const outside = document.createElement('script');
      outside.src = ${JSON.stringify(outsiderUrl)};
      document.head.append(outside);
      setTimeout(resolve, 500);
    })`);
    const ran = (await page.evaluate(`({
      inline: window.__inlineRan === true,
      handler: window.__handlerRan === true,
      outsider: window.__outsiderRan === true,
      violations: window.__violations,
    })`)) as { inline: boolean; handler: boolean; outsider: boolean; violations: string[] };
    expect(ran.inline, 'the inline <script> did not run').toBe(false);
    expect(ran.handler, 'the inline event handler did not run').toBe(false);
    expect(ran.outsider, 'a script from another origin did not run').toBe(false);
    expect(scriptRequests, 'the other origin was not even asked').toEqual([]);
    expect(ran.violations).toEqual(expect.arrayContaining(['script-src-elem', 'script-src-attr']));
    // Nor is a blob: URL the page made itself (script-src 'self' allows neither blob: nor data:).
    const blobResult = await page.evaluate(`new Promise((resolve) => {
      const generated = document.createElement('script');
      generated.src = URL.createObjectURL(new Blob(['window.__blobRan = true'], { type: 'text/javascript' }));
      generated.onerror = () => resolve('blob script refused');
      generated.onload = () => resolve('blob script ran');
      document.head.append(generated);
    })`);
    expect(blobResult).toBe('blob script refused');
  } finally {
    await new Promise((resolve) => outsider.close(resolve));
  }
});
