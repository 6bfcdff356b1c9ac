import type { Command } from 'commander';

/** Registers `wgneuro bench sde` on the `bench` command (filled in by its issue). */
export function registerBenchSde(bench: Command): void {
  void bench;
}
