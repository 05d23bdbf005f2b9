/**
 * Walks a folder and probes a file, printing what happened as one JSON line. The
 * permission test runs it as an unprivileged user: root reads every file whatever its
 * mode, so a permission error can only be seen from another account.
 */
import { probePhoto } from '../../../../electron/core/library/probe';
import { walkLibrary } from '../../../../electron/core/library/walk';
import type { WalkEntry } from '../../../../electron/core/library/walk';

const [root, file] = process.argv.slice(2);
if (root === undefined || file === undefined) throw new Error('usage: readWithoutPermission ROOT FILE');

const entries: WalkEntry[] = [];
for await (const entry of walkLibrary(root)) entries.push(entry);
let probe: { ok: true } | { ok: false; name: string; code: string; reason: string };
try {
  await probePhoto(file);
  probe = { ok: true };
} catch (error) {
  const { name, code, reason } = error as { name: string; code: string; reason: string };
  probe = { ok: false, name, code, reason };
}
process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), entries, probe })}\n`);
