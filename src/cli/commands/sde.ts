import type { Command } from 'commander';

/** Registers the sde sub-commands (filled in by its issue). */
export function registerSde(program: Command): void {
  void program;
}
