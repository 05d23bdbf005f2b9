/**
 * Child process of store-crash.test.ts: saves masks into a database file as fast as it
 * can and prints `saved <versionId> <sha256 of the png>` after each save returns. The
 * parent kills it with SIGKILL at some point of that stream.
 *
 * Usage: tsx test/integration/store-crash.writer.ts DB_FILE
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { Store } from '../../electron/core/store/store';

const dbPath = process.argv[2];
if (!dbPath) {
  process.stderr.write('usage: store-crash.writer.ts DB_FILE\n');
  process.exit(2);
}

const store = Store.open(dbPath, { log: () => {} });
const root = store.addRoot('/crash-test');
const dataset = store.ensureDataset('crash');
const photos = Array.from({ length: 8 }, (_, i) =>
  store.upsertPhoto(root.id, `p${i}.png`, 1, {
    hash: `hash-${i}`, byteSize: 1, width: 64, height: 64, format: 'png',
    capturedAt: null, camera: null, lens: null, fNumber: null, focalLength: null,
  }),
);

/** A PNG-signed blob whose content depends on `n` and is a few KB, like a small mask. */
function maskBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(2048 + (n % 7) * 512);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let seed = createHash('sha256').update(`mask-${n}`).digest();
  for (let i = 8; i < bytes.length; i++) {
    if ((i - 8) % seed.length === 0 && i > 8) {
      seed = createHash('sha256').update(seed).digest();
    }
    bytes[i] = seed[(i - 8) % seed.length]!;
  }
  return bytes;
}

process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  const png = maskBytes(n);
  const version = store.saveMaskVersion({
    photoId: photos[n % photos.length]!.id,
    datasetId: dataset.id,
    png,
    author: 'human',
    status: 'corrected',
    blurFraction: (n % 100) / 100,
  });
  // Synchronous write: the line is in the pipe before the next save starts, so every
  // id the parent reads belongs to a save that had returned.
  writeSync(1, `saved ${version.id} ${createHash('sha256').update(png).digest('hex')}\n`);
}
