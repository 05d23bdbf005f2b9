// `npm run bench -- NAME [args...]`: runs test/bench/NAME.ts (each writes JSON into
// bench-results/), then remakes the README's benchmark table from that JSON
// (scripts/benchTable.mjs). Without a name it lists the benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './electronBinary.mjs';

const benchDir = path.join(repoRoot, 'test', 'bench');
const available = readdirSync(benchDir).filter((name) => name.endsWith('.ts')).map((name) => name.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args...]`);
  process.exit(name ? 2 : 0);
}
const file = path.join(benchDir, `${name}.ts`);
if (!existsSync(file)) {
  process.exit(2);
}
const result = spawnSync('npx', ['tsx', file, ...args], { cwd: repoRoot, stdio: 'inherit' });
if (result.status !== 0) {
  process.exit(result.status ?? 1);
}
const table = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'benchTable.mjs')], { cwd: repoRoot, stdio: 'inherit' });
process.exit(table.status ?? 1);
