/**
 * `wgneuro bench network`, side by side in one run:
 *  (a) Brian2's CUBA example (Brette et al. 2007, benchmark 2): 4000 LIF neurons (3200 E, 800 I),
 *      p = 0.02, exponential current synapses τe = 5 ms, τi = 10 ms, we = 1.62 mV, wi = −9 mV,
 *      El = −49 mV, Vt = −50 mV, Vr = −60 mV, τm = 20 ms, refractory 5 ms, dt = 0.1 ms,
 *      v₀ uniform in [Vr, Vt] — run in Brian2 itself (Debian's python3-brian, installed when
 *      missing) and in wgneuro (examples/networks/cuba.json) over several seeds: firing-rate
 *      statistics of both (mean rate, E vs I, CV of inter-spike intervals) and wall time per
 *      simulated second as a ratio, plus T trials of the same network in one wgneuro run;
 *  (b) a dense rate network dx = (−x + W tanh(x) + h) dt + σ dW, N = 1024 and 4096, 64 trials:
 *      steps/s of wgneuro (tiled and gather coupling) against a TF.js-WebGPU loop on the same device
 *      and a plain-JS loop, and the bandwidth the coupling product reaches as a fraction of the
 *      adapter's measured copy bandwidth (the whole step's time is charged to the product, so the
 *      fraction is a lower bound).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { createContext, type Context } from '../src/core/context.js';
import { measureCopyBandwidth, median } from '../src/internal.js';
import { defineNetwork, simulateNetwork, type NetworkDefinition, type SimulateNetworkResult } from '../src/network/index.js';
import { normal4FromBits, philox4x32_10 } from '../src/reference/philox.js';
import { seedToKey } from '../src/core/seed.js';
import { loadTfWebGPUOrNote, type Tf } from './peers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CUBA_FILE = join(here, '../examples/networks/cuba.json');
const BRIAN2_SCRIPT = join(here, 'cuba_brian2.py');
const PYTHON = '/usr/bin/python3';

/** Firing statistics of one CUBA run. */
export interface CubaStats {
  meanRateHz: number;
  rateE: number;
  rateI: number;
  /** Mean over neurons with ≥ 3 spikes of the coefficient of variation of their inter-spike intervals. */
  cvISI: number;
  spikes: number;
}

/** One CUBA run of one implementation. */
export interface CubaRow {
  implementation: 'brian2' | 'wgneuro';
  target: string;
  seed: number;
  trials: number;
  durationMs: number;
  wallSeconds: number;
  /** Wall seconds per simulated second, per trial. */
  secondsPerSimSecondPerTrial: number;
  stats: CubaStats;
}

/** Rate statistics from spike (neuron, time in ms) lists of one trial of the 4000-neuron CUBA network. */
export function cubaStats(neuron: ArrayLike<number>, timeMs: ArrayLike<number>, durationMs: number): CubaStats {
  const perNeuron: number[][] = Array.from({ length: 4000 }, () => []);
  let e = 0;
  for (let k = 0; k < neuron.length; k++) {
    perNeuron[neuron[k]!]!.push(timeMs[k]!);
    if (neuron[k]! < 3200) e++;
  }
  const cvs: number[] = [];
  for (const times of perNeuron) {
    if (times.length < 3) continue;
    times.sort((a, b) => a - b);
    const isi = times.slice(1).map((t, k) => t - times[k]!);
    const m = isi.reduce((a, b) => a + b, 0) / isi.length;
    const v = isi.reduce((a, b) => a + (b - m) ** 2, 0) / isi.length;
    cvs.push(Math.sqrt(v) / m);
  }
  const seconds = durationMs / 1000;
  return {
    meanRateHz: neuron.length / (4000 * seconds),
    rateE: e / (3200 * seconds),
    rateI: (neuron.length - e) / (800 * seconds),
    cvISI: cvs.length ? cvs.reduce((a, b) => a + b, 0) / cvs.length : Number.NaN,
    spikes: neuron.length,
  };
}

