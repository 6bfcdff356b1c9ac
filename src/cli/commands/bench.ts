import type { Command } from 'commander';
import { registerBenchLinalg } from '../../../bench/linalg.js';
import { registerBenchEig } from '../../../bench/eig.js';
import { registerBenchSde } from '../../../bench/sde.js';

/** `wgneuro bench <suite>`: each suite lives in bench/ and registers itself here. */
export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run a benchmark suite on the current adapter');
  registerBenchLinalg(bench);
  registerBenchEig(bench);
  registerBenchSde(bench);
}
