/**
 * What the editor and detection E2E specs share: calling the studio's API from the test
 * (the same HTTP + JSON codec the renderer uses, with the run's token), reading stored
 * masks back as pixels, and writing a small folder of real photos.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeJson, encodeJson } from '../../electron/api/codec';
import type { Envelope } from '../../electron/api/errors';
import type { MethodInput, MethodName, MethodResult } from '../../electron/api/methods';

/** The page URL with the test hook on (`?test=1` survives the token's removal). */
export function testPageUrl(serverUrl: string): string {
  return serverUrl.replace('/?', '/?test=1&');
}

function tokenOf(serverUrl: string): string {
  const token = new URL(serverUrl).searchParams.get('token');
  if (!token) throw new Error(`no token in ${serverUrl}`);
  return token;
}

/** Calls an API method as the renderer does; throws with the core's message on failure. */
export async function callApi<M extends MethodName>(serverUrl: string, method: M, input: MethodInput<M>): Promise<MethodResult<M>> {
  const response = await fetch(new URL(`/api/${method}`, serverUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokenOf(serverUrl)}` },
    body: encodeJson(input),
  });
  const envelope = decodeJson(await response.text()) as Envelope<MethodResult<M>>;
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.value;
}

/** GETs a binary resource (`/files/<kind>/<id>`) with the run's token. */
export async function fetchResource(serverUrl: string, kind: string, id: number, params: Record<string, string | number> = {}): Promise<Uint8Array> {
  const url = new URL(`/files/${kind}/${id}`, serverUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  const response = await fetch(url, { headers: { Authorization: `Bearer ${tokenOf(serverUrl)}` } });
  if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Decodes a stored mask (or probability map) PNG with sharp: one byte per pixel. */
export async function decodeGray(png: Uint8Array): Promise<{ width: number; height: number; channels: number; data: Uint8Array }> {
  const metadata = await sharp(png).metadata();
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: metadata.channels, data: new Uint8Array(data) };
}

export interface PhotoFile {
  relPath: string;
  width: number;
  height: number;
}

/**
 * Writes JPEG photos with real structure (a sharp subject on a background blurred as if
 * out of focus), one per spec, deterministic per index.
 */
export async function writePhotos(root: string, specs: readonly PhotoFile[]): Promise<void> {
  for (const [index, spec] of specs.entries()) {
    const { width, height } = spec;
    const hue = (index * 67 + 20) % 360;
    const circles = Array.from({ length: 9 }, (_, i) => {
      const x = ((i * 97 + index * 31) % 100) / 100;
      const y = ((i * 53 + index * 17) % 100) / 100;
      return `<circle cx="${Math.round(x * width)}" cy="${Math.round(y * height)}" r="${Math.round(Math.min(width, height) * (0.06 + (i % 4) * 0.03))}" fill="hsl(${(hue + i * 23) % 360},55%,${40 + (i % 3) * 12}%)"/>`;
    }).join('');
    const background = await sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="hsl(${hue},35%,30%)"/>${circles}</svg>`,
      ),
    )
      .blur(Math.max(2, Math.min(width, height) / 80))
      .png()
      .toBuffer();
    const side = Math.round(Math.min(width, height) * 0.4);
    const subject = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect x="3" y="3" width="${side - 6}" height="${side - 6}" rx="${side / 8}" fill="hsl(${(hue + 180) % 360},60%,50%)" stroke="#111" stroke-width="5"/>` +
        Array.from({ length: 6 }, (_, i) => `<line x1="${(i + 1) * (side / 7)}" y1="8" x2="${(i + 1) * (side / 7)}" y2="${side - 8}" stroke="#f4f4f4" stroke-width="3"/>`).join('') +
        `</svg>`,
    );
    const pixels = await sharp(background).composite([{ input: subject, left: Math.round(width * 0.55), top: Math.round((height - side) / 2) }]).png().toBuffer();
    const file = path.join(root, spec.relPath);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await sharp(pixels).jpeg({ quality: 88 }).toBuffer());
  }
}
