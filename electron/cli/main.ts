/**
 * The `defusion` command line: `defusion <command> [options]`. Each command lives in
 * commands/; this file only dispatches, prints the overall help, and sets the exit status.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_OK, EXIT_USAGE, defaultStreams } from './command';
import type { CommandStreams } from './command';
import { COMMANDS, isCommandName } from './commands';

async function overview(): Promise<string> {
  const lines: string[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    let summary: string;
    try {
      summary = (await load()).summary;
    } catch (error) {
      summary = `(unavailable: ${error instanceof Error ? error.message : String(error)})`;
    }
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return `Usage: defusion <command> [options]

DeFusion Studio on the command line: defocus blur detection, datasets and the photo library.

Commands:
${lines.join('\n')}

Run 'defusion <command> --help' for the options of a command.`;
}

/** Runs the command line `argv` (without node and the script) and returns the exit status. */
export async function main(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = await overview();
    (name === undefined ? streams.stderr : streams.stdout).write(`${text}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!isCommandName(name)) {
    streams.stderr.write(`defusion: unknown command '${name}'\n\n${await overview()}\n`);
    return EXIT_USAGE;
  }
  const command = await COMMANDS[name]!();
  return command.run(rest, streams);
}

/** Runs `main` on this process's arguments and sets the exit status. */
export async function runProcess(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`defusion: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

// `npx tsx electron/cli/main.ts ...` runs this file itself; bin/defusion.js calls runProcess().
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void runProcess();
}
