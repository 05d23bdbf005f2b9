// Bundles electron/main.ts and electron/preload.ts (and the detection worker) for the
// desktop app. Native modules stay external: electron-builder rebuilds them for Electron.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './electronBinary.mjs';

const external = ['electron', 'better-sqlite3', 'sharp', 'onnxruntime-node', 'fsevents', 'tsx', 'tsx/*'];
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, external, logLevel: 'info' };

await build({ ...common, entryPoints: [path.join(repoRoot, 'electron/main.ts')], outfile: path.join(repoRoot, 'dist/electron/main.js'), format: 'cjs' });
// A sandboxed preload must be one CommonJS file that requires nothing but 'electron'.
await build({ ...common, entryPoints: [path.join(repoRoot, 'electron/preload.ts')], outfile: path.join(repoRoot, 'dist/electron/preload.cjs'), format: 'cjs' });
const worker = path.join(repoRoot, 'electron/core/detect/detectWorker.ts');
if (existsSync(worker)) {
  await build({ ...common, entryPoints: [worker], outfile: path.join(repoRoot, 'dist/electron/detectWorker.js'), format: 'cjs' });
}
