/**
 * `wgneuro simulate model.json`: run an ensemble of an SDE model from a JSON file and print
 * per-variable mean and variance across trials at the end.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { dump } from 'npyjs';
import { createContext } from '../../core/context.js';
import type { NormalTransform, RandomGenerator } from '../../core/seed.js';
import { InputError, NumericalError } from '../../gpu/errors.js';
import { INTEGRATORS, modelFromJSON, resolveIntegrator, simulate, type IntegratorName } from '../../sde/index.js';
import { choiceOption, countOption, numberOption, seedOption } from '../options.js';
import { checkOutputFile, writeFileAtomic } from '../output/files.js';

interface SimulateCliOptions {
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  integrator: IntegratorName;
  rng: NormalTransform;
  generator: RandomGenerator;
  output?: string;
  json?: boolean;
  stepsPerDispatch?: number;
  allowWgsl?: boolean;
  keepPartial?: boolean;
}

const INTEGRATOR_NAMES = Object.keys(INTEGRATORS) as [IntegratorName, ...IntegratorName[]];
const NORMAL_TRANSFORMS = ['precise', 'fast'] as const satisfies readonly NormalTransform[];
const GENERATORS = ['philox', 'threefry'] as const satisfies readonly RandomGenerator[];

/** Registers `wgneuro simulate`. */
export function registerSde(program: Command): void {
  program
    .command('simulate')
    .description('simulate many trials of an SDE model (JSON file) on the GPU and print mean/variance per variable')
    .argument('<model>', 'model JSON: {state, params, drift, diffusion, noise?, event?} or {state, params, logDensity}')
    .option('--trials <n>', 'number of independent trials', countOption('trials', 2 ** 32 - 1), 1024)
    .option('--steps <n>', 'time steps per trial', countOption('steps', 2 ** 32 - 1), 1000)
    .option('--dt <h>', 'time step', numberOption('dt', { above: 0 }), 0.001)
    .option('--seed <k>', 'random seed', seedOption(), 0)
    .option('--integrator <name>', `one of ${INTEGRATOR_NAMES.join(', ')}`, choiceOption('integrator', INTEGRATOR_NAMES), 'em')
    .option('--generator <name>', 'counter-based generator: philox (Philox4x32-10) or threefry (Threefry-4x32-20, no multiplications); different numbers, same guarantees', choiceOption('generator', GENERATORS), 'philox')
    .option('--rng <transform>', "normal transform: precise (our own log/sincos, matches the CPU twin) or fast (the platform's builtins)", choiceOption('rng', NORMAL_TRANSFORMS), 'precise')
    .option('--steps-per-dispatch <n>', 'time steps per kernel dispatch (results do not depend on it)', countOption('steps-per-dispatch'))
    .option('-o, --output <file.npy>', 'write the final state, shape [trials, variables], float32')
    .option('--json', 'print the summary as JSON')
    .option('--allow-wgsl', 'accept raw-WGSL functions (functions.<f>.wgsl) in the model file; only for files you trust')
    .option('--keep-partial', 'report and write even when no trial stayed finite (means are then NaN), and say so')
    .action(async (path: string, opts: SimulateCliOptions) => {
      if (opts.output) await checkOutputFile(opts.output, '-o/--output');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new InputError(`cannot read '${path}': ${(err as Error).message}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new InputError(`'${path}' is not valid JSON: ${(err as Error).message}`);
      }
      const model = modelFromJSON(json, { allowRawWGSL: Boolean(opts.allowWgsl) });
      resolveIntegrator(opts.integrator, model); // a bad name or an unsupported scheme fails before any GPU work
      const { trials, steps, dt, seed, stepsPerDispatch } = opts;
      const ctx = await createContext();
      try {
        const t0 = performance.now();
        const run = await simulate(ctx, model, {
          trials, steps, dt, seed, integrator: opts.integrator, stepsPerDispatch, rng: opts.rng, generator: opts.generator,
          record: { final: Boolean(opts.output), stats: {} },
        });
        const seconds = (performance.now() - t0) / 1000;
        const n = model.state.length;
        const summary = {
          model: model.name,
          integrator: run.integrator.name,
          generator: opts.generator,
          rng: opts.rng,
          trials, steps, dt, seed,
          time: steps * dt,
          seconds,
          trajectoryStepsPerSecond: (trials * steps) / seconds,
          counted: run.stats?.count[0] ?? 0,
          diverged: run.diverged,
          absorbed: run.absorbed,
          variables: Object.fromEntries(model.state.map((v, k) => [v, {
            mean: run.stats?.mean[k] ?? Number.NaN,
            variance: run.stats?.variance[k] ?? Number.NaN,
          }])),
          ...(run.spikes ? { spikes: { mean: mean(run.spikes.counts), rate: mean(run.spikes.counts) / (steps * dt) } } : {}),
          ...(run.acceptance ? { acceptance: run.acceptance.mean } : {}),
        };
        // With one counted trial the (unbiased) variance is undefined, not a failure.
        const unusable = model.state.filter((_, k) => !Number.isFinite(run.stats?.mean[k] ?? Number.NaN)
          || (summary.counted >= 2 && !Number.isFinite(run.stats?.variance[k] ?? Number.NaN)));
        const problem = unusable.length
          ? `the mean or variance of ${unusable.join(', ')} is not finite (${run.diverged} of ${trials} trials diverged; ${summary.counted} counted)`
          : '';
        if (problem && !opts.keepPartial) throw new NumericalError(`simulate ${path}: ${problem}; nothing was written (--keep-partial reports it anyway)`);
        if (opts.output && run.finalState) {
          const out = new Float32Array(trials * n);
          for (let i = 0; i < trials; i++) for (let k = 0; k < n; k++) out[i * n + k] = run.finalState[k * trials + i]!;
          await writeFileAtomic(opts.output, new Uint8Array(dump(out, [trials, n])));
        }
        if (problem) process.stderr.write(`partial result: ${problem}\n`);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const lines = [
          `${model.name}: ${trials} trials × ${steps} steps of dt = ${dt} (t = ${steps * dt}), integrator ${run.integrator.name}, seed ${seed} (${opts.generator}, ${opts.rng} normals)`,
          `${(summary.trajectoryStepsPerSecond / 1e6).toFixed(2)} M trajectory-steps/s on ${ctx.info.adapter.description || ctx.info.adapter.vendor || 'this adapter'}`,
          'variable        mean            variance',
          ...model.state.map((v, k) => `${v.padEnd(15)} ${fmt(run.stats?.mean[k])} ${fmt(run.stats?.variance[k])}`),
        ];
        if (run.diverged) lines.push(`${run.diverged} trial(s) diverged (NaN/Inf) and were left out`);
        if (run.absorbed) lines.push(`${run.absorbed} trial(s) were absorbed at a boundary`);
        if (summary.spikes) lines.push(`spikes per trial: ${summary.spikes.mean.toFixed(4)} (rate ${summary.spikes.rate.toPrecision(5)} per unit time)`);
        if (summary.acceptance !== undefined) lines.push(`MALA acceptance: ${summary.acceptance.toFixed(4)}`);
        if (opts.output) lines.push(`final state [${trials}, ${n}] written to ${opts.output}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        ctx.destroy();
      }
    });
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

function fmt(v: number | undefined): string {
  return (v === undefined ? 'NaN' : v.toPrecision(8)).padEnd(15);
}
