/**
 * Serves the renderer built by Vite (`dist/renderer`). Paths are resolved inside that
 * folder and anything that would leave it is refused, whatever the encoding tricks.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  bytes: Buffer;
  mimeType: string;
  /** True for `index.html`, which gets the CSP and is never cached. */
  isPage: boolean;
  /** True for Vite's content-hashed assets, which may be cached forever. */
  immutable: boolean;
}

export type StaticResult = { kind: 'file'; file: StaticFile } | { kind: 'not-found' } | { kind: 'forbidden' };

/**
 * Resolves a URL pathname (still percent-encoded) to a file inside `rootDir`.
 * `/` is the page itself.
 */
export async function readStaticFile(rootDir: string, urlPathname: string): Promise<StaticResult> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    return { kind: 'forbidden' };
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const candidate = path.resolve(root, relative);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) {
    return { kind: 'forbidden' };
  }
  try {
    // A symlink inside dist must not point outside it either.
    const [realRoot, realCandidate] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!realCandidate.startsWith(realRoot + path.sep)) {
      return { kind: 'forbidden' };
    }
    const info = await stat(realCandidate);
    if (!info.isFile()) {
      return { kind: 'not-found' };
    }
    const bytes = await readFile(realCandidate);
    const extension = path.extname(realCandidate).toLowerCase();
    return {
      kind: 'file',
      file: {
        bytes,
        mimeType: MIME_TYPES[extension] ?? 'application/octet-stream',
        isPage: extension === '.html',
        immutable: relative.startsWith('assets/'),
      },
    };
  } catch {
    return { kind: 'not-found' };
  }
}
