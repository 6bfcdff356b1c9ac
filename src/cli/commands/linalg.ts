import type { Command } from 'commander';

/** Registers the linalg sub-commands (filled in by its issue). */
export function registerLinalg(program: Command): void {
  void program;
}
