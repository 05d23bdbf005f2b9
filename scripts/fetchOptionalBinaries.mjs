// Tries the downloads that the Electron and onnxruntime-node packages would make in
// their own install scripts (the Electron binary; onnxruntime's CUDA provider). Those
// scripts are disabled in package.json so that `npm install` succeeds offline; here a
// failure is only a warning: the CLI, the browser mode and the tests need neither.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Runs one optional install step and reports, never throws. */
function tryStep(label, script, env = {}) {
  if (!existsSync(script)) {
    return;
  }
  const childEnv = { ...process.env, ...env };
  // npm describes *this* package to its postinstall; the step must not take that for its
  // own (onnxruntime-node's script quietly skips everything when run "locally").
  delete childEnv.npm_package_json;
  delete childEnv.npm_config_local_prefix;
  const result = spawnSync(process.execPath, [script], {
    cwd: path.dirname(script),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  if (result.status === 0) {
    console.log(`defusion: ${label}: ok`);
  } else {
    const reason = (result.stderr?.toString() || result.error?.message || 'unknown error').trim().split('\n').pop();
    console.warn(`defusion: ${label} could not be installed (${reason}). ` +
      'This is expected offline; the browser mode, the CLI and the tests work without it.');
  }
}

function packageDir(name) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD !== '1') {
  const dir = packageDir('electron');
  if (dir) {
    tryStep('Electron binary', path.join(dir, 'install.js'));
  }
}
if (process.env.ONNXRUNTIME_NODE_INSTALL !== 'skip' && process.env.ONNXRUNTIME_NODE_INSTALL_CUDA !== 'skip') {
  const dir = packageDir('onnxruntime-node');
  if (dir) {
    tryStep('onnxruntime-node GPU providers', path.join(dir, 'script', 'install.js'));
  }
}