/** Whether Brian2 imports; installs Debian's python3-brian when it does not (and says so). */
function ensureBrian2(log: (line: string) => void): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import brian2; print(brian2.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return probe.stdout.trim();
  log('Brian2 is not installed: installing Debian\'s python3-brian with apt-get (needs root and the Debian mirror)…');
  const install = spawnSync('apt-get', ['install', '-y', 'python3-brian'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.status !== 0) {
    log(`apt-get install python3-brian failed: ${(install.stderr || install.error?.message || '').split('\n').slice(-3).join(' ')}`);
    return null;
  }
  const again = spawnSync(PYTHON, ['-c', 'import brian2; print(brian2.__version__)'], { encoding: 'utf8' });
  return again.status === 0 ? again.stdout.trim() : null;
}

function runBrian2(seed: number, durationMs: number, target: string): { wallSeconds: number; setupSeconds: number; neuron: number[]; timeMs: number[] } {
  const out = execFileSync(PYTHON, [BRIAN2_SCRIPT, String(seed), String(durationMs), target], {
    encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'], cwd: here,
  });
  const line = out.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

/** The CUBA network of examples/networks/cuba.json with the connectivity seeds shifted by `seed`. */
function cubaNetwork(seed: number): NetworkDefinition {
  const def = JSON.parse(readFileSync(CUBA_FILE, 'utf8')) as NetworkDefinition;
  def.projections = def.projections!.map((p, k) => ({ ...p, weights: { ...(p.weights as { kind: 'fixed-probability'; p: number; weight: number; seed: number }), seed: 4 * seed + k } }));
  return def;
}

function wgneuroCubaStats(res: SimulateNetworkResult, trial: number, durationMs: number, dt: number): CubaStats {
  const neuron: number[] = [];
  const time: number[] = [];
  for (const [pop, offset] of [['E', 0], ['I', 3200]] as const) {
    const s = res.populations[pop]!.spikes;
    for (let k = 0; k < s.trial.length; k++) {
      if (s.trial[k] !== trial) continue;
      neuron.push(s.neuron[k]! + offset);
      time.push((s.step[k]! + 1) * dt);
    }
  }
  return cubaStats(neuron, time, durationMs);
}

/** (a): Brian2 and wgneuro on CUBA. */
export async function runCubaBench(ctx: Context, o: { durationMs: number; seeds: number; trials: number; brian2: boolean; target: string },
  log: (line: string) => void): Promise<{ rows: CubaRow[]; brian2Version: string | null; notes: string[] }> {
  const rows: CubaRow[] = [];
  const notes: string[] = [];
  const dt = 0.1;
  const steps = Math.round(o.durationMs / dt);
  let version: string | null = null;
  if (o.brian2) {
    version = ensureBrian2(log);
    if (!version) notes.push('Brian2 could not be installed or imported: its rows are missing');
  }
  for (let seed = 1; seed <= o.seeds; seed++) {
    if (version) {
      let target = o.target;
      let r: ReturnType<typeof runBrian2>;
      try {
        r = runBrian2(seed, o.durationMs, target);
      } catch (err) {
        notes.push(`Brian2 target '${target}' failed (${String((err as Error).message).split('\n')[0]}); fell back to numpy`);
        target = 'numpy';
        r = runBrian2(seed, o.durationMs, target);
      }
      rows.push({
        implementation: 'brian2', target, seed, trials: 1, durationMs: o.durationMs, wallSeconds: r.wallSeconds,
        secondsPerSimSecondPerTrial: r.wallSeconds / (o.durationMs / 1000), stats: cubaStats(r.neuron, r.timeMs, o.durationMs),
      });
      log(`CUBA seed ${seed}: Brian2 (${target}) ${r.wallSeconds.toFixed(2)} s (code generation and set-up ${r.setupSeconds.toFixed(1)} s, not counted)`);
    }
    const net = defineNetwork(cubaNetwork(seed));
    if (seed === 1) await simulateNetwork(ctx, net, { trials: 1, steps: 10, dt, seed }); // warm-up: pipelines
    const t0 = performance.now();
    const res = await simulateNetwork(ctx, net, { trials: 1, steps, dt, seed, record: { final: false, stats: false } });
    const wall = (performance.now() - t0) / 1000;
    rows.push({
      implementation: 'wgneuro', target: ctx.info.adapter.description || ctx.info.adapter.vendor, seed, trials: 1, durationMs: o.durationMs,
      wallSeconds: wall, secondsPerSimSecondPerTrial: wall / (o.durationMs / 1000), stats: wgneuroCubaStats(res, 0, o.durationMs, dt),
    });
    log(`CUBA seed ${seed}: wgneuro ${wall.toFixed(2)} s`);
  }
  if (o.trials > 1) {
    const net = defineNetwork(cubaNetwork(1));
    const t0 = performance.now();
    const res = await simulateNetwork(ctx, net, { trials: o.trials, steps, dt, seed: 100, record: { final: false, stats: false } });
    const wall = (performance.now() - t0) / 1000;
    const perTrial = Array.from({ length: o.trials }, (_, r) => wgneuroCubaStats(res, r, o.durationMs, dt));
    const avg = (f: (s: CubaStats) => number): number => perTrial.reduce((a, s) => a + f(s), 0) / perTrial.length;
    rows.push({
      implementation: 'wgneuro', target: `${o.trials} trials in one run`, seed: 100, trials: o.trials, durationMs: o.durationMs, wallSeconds: wall,
      secondsPerSimSecondPerTrial: wall / (o.durationMs / 1000) / o.trials,
      stats: { meanRateHz: avg((s) => s.meanRateHz), rateE: avg((s) => s.rateE), rateI: avg((s) => s.rateI), cvISI: avg((s) => s.cvISI), spikes: avg((s) => s.spikes) },
    });
    log(`CUBA: wgneuro ${o.trials} trials ${wall.toFixed(2)} s`);
  }
  return { rows, brian2Version: version, notes };
}

/** One dense-rate measurement. */
export interface RateRow {
  n: number;
  trials: number;
  implementation: 'wgneuro tiled' | 'wgneuro gather' | 'tfjs-webgpu' | 'plain-js';
  steps: number;
  ms: number;
  stepsPerSecond: number;
  /** wgneuro: 4·N² bytes of W per step over the step time, as a fraction of the copy bandwidth. */
  bandwidthFraction?: number;
  wgneuroSpeedup: number;
  /** Mean of x over trials and neurons at the end. */
  check: number;
}

const RATE = { h: 0.2, sigma: 0.3, g: 0.8, dt: 0.05 };

/** Dense Gaussian W with entries N(0, g²/N), deterministic (Philox, seed 1). */
function rateWeights(n: number): Float32Array {
  const W = new Float32Array(n * n);
  const key = seedToKey(1);
  const words = new Uint32Array(4);
  const z = new Float64Array(4);
  const scale = RATE.g / Math.sqrt(n);
  for (let q = 0; q < n * n; q += 4) {
    philox4x32_10([q >>> 2, 0, 0, 0x5257], key, words);
    normal4FromBits(words, z);
    for (let l = 0; l < 4 && q + l < n * n; l++) W[q + l] = z[l]! * scale;
  }
  return W;
}

async function tfRate(tf: Tf, W: Float32Array, n: number, trials: number, steps: number): Promise<number> {
  const w = tf.tensor2d(W, [n, n]);
  let x = tf.zeros([trials, n]);
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const input = tf.matMul(tf.tanh(x), w, false, true); // [trials, n]: row r = W tanh(x_r)
      const drift = tf.add(tf.sub(input, x), RATE.h);
      const noise = tf.mul(tf.randomNormal([trials, n], 0, 1, 'float32', s), RATE.sigma * Math.sqrt(RATE.dt));
      return tf.add(tf.add(x, tf.mul(drift, RATE.dt)), noise);
    });
    x.dispose();
    x = next;
  }
  const data = await x.data();
  x.dispose();
  w.dispose();
  let sum = 0;
  for (let q = 0; q < data.length; q++) sum += Number(data[q]);
  return sum / data.length;
}

