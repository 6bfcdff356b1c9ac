import type { Command } from 'commander';

/** Registers `wgneuro run <experiment>` (filled in by the seed-experiments issue). */
export function registerRun(program: Command): void {
  void program;
}
