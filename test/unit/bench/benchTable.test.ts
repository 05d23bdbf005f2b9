/**
 * The README's benchmark table is made from bench-results/*.json, never typed: this fails
 * when the two disagree (a JSON committed without its table, or a figure edited by hand).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

it("README.md's benchmark table is the one bench-results/*.json make", () => {
  const check = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'benchTable.mjs'), '--check'], { encoding: 'utf8' });
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
});