/** Plain JS (float64) of the same network, same Philox noise stream as the engine. */
function jsRate(W: Float32Array, n: number, trials: number, steps: number): number {
  const key = seedToKey(1);
  const words = new Uint32Array(4);
  const z = new Float64Array(4);
  let sum = 0;
  for (let r = 0; r < trials; r++) {
    let x = new Float64Array(n);
    let next = new Float64Array(n);
    const s = new Float64Array(n);
    for (let step = 0; step < steps; step++) {
      for (let j = 0; j < n; j++) s[j] = Math.tanh(x[j]!);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) acc += W[row + j]! * s[j]!;
        philox4x32_10([i, step, r, 0x4e570000], key, words);
        normal4FromBits(words, z);
        next[i] = x[i]! + (acc - x[i]! + RATE.h) * RATE.dt + RATE.sigma * Math.sqrt(RATE.dt) * z[0]!;
      }
      [x, next] = [next, x];
    }
    for (let i = 0; i < n; i++) sum += x[i]!;
  }
  return sum / (trials * n);
}

/** (b): dense rate networks. */
export async function runRateBench(ctx: Context, o: { sizes: number[]; trials: number; steps: number; jsTrials: number; tfjs: boolean; reps: number },
  log: (line: string) => void): Promise<{ rows: RateRow[]; copyGBs: number; notes: string[] }> {
  const notes: string[] = [];
  const copy = await measureCopyBandwidth(ctx);
  const copyGBs = copy.gbps;
  const tf = o.tfjs ? await loadTfWebGPUOrNote(ctx.device, notes) : null;
  const rows: RateRow[] = [];
  for (const n of o.sizes) {
    const W = rateWeights(n);
    const net = defineNetwork({
      name: `dense-rate-${n}`,
      populations: { R: { size: n, model: { state: ['x'], params: { h: RATE.h, sigma: RATE.sigma }, drift: { x: '-x + input + h' }, diffusion: { x: 'sigma' } } } },
      projections: [{ from: 'R', to: 'R', on: 'step', source: 'tanh(x)', target: 'input', weights: W }],
    });
    const base: RateRow[] = [];
    for (const coupling of ['tiled', 'gather'] as const) {
      let check = 0;
      const once = async (steps: number): Promise<number> => {
        const t0 = performance.now();
        const res = await simulateNetwork(ctx, net, { trials: o.trials, steps, dt: RATE.dt, seed: 1, coupling, record: { final: false } });
        if (steps === o.steps) check = res.populations.R!.stats!.mean.x!;
        return performance.now() - t0;
      };
      await once(1); // warm-up
      const times: number[] = [];
      for (let r = 0; r < o.reps; r++) times.push(await once(o.steps) - await once(1));
      const ms = Math.max(median(times), 1e-3);
      const sps = (o.steps - 1) / (ms / 1000);
      const row: RateRow = {
        n, trials: o.trials, implementation: `wgneuro ${coupling}`, steps: o.steps, ms, stepsPerSecond: sps,
        bandwidthFraction: (4 * n * n * sps) / (copyGBs * 1e9), wgneuroSpeedup: 1, check,
      };
      rows.push(row);
      base.push(row);
      log(`rate N=${n}: wgneuro ${coupling} ${sps.toFixed(1)} steps/s`);
    }
    const best = Math.max(...base.map((r) => r.stepsPerSecond));
    if (tf) {
      const tfModule = tf;
      let check = 0;
      await tfRate(tfModule, W, n, o.trials, 1);
      const t0 = performance.now();
      check = await tfRate(tfModule, W, n, o.trials, o.steps);
      const ms = performance.now() - t0;
      const sps = o.steps / (ms / 1000);
      rows.push({ n, trials: o.trials, implementation: 'tfjs-webgpu', steps: o.steps, ms, stepsPerSecond: sps, wgneuroSpeedup: best / sps, check });
      log(`rate N=${n}: TF.js-WebGPU ${sps.toFixed(1)} steps/s`);
    }
    const jsSteps = Math.max(2, Math.min(o.steps, Math.round(2e8 / (n * n * o.jsTrials))));
    const t0 = performance.now();
    const check = jsRate(W, n, o.jsTrials, jsSteps);
    const ms = performance.now() - t0;
    // steps/s of all `trials` trials, from the time per trial-step of the loop
    const sps = (jsSteps * o.jsTrials) / (ms / 1000) / o.trials;
    rows.push({ n, trials: o.trials, implementation: 'plain-js', steps: jsSteps, ms, stepsPerSecond: sps, wgneuroSpeedup: best / sps, check });
    log(`rate N=${n}: plain JS ${sps.toFixed(2)} steps/s (${o.jsTrials} trial(s) × ${jsSteps} steps, scaled to ${o.trials} trials)`);
  }
  return { rows, copyGBs, notes };
}

