import type { Command } from 'commander';

/** Registers `wgneuro bench linalg` on the `bench` command (filled in by its issue). */
export function registerBenchLinalg(bench: Command): void {
  void bench;
}
