/**
 * Where the bundled model lives. The studio detects with `models/defusionnet-cuhk.onnx`
 * unless the user picks another file (or activates a fine-tuned one); when the bundled
 * file is absent, the error says where it was looked for and how to pass a model.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../api/errors';

/** Relative to the application root (the repository, or the packaged app's resources). */
export const BUNDLED_MODEL = 'models/defusionnet-cuhk.onnx';

/** The folder holding the studio's package.json, found by walking up from this module. */
export function applicationRoot(): string | null {
  // A CommonJS bundle (the desktop build) has no import.meta.url, only __dirname.
  let dir = typeof import.meta.url === 'string' ? path.dirname(fileURLToPath(import.meta.url)) : __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
        if (name === 'defusion-studio') return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Folders where the bundled model may be, most specific first. */
export function bundledModelCandidates(): string[] {
  const roots: string[] = [];
  // Packaged Electron app: electron-builder copies models/ into the resources folder.
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resources) roots.push(resources);
  const root = applicationRoot();
  if (root) roots.push(root);
  return [...new Set(roots.map((root) => path.join(root, BUNDLED_MODEL)))];
}

/** The bundled model's path, or null when it is not installed. */
export function findBundledModel(): string | null {
  return bundledModelCandidates().find((candidate) => existsSync(candidate)) ?? null;
}

/**
 * The model to detect with: `explicit` when given (checked later, with the contract),
 * else the bundled one. Throws StudioError('bad-model') when neither is there.
 */
export function resolveModelPath(explicit?: string | null): string {
  if (explicit) return path.resolve(explicit);
  const bundled = findBundledModel();
  if (bundled) return bundled;
  const looked = bundledModelCandidates();
  throw new StudioError(
    'bad-model',
    `The bundled model ${BUNDLED_MODEL} is missing (looked for ${looked.join(', ') || 'it next to the studio'}). ` +
      'Pass a model file with --model FILE (for example test/fixtures/models/tiny-defusionnet.onnx), ' +
      'or export one with python3 -m defusionnet.export.',
    { looked },
  );
}
