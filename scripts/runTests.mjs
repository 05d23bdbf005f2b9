// `npm test`: every suite of the project, one after the other, and one summary line.
//
// Static checks (lint, typecheck, svelte-check) count as one test each; vitest (unit +
// integration), pytest (the training package) and Playwright (E2E in Chromium) report
// their own counts, and in all three a skipped (or todo) test counts as failed. The last
// line is always `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = path.join(root, 'test-results', 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
// The training package's environment (scripts/setup.sh): Debian's torch plus the registry's
// packages that the backbone tests need; else the system Python.
const venvPython = path.join(root, '.venv', 'bin', 'python');
const python =
  process.env.DEFUSION_PYTHON ||
  (existsSync(venvPython) ? venvPython : existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const only = new Set(process.argv.slice(2));

function run(command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { status: result.status ?? 1, seconds: (Date.now() - started) / 1000 };
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Each suite returns {passed, failed}. A runner that crashed counts as one failure. */
const suites = [
  {
    name: 'lint',
    run: () => {
      const { status } = run('npx', ['eslint', '.']);
      return { passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 };
    },
  },
  {
    name: 'typecheck',
    run: () => {
      const node = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']).status;
      const web = run('npx', ['tsc', '-p', 'tsconfig.web.json', '--noEmit']).status;
      const passed = (node === 0 ? 1 : 0) + (web === 0 ? 1 : 0);
      return { passed, failed: 2 - passed };
    },
  },
  {
    name: 'svelte-check',
    run: () => {
      const { status } = run('npx', ['svelte-check', '--tsconfig', 'tsconfig.web.json', '--fail-on-warnings']);
      return { passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 };
    },
  },
  {
    name: 'vitest',
    run: () => {
      const output = path.join(reports, 'vitest.json');
      const { status } = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${output}`]);
      const report = readJson(output);
      if (!report) {
        return { passed: 0, failed: 1 };
      }
      // A skipped or todo test is a test that did not pass, as with pytest and Playwright.
      const unrun = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      const failed = report.numFailedTests + unrun + (status !== 0 && report.numFailedTests === 0 ? 1 : 0);
      return { passed: report.numPassedTests, failed };
    },
  },
  {
    name: 'pytest',
    run: () => {
      const output = path.join(reports, 'pytest.xml');
      const { status } = run(python, ['-m', 'pytest', '-q', 'models/training/tests', `--junitxml=${output}`]);
      if (!existsSync(output)) {
        return { passed: 0, failed: 1 };
      }
      const xml = readFileSync(output, 'utf8');
      const attribute = (name) => Number(new RegExp(`<testsuite[^>]*\\b${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
      const failed = attribute('failures') + attribute('errors');
      const passed = attribute('tests') - failed - attribute('skipped');
      return { passed, failed: failed + (status !== 0 && failed === 0 ? 1 : 0) + attribute('skipped') };
    },
  },
  {
    name: 'e2e',
    run: () => {
      const output = path.join(reports, 'playwright.json');
      const { status } = run('npx', ['playwright', 'test', '-c', 'test/e2e/playwright.config.ts', '--reporter=list,json'], {
        PLAYWRIGHT_JSON_OUTPUT_NAME: output,
      });
      const report = readJson(output);
      if (!report?.stats) {
        return { passed: 0, failed: 1 };
      }
      const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats;
      return { passed: expected, failed: unexpected + flaky + skipped + (status !== 0 && unexpected === 0 ? 1 : 0) };
    },
  },
];

const results = [];
for (const suite of suites) {
  if (only.size && !only.has(suite.name)) {
    continue;
  }
  console.log(`\n=== ${suite.name} ===`);
  const started = Date.now();
  const counts = suite.run();
  results.push({ name: suite.name, ...counts, seconds: (Date.now() - started) / 1000 });
}

console.log('\n=== summary ===');
for (const result of results) {
  console.log(`${result.name.padEnd(14)} ${String(result.passed).padStart(5)} passed ${String(result.failed).padStart(4)} failed  (${result.seconds.toFixed(0)} s)`);
}
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
