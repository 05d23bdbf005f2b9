/**
 * Starts the real browser-mode server (`electron/server/main.ts` through tsx) as a child
 * process and waits for its one `Studio:` line.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StudioServer {
  /** `http://127.0.0.1:PORT/?token=TOKEN` as printed. */
  url: string;
  /** Everything the server wrote to stderr, for failure messages. */
  log(): string;
  /** SIGTERM, then waits for the process to exit; returns its exit code. */
  stop(): Promise<number | null>;
}

export async function startStudioServer(args: string[], timeoutMs = 90_000): Promise<StudioServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'electron/server/main.ts'), '--no-open', ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no Studio: line within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/m.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it was ready\n${stderr}`));
    });
  });

  return {
    url,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/**
 * What a spec file does after its tests: stops its server, which must exit cleanly on
 * SIGTERM (anything else throws with the server's log), and removes its work folder.
 */
export async function stopAndRemove(server: StudioServer | undefined, workDir: string | undefined): Promise<void> {
  try {
    const code = await server?.stop();
    if (server && code !== 0) throw new Error(`the server did not exit cleanly on SIGTERM (exit code ${code})\n${server.log()}`);
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}
