// Bundles electron/main.ts and electron/preload.ts (and the detection worker) for the
// desktop app. Native modules stay external: electron-builder rebuilds them for Electron.
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './electronBinary.mjs';

const outDir = path.join(repoRoot, 'dist', 'electron');
/** Loaded by Node's require from node_modules (unpacked from asar), never bundled. */
const NATIVE_MODULES = ['better-sqlite3', 'sharp', 'onnxruntime-node'];
const external = ['electron', ...NATIVE_MODULES, 'fsevents', 'tsx', 'tsx/*'];
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, external, logLevel: 'warning' };
// The core finds its files from import.meta.url, which a CommonJS bundle lacks: give it
// the bundle's own URL, so paths resolve from dist/electron as they do from the sources.
const moduleUrl = {
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

await build({ ...common, ...moduleUrl, entryPoints: [path.join(repoRoot, 'electron/main.ts')], outfile: path.join(outDir, 'main.js'), format: 'cjs' });
// A sandboxed preload must be one CommonJS file that requires nothing but 'electron'.
await build({ ...common, entryPoints: [path.join(repoRoot, 'electron/preload.ts')], outfile: path.join(outDir, 'preload.cjs'), format: 'cjs' });
const worker = path.join(repoRoot, 'electron/core/detect/detectWorker.ts');
if (existsSync(worker)) {
  await build({ ...common, ...moduleUrl, entryPoints: [worker], outfile: path.join(outDir, 'detectWorker.js'), format: 'cjs' });
}
// The project is "type": "module", which would make Node (and Electron) read these .js
// bundles as ES modules and fail on their first require(). This marks the folder CommonJS.
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
console.log(`Electron bundles written to ${path.relative(repoRoot, outDir)}/`);
