import type { Command } from 'commander';

/** Registers `wgneuro bench eig` on the `bench` command (filled in by its issue). */
export function registerBenchEig(bench: Command): void {
  void bench;
}
