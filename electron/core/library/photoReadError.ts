/**
 * Why a file under a library root could not be read as a photo. `reason` is one short
 * sentence for the per-file error list of the UI and the CLI; `code` lets callers group.
 */

/** Kinds of PhotoReadError, for grouping errors in the UI and the CLI. */
export type PhotoReadErrorCode =
  | 'empty'
  | 'not-found'
  | 'unreadable'
  | 'not-image'
  | 'unsupported-format'
  | 'corrupt'
  | 'too-many-pixels'
  | 'too-large'
  | 'no-raw-preview';

/** A file under a library root that is not a usable photo, and why. */
export class PhotoReadError extends Error {
  override readonly name = 'PhotoReadError';
  constructor(
    readonly code: PhotoReadErrorCode,
    readonly reason: string,
    readonly absPath?: string,
  ) {
    super(absPath === undefined ? reason : `${absPath}: ${reason}`);
  }
}

/** Turns a file-system error into a PhotoReadError; anything else is passed through. */
export function photoReadErrorFromFs(error: unknown, absPath: string): unknown {
  if (error instanceof PhotoReadError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new PhotoReadError('unreadable', 'permission denied: the file cannot be read', absPath);
    case 'ENOENT':
      return new PhotoReadError('not-found', 'the file no longer exists', absPath);
    case 'EISDIR':
      return new PhotoReadError('not-image', 'a folder, not a file', absPath);
    case 'EIO':
      return new PhotoReadError('unreadable', 'input/output error while reading the file', absPath);
    case 'ERR_FS_FILE_TOO_LARGE':
      return new PhotoReadError('too-large', 'the file is too large to read (over 2 GB)', absPath);
    default:
      return error;
  }
}
