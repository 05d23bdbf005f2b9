/**
 * Issue 13, stored masks: a client's mask PNG used to be stored byte for byte once its
 * pixels passed the checks, with whatever else the file carried. Over real HTTP, masks
 * that pass every pixel check but carry text chunks, a private chunk holding another
 * file, bytes after the zlib stream and bytes after IEND are saved; what the studio then
 * stores and serves is its own PNG: IHDR, IDAT, IEND and the pixels, nothing else.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../electron/api/codec';
import type { Envelope } from '../../electron/api/errors';
import type { Job, MaskVersion, PhotoMask, PhotoPage } from '../../electron/api/types';
import { createCore } from '../../electron/core/createCore';
import type { StudioCore } from '../../electron/core/studioCore';
import { startServer } from '../../electron/server/startServer';
import type { RunningServer } from '../../electron/server/startServer';
import { rawRequest } from '../fixtures/rawHttp';
import { makeJpeg } from '../unit/library/fixtures';

const WIDTH = 96;
const HEIGHT = 64;
const PAYLOAD = 'HIDDEN-PAYLOAD-<script>alert(1)</script>';

let dir: string;
let core: StudioCore;
let server: RunningServer;
let photoId: number;

async function call<T>(method: string, input: unknown): Promise<T> {
  const response = await rawRequest(server.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: encodeJson(input),
  });
  const envelope = decodeJson(response.text) as Envelope<T>;
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.value;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The left `blurred` columns at 255: the pixels every hostile file below carries. */
function scanlines(blurred: number): Buffer {
  const rows = Buffer.alloc(HEIGHT * (WIDTH + 1));
  for (let y = 0; y < HEIGHT; y++) rows.fill(255, y * (WIDTH + 1) + 1, y * (WIDTH + 1) + 1 + blurred);
  return rows;
}

function header(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(WIDTH, 0);
  ihdr.writeUInt32BE(HEIGHT, 4);
  ihdr[8] = 8;
  return chunk('IHDR', ihdr);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG's chunk types, in order. */
function chunkTypes(png: Uint8Array): string[] {
  const bytes = Buffer.from(png);
  const types: string[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    types.push(bytes.toString('latin1', at + 4, at + 8));
    at += 12 + length;
  }
  return types;
}

async function pixels(png: Uint8Array): Promise<Buffer> {
  return sharp(png).extractChannel(0).raw().toBuffer();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-stored-masks-'));
  await mkdir(path.join(dir, 'library'));
  await makeJpeg(path.join(dir, 'library', 'photo.jpg'), { width: WIDTH, height: HEIGHT });
  core = await createCore({ dbPath: path.join(dir, 'studio.db'), watch: false, scanOnStart: false, log: () => {} });
  server = await startServer({ core, rendererDir: dir });
  const opened = await call<{ jobId: string }>('library.open', { paths: [path.join(dir, 'library')] });
  for (let job = await call<Job>('jobs.get', { id: opened.jobId }); job.state !== 'done'; job = await call<Job>('jobs.get', { id: opened.jobId })) {
    if (job.state !== 'queued' && job.state !== 'running') throw new Error(`the scan ended ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  photoId = (await call<PhotoPage>('library.query', {})).photos[0]!.id;
});

afterAll(async () => {
  await server?.close();
  await core?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a saved mask is stored as the PNG the core writes', () => {
  const secretFile = Buffer.from(`%PDF-1.4 ${PAYLOAD} a whole other file`);
  const hostile: [string, () => Promise<Buffer>][] = [
    ['text chunks and a private chunk, on the fast road', async () =>
      Buffer.concat([
        SIGNATURE,
        header(),
        chunk('tEXt', Buffer.from(`Comment\0${PAYLOAD}`, 'latin1')),
        chunk('prIv', secretFile),
        chunk('IDAT', deflateSync(scanlines(24))),
        chunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${PAYLOAD}`, 'latin1')),
        chunk('IEND', Buffer.alloc(0)),
      ])],
    ['bytes after the zlib stream inside IDAT', async () =>
      Buffer.concat([SIGNATURE, header(), chunk('IDAT', Buffer.concat([deflateSync(scanlines(24)), Buffer.from(PAYLOAD)])), chunk('IEND', Buffer.alloc(0))])],
    ['bytes after IEND', async () => Buffer.concat([SIGNATURE, header(), chunk('IDAT', deflateSync(scanlines(24))), chunk('IEND', Buffer.alloc(0)), secretFile])],
    ['filtered rows and a text chunk, on the decoder road', async () => {
      const filtered = await sharp(Buffer.from(Array.from({ length: WIDTH * HEIGHT }, (_, i) => (i % WIDTH < 24 ? 255 : 0))), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } })
        .toColorspace('b-w')
        .png({ adaptiveFiltering: true })
        .toBuffer();
      // After the signature and IHDR (8 + 25 bytes), a text chunk.
      return Buffer.concat([filtered.subarray(0, 33), chunk('tEXt', Buffer.from(`Description\0${PAYLOAD}`, 'latin1')), filtered.subarray(33)]);
    }],
  ];

  for (const [what, make] of hostile) {
    it(what, async () => {
      const sent = await make();
      expect(sent.includes(Buffer.from('HIDDEN-PAYLOAD')), 'the payload is in what is sent').toBe(true);
      // Every one of them has valid pixels of the right size: the save is taken.
      const saved = await call<MaskVersion>('masks.save', { photoId, png: new Uint8Array(sent), status: 'corrected' });
      expect(saved.blurFraction).toBeCloseTo(24 / WIDTH, 6);
      const current = await call<PhotoMask>('masks.current', { photoId, datasetId: saved.datasetId });
      const served = await rawRequest(server.port, { path: `/files/mask/${photoId}?version=${saved.id}`, headers: { Authorization: `Bearer ${server.token}` } });
      expect(served.status).toBe(200);
      for (const stored of [Buffer.from(current!.png), served.body]) {
        expect(stored.includes(Buffer.from('HIDDEN-PAYLOAD')), 'no payload stored').toBe(false);
        expect(stored.equals(sent), 'not the client bytes').toBe(false);
        expect(chunkTypes(stored)).toEqual(['IHDR', 'IDAT', 'IEND']);
        expect((await pixels(stored)).equals(await pixels(sent)), 'the same pixels').toBe(true);
      }
    });
  }

  it('the same pixels always give the same stored bytes, however they were sent', async () => {
    const plain = Buffer.concat([SIGNATURE, header(), chunk('IDAT', deflateSync(scanlines(40), { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
    const filtered = await sharp(await pixels(plain), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).toColorspace('b-w').png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
    expect(plain.equals(filtered)).toBe(false);
    const first = await call<MaskVersion>('masks.save', { photoId, png: new Uint8Array(plain), status: 'corrected' });
    const a = Buffer.from((await call<PhotoMask>('masks.current', { photoId, datasetId: first.datasetId }))!.png);
    const second = await call<MaskVersion>('masks.save', { photoId, png: new Uint8Array(filtered), status: 'corrected' });
    const b = Buffer.from((await call<PhotoMask>('masks.current', { photoId, datasetId: second.datasetId }))!.png);
    expect(a.equals(b)).toBe(true);
  });
});
