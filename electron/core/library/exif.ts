/**
 * The EXIF fields the library records, read with exifr and normalised: capture time as
 * an ISO 8601 string, one camera name, lens, aperture and focal length (the two that
 * decide how much of a photo is out of focus), and the orientation.
 */
import exifr from 'exifr';

/** The EXIF fields the library keeps, normalised; null where the file says nothing. */
export interface PhotoExif {
  /** EXIF orientation 1..8, or null when the tag is absent. */
  orientation: number | null;
  /**
   * DateTimeOriginal (else CreateDate) as ISO 8601: local time as the camera recorded it,
   * with the offset only when the file states one (OffsetTimeOriginal).
   */
  capturedAt: string | null;
  /** 'Make Model' without the make repeated: 'Canon EOS 5D', 'NIKON D850'. */
  camera: string | null;
  lens: string | null;
  fNumber: number | null;
  /** Millimetres. */
  focalLength: number | null;
}

/** No EXIF at all. */
export const EMPTY_EXIF: PhotoExif = Object.freeze({
  orientation: null,
  capturedAt: null,
  camera: null,
  lens: null,
  fNumber: null,
  focalLength: null,
});

const TAGS = [
  'Make', 'Model', 'Orientation', 'DateTimeOriginal', 'CreateDate', 'SubSecTimeOriginal',
  'OffsetTimeOriginal', 'LensModel', 'FNumber', 'ApertureValue', 'FocalLength',
];

/**
 * EXIF of a JPEG, a TIFF or TIFF-based RAW file, or a bare TIFF-structured EXIF block
 * (see exifBlockToTiff). Never throws: unreadable or missing EXIF gives EMPTY_EXIF.
 */
export async function readExif(bytes: Uint8Array): Promise<PhotoExif> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      tiff: true, ifd0: {}, exif: true, gps: false, interop: false, ifd1: false,
      makerNote: false, userComment: false, xmp: false, icc: false, iptc: false,
      jfif: false, ihdr: false, translateValues: false, reviveValues: false, pick: TAGS,
    })) as Record<string, unknown> | undefined;
  } catch {
    // Broken EXIF is common (editors, phones) and never a reason to refuse the photo.
    return EMPTY_EXIF;
  }
  if (tags === undefined || tags === null) return EMPTY_EXIF;

  const orientation = integerIn(tags.Orientation, 1, 8);
  const aperture = positiveNumber(tags.FNumber) ?? apexToFNumber(positiveNumber(tags.ApertureValue));
  const focalLength = positiveNumber(tags.FocalLength);
  return {
    orientation,
    capturedAt: exifDateToIso(tags.DateTimeOriginal, tags.SubSecTimeOriginal, tags.OffsetTimeOriginal) ?? exifDateToIso(tags.CreateDate, undefined, undefined),
    camera: cameraName(cleanText(tags.Make), cleanText(tags.Model)),
    lens: cleanText(tags.LensModel),
    fNumber: aperture === null ? null : round(aperture, 1),
    focalLength: focalLength === null ? null : round(focalLength, 2),
  };
}

/** Field by field: `primary`, and `fallback` where primary has nothing. */
export function mergeExif(primary: PhotoExif, fallback: PhotoExif): PhotoExif {
  return {
    orientation: primary.orientation ?? fallback.orientation,
    capturedAt: primary.capturedAt ?? fallback.capturedAt,
    camera: primary.camera ?? fallback.camera,
    lens: primary.lens ?? fallback.lens,
    fNumber: primary.fNumber ?? fallback.fNumber,
    focalLength: primary.focalLength ?? fallback.focalLength,
  };
}

/** sharp's `metadata().exif` starts with the APP1 'Exif\0\0' header; exifr wants the TIFF part. */
export function exifBlockToTiff(block: Uint8Array): Uint8Array {
  const hasHeader = block.length >= 6 && Buffer.from(block.buffer, block.byteOffset, 6).toString('latin1') === 'Exif\0\0';
  return hasHeader ? block.subarray(6) : block;
}

/**
 * One display name from Make and Model. Makers often repeat themselves ('Canon' +
 * 'Canon EOS 5D', 'NIKON CORPORATION' + 'NIKON D850'), so the make is dropped when the
 * model already starts with it or with one of its words ('EASTMAN KODAK' + 'KODAK DCS'),
 * and company suffixes are dropped from it.
 */
export function cameraName(make: string | null, model: string | null): string | null {
  const shortMake = make?.replace(/[\s,]+(imaging\s+)?(corporation|corp\.?|company|co\.?,?\s*ltd\.?|ltd\.?|inc\.?|gmbh|ag)$/i, '').trim() || null;
  if (model === null) return shortMake;
  if (shortMake === null) return model;
  const makeWords = shortMake.toLowerCase().split(/\s+/);
  const modelFirstWord = model.toLowerCase().split(/\s+/)[0] ?? '';
  if (model.toLowerCase().startsWith(shortMake.toLowerCase()) || makeWords.includes(modelFirstWord)) return model;
  return `${shortMake} ${model}`;
}

/** 'YYYY:MM:DD HH:MM:SS' (colons or dashes) to ISO 8601; null when absent or invalid. */
export function exifDateToIso(value: unknown, subSeconds: unknown, offset: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  // Unset clocks write zeros ('0000:00:00 00:00:00'); nothing before photography is real.
  if (year < 1826 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
  const fraction = typeof subSeconds === 'string' || typeof subSeconds === 'number' ? String(subSeconds).trim() : '';
  if (/^\d+$/.test(fraction)) iso += `.${fraction.padEnd(3, '0').slice(0, 3)}`;
  if (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim())) iso += offset.trim();
  return iso;
}

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex -- EXIF strings are NUL-padded
  const text = value.replace(/\u0000/g, ' ').replace(/\s+/g, ' ').trim();
  return text === '' ? null : text;
}

function positiveNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function integerIn(value: unknown, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** ApertureValue is APEX: f-number = 2^(Av / 2). */
function apexToFNumber(apex: number | null): number | null {
  return apex === null ? null : Math.pow(2, apex / 2);
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
