import type { Command } from 'commander';

/** Registers the eig sub-commands (filled in by its issue). */
export function registerEig(program: Command): void {
  void program;
}
