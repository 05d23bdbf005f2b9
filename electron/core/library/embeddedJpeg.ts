/**
 * JPEG streams inside other files. Camera RAW files (NEF, CR2, ARW, DNG, RAF, ORF...)
 * carry one or more JPEG previews next to the sensor data; the library shows and
 * annotates the largest of them. Rather than knowing every maker's container, the file
 * is scanned for JPEG start markers and each candidate is walked marker by marker, so
 * only structurally complete streams count and a JPEG nested inside another (the EXIF
 * thumbnail of a preview) is skipped with its parent.
 */

/** One complete JPEG stream found inside a larger file. */
export interface EmbeddedJpeg {
  /** Byte offset of the SOI marker. */
  offset: number;
  /** Length in bytes, SOI to EOI inclusive. */
  length: number;
  width: number;
  height: number;
  /** The SOF marker (0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless...). */
  frameType: number;
}

const SOI = Uint8Array.of(0xff, 0xd8, 0xff);

/**
 * Frame types libjpeg decodes. Lossless JPEG (0xC3), used by CR2 and many DNGs for the
 * sensor data itself, is excluded: it is the biggest stream in the file but not a picture.
 */
const DECODABLE_FRAME_TYPES: ReadonlySet<number> = new Set([0xc0, 0xc1, 0xc2]);

/** Every structurally complete JPEG stream in `bytes`, in file order (nested ones skipped). */
export function findEmbeddedJpegs(bytes: Uint8Array): EmbeddedJpeg[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: EmbeddedJpeg[] = [];
  let from = 0;
  for (;;) {
    const offset = buffer.indexOf(SOI, from);
    if (offset < 0) break;
    const jpeg = parseJpegAt(buffer, offset);
    if (jpeg === null) {
      from = offset + 1;
    } else {
      found.push(jpeg);
      from = offset + jpeg.length;
    }
  }
  return found;
}

/**
 * The largest JPEG that a standard decoder can show (by pixel count, then byte length),
 * or null when there is none.
 */
export function largestDecodableJpeg(bytes: Uint8Array): EmbeddedJpeg | null {
  let best: EmbeddedJpeg | null = null;
  for (const jpeg of findEmbeddedJpegs(bytes)) {
    if (!DECODABLE_FRAME_TYPES.has(jpeg.frameType) || jpeg.width === 0 || jpeg.height === 0) continue;
    if (
      best === null ||
      jpeg.width * jpeg.height > best.width * best.height ||
      (jpeg.width * jpeg.height === best.width * best.height && jpeg.length > best.length)
    ) {
      best = jpeg;
    }
  }
  return best;
}

/** Walks the markers of the JPEG starting at `start`; null unless it is complete. */
function parseJpegAt(bytes: Buffer, start: number): EmbeddedJpeg | null {
  const end = bytes.length;
  let frame: { width: number; height: number; type: number } | null = null;
  let p = start + 2;
  while (p + 2 <= end) {
    if (bytes[p] !== 0xff) return null;
    let marker = bytes[p + 1] as number;
    // Any number of 0xFF fill bytes may precede a marker.
    while (marker === 0xff && p + 2 < end) {
      p += 1;
      marker = bytes[p + 1] as number;
    }
    p += 2;
    if (marker === 0xd9) {
      return frame === null ? null : { offset: start, length: p - start, width: frame.width, height: frame.height, frameType: frame.type };
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length field
    if (marker === 0x00 || marker === 0xd8 || marker === 0xff) return null;
    if (p + 2 > end) return null;
    const length = bytes.readUInt16BE(p);
    if (length < 2 || p + length > end) return null;
    if (isFrameMarker(marker)) {
      if (length < 8) return null;
      frame = { type: marker, height: bytes.readUInt16BE(p + 3), width: bytes.readUInt16BE(p + 5) };
    }
    p += length;
    if (marker === 0xda) {
      if (frame === null) return null;
      // Entropy-coded data: runs to the next marker that is not a stuffed 0xFF00 or a restart.
      for (;;) {
        const ff = bytes.indexOf(0xff, p);
        if (ff < 0 || ff + 1 >= end) return null;
        const next = bytes[ff + 1] as number;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
          p = ff + 2;
        } else if (next === 0xff) {
          p = ff + 1;
        } else {
          p = ff;
          break;
        }
      }
    }
  }
  return null;
}

/** SOF0..SOF15, except DHT (0xC4), JPG (0xC8) and DAC (0xCC) which share the range. */
function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

/**
 * A copy of `jpeg` whose only EXIF block is a minimal one holding `orientation`. RAW
 * previews are stored as the sensor saw the scene and the RAW file's own orientation
 * tag says how to turn them; written into the preview, every sharp pipeline can then
 * auto-orient it like any other JPEG. Other segments (ICC profile, JFIF) are kept.
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Buffer {
  const bytes = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG stream');
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let inserted = false;
  let p = 2;
  while (p + 4 <= bytes.length && bytes[p] === 0xff) {
    const marker = bytes[p + 1] as number;
    if (marker === 0xda || marker === 0xd9 || marker === 0xff || (marker >= 0xd0 && marker <= 0xd7)) break;
    const segmentEnd = p + 2 + bytes.readUInt16BE(p + 2);
    if (segmentEnd > bytes.length) break;
    // Keep JFIF (APP0) first, as readers expect, and put the new EXIF block right after it.
    if (!inserted && marker !== 0xe0) {
      parts.push(exifOrientationSegment(orientation));
      inserted = true;
    }
    const isExif = marker === 0xe1 && bytes.subarray(p + 4, p + 10).equals(EXIF_HEADER);
    if (!isExif) parts.push(bytes.subarray(p, segmentEnd));
    p = segmentEnd;
  }
  if (!inserted) parts.push(exifOrientationSegment(orientation));
  parts.push(bytes.subarray(p));
  return Buffer.concat(parts);
}

/** APP1 'Exif' segment with a big-endian TIFF header and one IFD0 entry: Orientation. */
function exifOrientationSegment(orientation: number): Buffer {
  const segment = Buffer.alloc(2 + 2 + 6 + 8 + 2 + 12 + 4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(segment.length - 2, 2);
  EXIF_HEADER.copy(segment, 4);
  const tiff = 10;
  segment.write('MM', tiff, 'latin1');
  segment.writeUInt16BE(42, tiff + 2);
  segment.writeUInt32BE(8, tiff + 4); // IFD0 right after the header
  segment.writeUInt16BE(1, tiff + 8); // one entry
  segment.writeUInt16BE(0x0112, tiff + 10); // Orientation
  segment.writeUInt16BE(3, tiff + 12); // SHORT
  segment.writeUInt32BE(1, tiff + 14); // count
  segment.writeUInt16BE(orientation, tiff + 18); // value, left-justified in the 4-byte field
  segment.writeUInt32BE(0, tiff + 22); // no next IFD
  return segment;
}
