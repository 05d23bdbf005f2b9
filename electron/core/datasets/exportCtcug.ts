/**
 * The CTCUG / CUHK layout's masks: `gt/STEM.png`, the studio's mask contract itself
 * (8-bit grayscale at the photo's oriented size, 255 = blurred), re-encoded with fixed
 * settings so that the same mask always gives the same file.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FormatWriter } from './exportFormat';
import { encodeMaskPng } from './maskPixels';

export async function createCtcugWriter(folder: string): Promise<FormatWriter> {
  const gtDir = join(folder, 'gt');
  await mkdir(gtDir);
  return {
    async addItem(item, mask) {
      await writeFile(join(gtDir, `${item.stem}.png`), await encodeMaskPng(mask));
    },
    async dropItem(item) {
      await rm(join(gtDir, `${item.stem}.png`), { force: true });
    },
    async finish() {},
  };
}
