/**
 * The editor's PNG at the core's door: what renderer/editor/png.ts writes is read by
 * inflateUnfilteredRows (one inflate, no sharp), which is what keeps a 24 MP save fast,
 * and is held to the same rules as any other PNG. Anything laid out otherwise, or flawed,
 * goes to sharp, which accepts or names the flaw.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { checkMaskPng, inflateUnfilteredRows, readPngHeader } from '../../../electron/core/annotate/maskPng';
import { encodeGrayPng, RowFilter } from '../../../renderer/editor/png';

const WIDTH = 64;
const HEIGHT = 48;

/** Left `columns` columns blurred (255), the rest in focus. */
function leftColumns(columns: number, height = HEIGHT): Uint8Array {
  const data = new Uint8Array(WIDTH * height);
  for (let y = 0; y < height; y++) data.fill(255, y * WIDTH, y * WIDTH + columns);
  return data;
}

/** Where each chunk of a PNG starts, by type. */
function chunkOffsets(png: Uint8Array): Map<string, number> {
  const offsets = new Map<string, number>();
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) {
    offsets.set(String.fromCharCode(...png.subarray(at + 4, at + 8)), at);
  }
  return offsets;
}

describe("checkMaskPng on the editor's PNGs", () => {
  it('reads them without sharp and measures the blur fraction', async () => {
    const data = leftColumns(16);
    const png = await encodeGrayPng(WIDTH, HEIGHT, data);
    const rows = await inflateUnfilteredRows(png, WIDTH, HEIGHT);
    expect(rows).not.toBeNull();
    expect(rows!.length).toBe(HEIGHT * (WIDTH + 1));
    // Row 1 behind its filter byte 0.
    expect(rows![WIDTH + 1]).toBe(0);
    expect(new Uint8Array(rows!.subarray(WIDTH + 2, 2 * WIDTH + 2))).toEqual(data.subarray(WIDTH, 2 * WIDTH));
    expect(await checkMaskPng(png, WIDTH, HEIGHT)).toEqual({ width: WIDTH, height: HEIGHT, blurFraction: 16 / 64 });
    expect((await checkMaskPng(await encodeGrayPng(WIDTH, HEIGHT, leftColumns(0)), WIDTH, HEIGHT)).blurFraction).toBe(0);
    expect((await checkMaskPng(await encodeGrayPng(WIDTH, HEIGHT, leftColumns(WIDTH)), WIDTH, HEIGHT)).blurFraction).toBe(1);
  });

  it('names the first soft pixel by its place in the photo, not in the scanlines', async () => {
    const data = leftColumns(8);
    data[3 * WIDTH + 10] = 128;
    const png = await encodeGrayPng(WIDTH, HEIGHT, data);
    expect(await inflateUnfilteredRows(png, WIDTH, HEIGHT)).not.toBeNull();
    await expect(checkMaskPng(png, WIDTH, HEIGHT)).rejects.toThrow('The mask must be binary (0 = in focus, 255 = blurred); pixel (10, 3) is 128.');
    const last = leftColumns(8);
    last[WIDTH * HEIGHT - 1] = 1;
    await expect(checkMaskPng(await encodeGrayPng(WIDTH, HEIGHT, last), WIDTH, HEIGHT)).rejects.toThrow(/pixel \(63, 47\) is 1\.$/);
  });

  it('leaves filtered and interlaced PNGs to sharp, which accepts them', async () => {
    const data = leftColumns(24);
    const filtered = await encodeGrayPng(WIDTH, HEIGHT, data, { filter: RowFilter.Up, compression: 'platform' });
    const bySharp = async (options: { progressive?: boolean; adaptiveFiltering?: boolean }): Promise<Uint8Array> =>
      new Uint8Array(await sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).toColorspace('b-w').png(options).toBuffer());
    const interlaced = await bySharp({ progressive: true });
    expect(interlaced[28]).toBe(1);
    for (const png of [filtered, interlaced, await bySharp({ adaptiveFiltering: true })]) {
      expect(await inflateUnfilteredRows(png, WIDTH, HEIGHT)).toBeNull();
      expect((await checkMaskPng(png, WIDTH, HEIGHT)).blurFraction).toBe(24 / 64);
    }
  });

  it('hands a broken CRC, a tRNS chunk, a stream of the wrong length or a cut file to sharp', async () => {
    const png = await encodeGrayPng(WIDTH, HEIGHT, leftColumns(8));
    const idat = chunkOffsets(png).get('IDAT')!;

    const badCrc = png.slice();
    badCrc[idat + 8 + new DataView(png.buffer, png.byteOffset).getUint32(idat) + 3]! ^= 0xff;
    expect(await inflateUnfilteredRows(badCrc, WIDTH, HEIGHT)).toBeNull();
    await expect(checkMaskPng(badCrc, WIDTH, HEIGHT)).rejects.toThrow(/could not be decoded/);

    // tRNS for gray: the 16-bit sample value that is transparent (here 0).
    const body = new Uint8Array([...Buffer.from('tRNS', 'latin1'), 0, 0]);
    const trns = new Uint8Array(12 + 2);
    new DataView(trns.buffer).setUint32(0, 2);
    trns.set(body, 4);
    new DataView(trns.buffer).setUint32(4 + body.length, crc32(body));
    const withAlpha = new Uint8Array([...png.subarray(0, idat), ...trns, ...png.subarray(idat)]);
    expect(await inflateUnfilteredRows(withAlpha, WIDTH, HEIGHT)).toBeNull();
    await expect(checkMaskPng(withAlpha, WIDTH, HEIGHT)).rejects.toThrow(/no transparency/);

    // The scanlines of a taller mask under this mask's header: more data than the size holds.
    const lying = (await encodeGrayPng(WIDTH, HEIGHT + 5, leftColumns(8, HEIGHT + 5))).slice();
    new DataView(lying.buffer).setUint32(20, HEIGHT);
    new DataView(lying.buffer).setUint32(29, crc32(lying.subarray(12, 29)));
    expect(readPngHeader(lying)).toMatchObject({ width: WIDTH, height: HEIGHT });
    expect(await inflateUnfilteredRows(lying, WIDTH, HEIGHT)).toBeNull();

    const cut = png.subarray(0, png.length - 20);
    expect(await inflateUnfilteredRows(cut, WIDTH, HEIGHT)).toBeNull();
    await expect(checkMaskPng(cut, WIDTH, HEIGHT)).rejects.toThrow(/could not be decoded/);
  });
});
