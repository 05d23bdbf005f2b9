/**
 * What a `defusion` subcommand is: a module in commands/ exporting a one-line summary,
 * its usage text and `run`, which returns the exit status instead of exiting, so tests
 * and other commands can call it in-process.
 *
 * Exit status convention of every command: 0 success, 1 some items failed (each listed
 * with its reason), 2 usage error (with the usage text on stderr).
 */

export interface CommandStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface CommandModule {
  summary: string;
  usage: string;
  run(argv: string[], streams?: CommandStreams): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_USAGE = 2;

export function defaultStreams(): CommandStreams {
  return { stdout: process.stdout, stderr: process.stderr };
}