function positiveInt(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isInteger(x) || x < 1) throw new InvalidArgumentError('expected a positive whole number.');
  return x;
}

function intList(value: string): number[] {
  return value.split(',').map((v) => positiveInt(v));
}

interface BenchNetworkCliOptions {
  duration: number;
  seeds: number;
  trials: number;
  brian2: boolean;
  brian2Target: string;
  sizes: number[];
  rateTrials: number;
  rateSteps: number;
  jsTrials: number;
  reps: number;
  tfjs: boolean;
  cuba: boolean;
  rate: boolean;
  json?: boolean;
}

/** Registers `wgneuro bench network` on the `bench` command. */
export function registerBenchNetwork(bench: Command): void {
  bench
    .command('network')
    .description('Brian2 CUBA (Brian2 itself vs wgneuro, rates and wall time) and dense rate networks (vs TF.js-WebGPU, plain JS)')
    .option('--duration <ms>', 'simulated time of each CUBA run in ms (the example runs 1000)', positiveInt, 1000)
    .option('--seeds <n>', 'CUBA seeds (one run each of Brian2 and wgneuro)', positiveInt, 3)
    .option('--trials <n>', 'trials of the one-run batched wgneuro CUBA', positiveInt, 16)
    .option('--no-brian2', 'skip Brian2')
    .option('--brian2-target <t>', 'Brian2 code generation target: cython or numpy (cython falls back to numpy)', 'cython')
    .option('--sizes <list>', 'dense rate network sizes', intList, [1024, 4096])
    .option('--rate-trials <n>', 'trials of the dense rate network', positiveInt, 64)
    .option('--rate-steps <n>', 'steps of the dense rate network', positiveInt, 10)
    .option('--js-trials <n>', 'trials of the plain-JS rate loop (its rate is scaled per trial-step)', positiveInt, 1)
    .option('--reps <n>', 'timed repetitions of wgneuro rate runs (median)', positiveInt, 1)
    .option('--no-tfjs', 'skip TF.js-WebGPU')
    .option('--no-cuba', 'skip CUBA')
    .option('--no-rate', 'skip the dense rate networks')
    .option('--json', 'print JSON')
    .action(async (opts: BenchNetworkCliOptions) => {
      const ctx = await createContext();
      const log = opts.json ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
      try {
        const a = ctx.info.adapter;
        const adapter = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown';
        const cuba = opts.cuba ? await runCubaBench(ctx, { durationMs: opts.duration, seeds: opts.seeds, trials: opts.trials, brian2: opts.brian2, target: opts.brian2Target }, log) : null;
        const rate = opts.rate ? await runRateBench(ctx, { sizes: opts.sizes, trials: opts.rateTrials, steps: opts.rateSteps, jsTrials: opts.jsTrials, tfjs: opts.tfjs, reps: opts.reps }, log) : null;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ adapter, cuba, rate }, null, 2)}\n`);
          return;
        }
        const lines = [`adapter: ${adapter}`];
        if (cuba) {
          lines.push(`CUBA, ${opts.duration} ms simulated, Brian2 ${cuba.brian2Version ?? '(not run)'}`,
            'implementation  target                      seed  trials  wall (s)  s per sim-s per trial  rate (Hz)  E (Hz)  I (Hz)  CV ISI',
            ...cuba.rows.map((r) => [
              r.implementation.padEnd(15), r.target.slice(0, 26).padEnd(27), String(r.seed).padStart(4), String(r.trials).padStart(7),
              r.wallSeconds.toFixed(2).padStart(9), r.secondsPerSimSecondPerTrial.toFixed(3).padStart(22),
              r.stats.meanRateHz.toFixed(2).padStart(10), r.stats.rateE.toFixed(2).padStart(7), r.stats.rateI.toFixed(2).padStart(7), r.stats.cvISI.toFixed(3).padStart(7),
            ].join(' ')));
          const b = cuba.rows.filter((r) => r.implementation === 'brian2').map((r) => r.secondsPerSimSecondPerTrial);
          const w = cuba.rows.filter((r) => r.implementation === 'wgneuro' && r.trials === 1).map((r) => r.secondsPerSimSecondPerTrial);
          const wt = cuba.rows.find((r) => r.implementation === 'wgneuro' && r.trials > 1);
          if (b.length && w.length) lines.push(`wall time per simulated second, wgneuro / Brian2: ${(median(w) / median(b)).toFixed(2)} (1 trial)${wt ? `, ${(wt.secondsPerSimSecondPerTrial / median(b)).toFixed(2)} per trial with ${wt.trials} trials in one run` : ''}`);
          lines.push(...cuba.notes);
        }
        if (rate) {
          lines.push(`dense rate network, ${opts.rateTrials} trials; copy bandwidth ${rate.copyGBs.toFixed(2)} GB/s`,
            '    N  implementation   steps   steps/s   W bytes/step ÷ copy bw   wgneuro ×   mean x',
            ...rate.rows.map((r) => [
              String(r.n).padStart(5), r.implementation.padEnd(16), String(r.steps).padStart(6), r.stepsPerSecond.toPrecision(4).padStart(9),
              (r.bandwidthFraction !== undefined ? `${(100 * r.bandwidthFraction).toFixed(1)} %` : '').padStart(24),
              r.wgneuroSpeedup.toFixed(2).padStart(11), r.check.toPrecision(4).padStart(8),
            ].join(' ')), ...rate.notes);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        ctx.destroy();
      }
    });
}
