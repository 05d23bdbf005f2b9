/**
 * Argument parsing for the subcommands: node:util parseArgs in strict mode, with its
 * errors turned into a usage error (exit status 2) that names the command.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { EXIT_USAGE } from './command';
import type { CommandStreams } from './command';

/** A mistake in the command line: printed with the usage text, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` for `options` (positionals allowed); throws UsageError on anything unknown. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Prints `defusion <command>: message` and the usage text; returns exit status 2. */
export function reportUsageError(command: string, usage: string, message: string, streams: CommandStreams): number {
  streams.stderr.write(`defusion ${command}: ${message}\n\n${usage}\n`);
  return EXIT_USAGE;
}
