/**
 * `wgneuro network net.json`: simulate a network file (populations, projections) for many trials
 * and print per-population spike counts, rates and end-of-run statistics; `--out DIR` writes the
 * final states, spikes and rates as .npy files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dump } from 'npyjs';
import { createContext } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import {
  defineNetwork, NETWORK_TIME_UNITS, networkSummary, parseNetworkJSON, simulateNetwork, type Network, type NetworkDefinition, type SimulateNetworkResult,
} from '../../network/index.js';
import { readMatrixFile } from '../npy.js';
import { countOption, numberOption, seedOption } from '../options.js';

interface NetworkCliOptions {
  trials: string;
  steps: string;
  dt: string;
  seed: string;
  json?: boolean;
  out?: string;
  timeUnit: string;
  spikeCapacity?: string;
  rateBin?: string;
}

/** Seconds per unit of `--time-unit`. */
const TIME_UNITS = NETWORK_TIME_UNITS;

/**
 * Read a network file: validate it, then load every weight given as a `.npy` path (relative paths
 * resolve against the file's folder). Shape [to, from] is one matrix; [trials, to, from] one per trial.
 */
export async function loadNetworkFile(path: string): Promise<Network> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`'${path}' is not valid JSON: ${(err as Error).message}`);
  }
  const net = parseNetworkJSON(json, path);
  const projections = await Promise.all((net.projections ?? []).map(async (p, k) => {
    if (typeof p.weights !== 'string') return p;
    const file = resolve(dirname(path), p.weights);
    let m: Awaited<ReturnType<typeof readMatrixFile>>;
    try {
      m = await readMatrixFile(file, { ranks: [2, 3] });
    } catch (err) {
      // The file's own error says what is wrong with it; the field says where the user named it.
      if (err instanceof InputError) throw new InputError(`${path}: projections[${k}].weights: cannot read "${p.weights}": ${err.message.replace(/^cannot read \S+: /, '')}`);
      throw err;
    }
    const rows = net.populations[p.to]?.size;
    const cols = net.populations[p.from]?.size;
    const [a, b] = m.shape.slice(-2);
    if (rows !== undefined && cols !== undefined && (a !== rows || b !== cols)) {
      throw new InputError(`${path}: projections[${k}].weights: "${p.weights}" has shape [${m.shape.join(', ')}], expected [${rows}, ${cols}] ([to.size, from.size]) or [trials, ${rows}, ${cols}]`);
    }
    return { ...p, weights: { kind: 'dense' as const, data: m.data, perTrial: m.shape.length === 3 } };
  }));
  return defineNetwork({ ...net, projections } as NetworkDefinition);
}

async function writeOutputs(dir: string, run: SimulateNetworkResult, timeUnit: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const save = async (name: string, bytes: ArrayBuffer): Promise<void> => {
    await writeFile(join(dir, name), new Uint8Array(bytes));
    written.push(join(dir, name));
  };
  for (const p of Object.values(run.populations)) {
    if (p.final) await save(`${p.name}.final.npy`, dump(p.final, [run.trials, p.size, p.state.length]));
    const n = p.spikes.trial.length;
    const spikes = new Int32Array(3 * n);
    for (let k = 0; k < n; k++) {
      spikes[3 * k] = p.spikes.trial[k]!;
      spikes[3 * k + 1] = p.spikes.neuron[k]!;
      spikes[3 * k + 2] = p.spikes.step[k]!;
    }
    await save(`${p.name}.spikes.npy`, dump(spikes, [n, 3]));
    const binSeconds = p.rates.binSteps * run.dt * TIME_UNITS[timeUnit]!;
    const rates = Float32Array.from(p.rates.counts, (c) => c / (p.size * binSeconds));
    await save(`${p.name}.rates.npy`, dump(rates, [run.trials, p.rates.bins]));
  }
  return written;
}

/** Registers `wgneuro network`. */
export function registerNetwork(program: Command): void {
  program
    .command('network')
    .description('simulate many trials of a network file (populations + projections) on the GPU')
    .argument('<net>', 'network JSON: {name, populations: {P: {size, model, params?, sweep?}}, projections: [{from, to, on, target, weights, …}]}')
    .option('--trials <n>', 'independent trials (a batch)', '1')
    .option('--steps <n>', 'time steps', '1000')
    .option('--dt <h>', 'time step (in --time-unit)', '0.1')
    .option('--seed <k>', 'random seed (noise and rand()/randn() initial values)', '0')
    .option('--time-unit <unit>', 'unit of dt and of the model\'s time constants: ms or s (rates are in Hz)', 'ms')
    .option('--spike-capacity <n>', 'spike records kept per population')
    .option('--rate-bin <steps>', 'steps per population-rate bin (--out)')
    .option('--out <dir>', 'write <population>.final.npy [trials, size, variables], .spikes.npy [n, 3] (trial, neuron, step) and .rates.npy [trials, bins] (Hz)')
    .option('--json', 'print the summary as JSON')
    .action(async (path: string, opts: NetworkCliOptions) => {
      if (!(opts.timeUnit in TIME_UNITS)) throw new InputError(`--time-unit: got "${opts.timeUnit}", expected ms or s`);
      const trials = countOption('trials')(opts.trials);
      const steps = countOption('steps')(opts.steps);
      const dt = numberOption('dt', { above: 0 })(opts.dt);
      const seed = seedOption('seed')(opts.seed);
      const spikeCapacity = opts.spikeCapacity === undefined ? undefined : countOption('spike-capacity')(opts.spikeCapacity);
      const rateBinSteps = opts.rateBin === undefined ? undefined : countOption('rate-bin')(opts.rateBin);
      const network = await loadNetworkFile(path);
      const ctx = await createContext();
      try {
        const t0 = performance.now();
        const run = await simulateNetwork(ctx, network, { trials, steps, dt, seed, record: { spikeCapacity, rateBinSteps, final: Boolean(opts.out) } });
        const seconds = (performance.now() - t0) / 1000;
        const summary = networkSummary(run, opts.timeUnit, seconds);
        const written = opts.out ? await writeOutputs(opts.out, run, opts.timeUnit) : [];
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const lines = [
          `${summary.network}: ${trials} trial(s) × ${steps} steps of dt = ${dt} ${opts.timeUnit} (${summary.duration} ${opts.timeUnit}), seed ${seed}, ${seconds.toFixed(2)} s`,
          'population      size    spikes      rate (Hz)   mean / var of each variable at the end',
          ...Object.entries(summary.populations).map(([name, p]) => `${name.padEnd(15)} ${String(p.size).padEnd(7)} ${String(p.spikes).padEnd(11)} ${p.rateHz.toPrecision(4).padEnd(11)} ${Object.keys(p.mean).map((v) => `${v}: ${p.mean[v]!.toPrecision(4)} / ${p.var[v]!.toPrecision(4)}`).join(', ')}`),
        ];
        if (run.nonFinite) lines.push(`${run.nonFinite} trial(s) produced NaN/Inf`);
        for (const [name, p] of Object.entries(run.populations)) if (p.spikes.overflow) lines.push(`${name}: ${p.spikes.total} spikes, only the first ${p.spikes.capacity} recorded (--spike-capacity)`);
        for (const w of written) lines.push(`wrote ${w}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        ctx.destroy();
      }
    });
}
