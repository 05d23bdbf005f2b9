/**
 * Every `defusion` subcommand, one module per command in this folder. Modules load on
 * demand: `defusion info` must not pay for (or depend on) the inference runtime that
 * `detect` loads. Add a command by adding its file and one line here.
 */
import type { CommandModule } from '../command';

export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  import: () => import('./import'),
  export: () => import('./export'),
  info: () => import('./info'),
  detect: () => import('./detect'),
  evaluate: () => import('./evaluate'),
  finetune: () => import('./finetune'),
};

export function isCommandName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}
