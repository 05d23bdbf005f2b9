// `npm start`: builds what the desktop app needs and launches Electron.
import { spawn, spawnSync } from 'node:child_process';
import { MISSING_ELECTRON_MESSAGE, electronBinary, repoRoot } from './electronBinary.mjs';

const binary = electronBinary();
if (!binary) {
  console.error(`npm start: ${MISSING_ELECTRON_MESSAGE}`);
  process.exit(1);
}
for (const script of ['build:renderer', 'build:electron']) {
  const result = spawnSync('npm', ['run', script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}
const child = spawn(binary, ['.', ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
child.on('error', (error) => {
  console.error(`npm start: could not run ${binary}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code) => process.exit(code ?? 0));
