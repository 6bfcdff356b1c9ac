/**
 * `wgneuro bench sde` on the command line; the benchmark itself is in sde-run.ts (browser-safe).
 */
import type { Command } from 'commander';
import { countOption } from '../src/cli/options.js';
import { createContext } from '../src/core/context.js';
import { sdeBenchFromOptions, type BenchSdeCliOptions } from './sde-run.js';

export * from './sde-run.js';

/** Counts are parsed strictly by the CLI's one option parser (`1e3` is 1000; `1.5`, `abc` are errors). */
const positiveInt = (name: string): ((text: string) => number) => countOption(name);

/** Registers `wgneuro bench sde` on the `bench` command. */
export function registerBenchSde(bench: Command): void {
  bench
    .command('sde')
    .description('ensemble SDE trajectory-steps/s: GBM (DiffEqGPU GPUEM problem) and conductance LIF, vs TF.js-WebGPU and plain JS, with and without noise; the random-number path alone')
    .option('--trajectories <n>', 'GBM trajectories (DiffEqGPU used 8388608 on a V100)', positiveInt('trajectories'), 16384)
    .option('--lif-trials <n>', 'LIF trials', positiveInt('lif-trials'), 4096)
    .option('--lif-steps <n>', 'LIF steps of 0.1 ms', positiveInt('lif-steps'), 1000)
    .option('--js-trajectories <n>', 'trajectories for the plain-JS loop (its rate is per trajectory-step)', positiveInt('js-trajectories'), 2048)
    .option('--reps <n>', 'timed repetitions after a warm-up (median reported)', positiveInt('reps'), 3)
    .option('--no-tfjs', 'skip the TF.js-WebGPU comparison')
    .option('--cpu-time', 'also report process CPU time (Node; on a CPU adapter the work itself, less inflated than wall time by other jobs)')
    .option('--json', 'print JSON')
    .action(async (opts: BenchSdeCliOptions) => {
      const ctx = await createContext();
      try {
        const result = await sdeBenchFromOptions(ctx, opts, opts.json ? undefined : (line) => process.stderr.write(`${line}\n`));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const lines = [
          `adapter: ${result.adapter}`,
          'workload  implementation         trajectories  steps   time (ms)   traj-steps/s   integration only   wgneuro ×   check',
          ...result.rows.map((r) => [
            r.workload.padEnd(9), r.implementation.padEnd(22), String(r.trajectories).padStart(12), String(r.steps).padStart(6),
            r.ms.toFixed(1).padStart(11), r.trajectoryStepsPerSecond.toExponential(3).padStart(14),
            (r.integrationStepsPerSecond ? r.integrationStepsPerSecond.toExponential(3) : '').padStart(18),
            r.wgneuroSpeedup.toFixed(2).padStart(11), r.check.toPrecision(6).padStart(10),
            ...(r.cpuMs === undefined ? [] : [`cpu ${r.cpuMs.toFixed(1)} ms`, `${r.trajectoryStepsPerCpuSecond!.toExponential(3)}/cpu-s`, `wgneuro × ${r.wgneuroSpeedupCpu!.toFixed(2)} (cpu)`]),
          ].join(' ')),
          '',
          'random-number path (calls per second; a call is one generator block or one 4-normal transform; × peer: over the "before" formulation, or Threefry over Philox now)',
          'variant                                       calls/s        × peer',
          ...result.generator.map((g) => `${g.variant.padEnd(44)} ${g.callsPerSecond.toExponential(3).padStart(10)} ${g.speedupOverBefore.toFixed(2).padStart(9)}${
            g.callsPerCpuSecond === undefined ? '' : `   cpu: ${g.callsPerCpuSecond.toExponential(3)}/s × peer ${g.speedupOverBeforeCpu!.toFixed(2)}`}`),
          ...result.notes,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        ctx.destroy();
      }
    });
}
