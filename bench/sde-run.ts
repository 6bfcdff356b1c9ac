/**
 * `wgneuro bench sde`: trajectory-steps per second of the fused ensemble Euler–Maruyama kernel on
 *  (a) the 3-state geometric Brownian motion of DiffEqGPU.jl's GPUEM benchmark and tests
 *      (du = p1·u dt + p2·u dW, u0 = 0.1, p = (1.5, 0.01), t ∈ [0, 1], dt = 2^-8, 256 steps;
 *      their scalar problem with three identical independent states), and
 *  (b) a conductance-based LIF neuron with Ornstein–Uhlenbeck excitatory and inhibitory
 *      conductances, threshold → reset and a refractory period (dt = 0.1 ms),
 * against, in the same run,
 *  - TF.js on its WebGPU backend over the same device, vectorized EM with one op per term per step
 *    (Node 20 has no `navigator.gpu`; a stub object lets TF.js accept the device we pass it), and
 *  - a plain-JS float64 loop with the same Philox random numbers (the CPU reference).
 * This module is browser-safe (the bench page of the lab runs it); the command line is in sde.ts.
 * Reported: median wall time after a warm-up, trajectory-steps/s end to end and for integration
 * alone (end to end minus a zero-step run, which is upload + readback), and ratios to the peers.
 * wgneuro also runs each workload with the builtin normal transform (`rng: 'fast'`), with the
 * multiplication-free Threefry-4x32-20 generator (`generator: 'threefry'`, with either transform),
 * and without noise (the same drift, no diffusion), so the cost of the random numbers is a ratio of
 * one run; the plain-JS loop runs on either generator too. The random-number path alone is timed by
 * sde-rng.ts against the formulation used before.
 */
import { loadTfWebGPUOrNote, type Tf } from './peers.js';
import { runRngBench, type RngBenchRow } from './sde-rng.js';
import { cpuNowMs, medianTimes } from './timing.js';
import type { Context } from '../src/core/context.js';
import type { RandomGenerator } from '../src/core/seed.js';
import { simulateReference } from '../src/reference/sde.js';
import { defineSDE, simulate, type SDEModel } from '../src/sde/index.js';

/** Options of `wgneuro bench sde` as commander parses them (also what `--browser` sends the page). */
export interface BenchSdeCliOptions {
  trajectories: number;
  lifTrials: number;
  lifSteps: number;
  jsTrajectories: number;
  reps: number;
  tfjs: boolean;
  /** Also report process CPU time (Node only; see {@link medianTimes}). */
  cpuTime?: boolean;
  json?: boolean;
}

/** One measured implementation on one workload. */
export interface SdeBenchRow {
  workload: 'gbm3' | 'lif';
  /**
   * `wgneuro`: the defaults (Philox, `rng: 'precise'`); `wgneuro-fast`: `rng: 'fast'`;
   * `wgneuro-threefry(-fast)`: `generator: 'threefry'` (and `rng: 'fast'`); `wgneuro-no-noise`: the
   * same drift without diffusion; `plain-js(-threefry)`: the CPU twin on Philox (Threefry) numbers.
   */
  implementation: 'wgneuro' | 'wgneuro-fast' | 'wgneuro-threefry' | 'wgneuro-threefry-fast' | 'wgneuro-no-noise' | 'tfjs-webgpu' | 'plain-js' | 'plain-js-threefry';
  trajectories: number;
  steps: number;
  /** Median end-to-end time (ms). */
  ms: number;
  trajectoryStepsPerSecond: number;
  /** wgneuro only: integration time alone (end to end minus a zero-step run) and its rate. */
  integrationMs?: number;
  integrationStepsPerSecond?: number;
  /** wgneuro's end-to-end rate divided by this row's rate (1 for wgneuro). */
  wgneuroSpeedup: number;
  /** With `cpuTime`: median process CPU time (ms), its rate, and wgneuro's CPU rate over this row's. */
  cpuMs?: number;
  trajectoryStepsPerCpuSecond?: number;
  wgneuroSpeedupCpu?: number;
  /** A check value: mean of the first variable at the end (or spikes per trial for the LIF). */
  check: number;
}

/** The GBM of DiffEqGPU's GPUEM benchmark, three independent identical states. */
export const GBM3 = defineSDE({
  name: 'gbm3',
  state: { x1: { init: 0.1 }, x2: { init: 0.1 }, x3: { init: 0.1 } },
  params: { p1: 1.5, p2: 0.01 },
  drift: { x1: 'p1 * x1', x2: 'p1 * x2', x3: 'p1 * x3' },
  diffusion: { x1: 'p2 * x1', x2: 'p2 * x2', x3: 'p2 * x3' },
});

/** Conductance-based LIF (ms, mV; conductances relative to the leak), OU conductances. */
export const LIF_PARAMS = {
  EL: -65, EE: 0, EI: -80, tauL: 20, tauE: 5, tauI: 10, gE0: 0.5, gI0: 0.6, sE: 0.2, sI: 0.2,
  vth: -50, vreset: -60, refractory: 2,
};
export const LIF = defineSDE({
  name: 'lif-conductance',
  state: { v: { init: -65 }, gE: { init: 'gE0' }, gI: { init: 'gI0' } },
  params: { EL: -65, EE: 0, EI: -80, tauL: 20, tauE: 5, tauI: 10, gE0: 0.5, gI0: 0.6, sE: 0.2, sI: 0.2 },
  drift: {
    v: '(EL - v + gE * (EE - v) + gI * (EI - v)) / tauL',
    gE: '(gE0 - gE) / tauE',
    gI: '(gI0 - gI) / tauI',
  },
  diffusion: { gE: 'sE * sqrt(2 / tauE)', gI: 'sI * sqrt(2 / tauI)' },
  event: { variable: 'v', threshold: LIF_PARAMS.vth, reset: LIF_PARAMS.vreset, refractory: LIF_PARAMS.refractory },
});

/** The workloads' drift without noise: what the kernel costs when it draws no random numbers. */
const GBM3_NO_NOISE = defineSDE({
  name: 'gbm3-no-noise', state: { x1: { init: 0.1 }, x2: { init: 0.1 }, x3: { init: 0.1 } }, params: { p1: 1.5 },
  drift: { x1: 'p1 * x1', x2: 'p1 * x2', x3: 'p1 * x3' },
});
const LIF_NO_NOISE = defineSDE({
  name: 'lif-conductance-no-noise', state: { v: { init: -65 }, gE: { init: 'gE0' }, gI: { init: 'gI0' } },
  params: { EL: -65, EE: 0, EI: -80, tauL: 20, tauE: 5, tauI: 10, gE0: 0.5, gI0: 0.6 },
  drift: {
    v: '(EL - v + gE * (EE - v) + gI * (EI - v)) / tauL',
    gE: '(gE0 - gE) / tauE',
    gI: '(gI0 - gI) / tauI',
  },
  event: { variable: 'v', threshold: LIF_PARAMS.vth, reset: LIF_PARAMS.vreset, refractory: LIF_PARAMS.refractory },
});

/** TF.js vectorized EM of the 3-state GBM: one op per term per step. */
async function tfGbm(tf: Tf, n: number, steps: number, dt: number): Promise<number> {
  let x = tf.fill([3, n], 0.1);
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const dW = tf.randomNormal([3, n], 0, Math.sqrt(dt), 'float32', s);
      return tf.add(tf.add(x, tf.mul(tf.mul(x, 1.5), dt)), tf.mul(tf.mul(x, 0.01), dW));
    });
    x.dispose();
    x = next;
  }
  const data = await x.data();
  x.dispose();
  return mean(data.subarray(0, n));
}

/** TF.js vectorized EM of the LIF with threshold, reset and refractory counter. */
async function tfLif(tf: Tf, n: number, steps: number, dt: number): Promise<number> {
  const p = LIF_PARAMS;
  let v = tf.fill([n], p.EL);
  let gE = tf.fill([n], p.gE0);
  let gI = tf.fill([n], p.gI0);
  let refr = tf.zeros([n]);
  let spikes = tf.zeros([n]);
  const refrSteps = Math.round(p.refractory / dt);
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const dv = tf.div(tf.add(tf.add(tf.sub(p.EL, v), tf.mul(gE, tf.sub(p.EE, v))), tf.mul(gI, tf.sub(p.EI, v))), p.tauL);
      const nE = tf.add(tf.add(gE, tf.mul(tf.div(tf.sub(p.gE0, gE), p.tauE), dt)),
        tf.mul(p.sE * Math.sqrt(2 / p.tauE), tf.randomNormal([n], 0, Math.sqrt(dt), 'float32', 2 * s)));
      const nI = tf.add(tf.add(gI, tf.mul(tf.div(tf.sub(p.gI0, gI), p.tauI), dt)),
        tf.mul(p.sI * Math.sqrt(2 / p.tauI), tf.randomNormal([n], 0, Math.sqrt(dt), 'float32', 2 * s + 1)));
      let nv = tf.add(v, tf.mul(dv, dt));
      const inRefr = tf.greater(refr, 0);
      const spike = tf.logicalAnd(tf.logicalNot(inRefr), tf.greaterEqual(nv, p.vth));
      nv = tf.where(tf.logicalOr(inRefr, spike), tf.fill([n], p.vreset), nv);
      const nr = tf.where(spike, tf.fill([n], refrSteps), tf.maximum(tf.sub(refr, 1), 0));
      const ns = tf.add(spikes, tf.cast(spike, 'float32'));
      return [nv, nE, nI, nr, ns] as const;
    });
    [v, gE, gI, refr, spikes].forEach((t) => t.dispose());
    [v, gE, gI, refr, spikes] = next;
  }
  const counts = await spikes.data();
  [v, gE, gI, refr, spikes].forEach((t) => t.dispose());
  return mean(counts);
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** What `wgneuro bench sde` measures. */
export interface SdeBenchResult {
  adapter: string;
  rows: SdeBenchRow[];
  /** The random-number path alone (sde-rng.ts): `trajectories` invocations × 256 calls each. */
  generator: RngBenchRow[];
  notes: string[];
}

/** Run both workloads; `log` receives progress lines. */
export async function runSdeBench(ctx: Context, o: { trajectories: number; lifTrials: number; lifSteps: number; jsTrajectories: number; reps: number; tfjs: boolean; cpuTime?: boolean },
  log: (line: string) => void = () => undefined): Promise<SdeBenchResult> {
  const rows: SdeBenchRow[] = [];
  const notes: string[] = [];
  const tf = o.tfjs ? await loadTfWebGPUOrNote(ctx.device, notes) : null;
  const workloads: { name: 'gbm3' | 'lif'; model: SDEModel; noNoise: SDEModel; n: number; steps: number; dt: number }[] = [
    { name: 'gbm3', model: GBM3, noNoise: GBM3_NO_NOISE, n: o.trajectories, steps: 256, dt: 2 ** -8 },
    { name: 'lif', model: LIF, noNoise: LIF_NO_NOISE, n: o.lifTrials, steps: o.lifSteps, dt: 0.1 },
  ];
  const cpu = o.cpuTime ?? false;
  if (cpu && cpuNowMs() === undefined) notes.push('CPU time is not available in a browser; wall time only');
  for (const w of workloads) {
    const record = { final: w.name === 'gbm3', perTrial: w.name === 'lif' };
    const checkOf = (r: Awaited<ReturnType<typeof simulate>>): number => (w.name === 'gbm3' ? mean(r.final?.x1 ?? []) : mean(r.spikes?.counts ?? []));
    let check = 0;
    const run = (model: SDEModel, steps: number, rng: 'precise' | 'fast' = 'precise', generator: RandomGenerator = 'philox') => async () => {
      check = checkOf(await simulate(ctx, model, { trials: w.n, steps, dt: w.dt, seed: 1, record, rng, generator }));
    };
    const t = await medianTimes(o.reps, run(w.model, w.steps), cpu);
    const wgCheck = check;
    const overhead = await medianTimes(o.reps, run(w.model, 0), cpu);
    const integrationMs = Math.max(t.ms - overhead.ms, 1e-3);
    const rate = (w.n * w.steps) / (t.ms / 1000);
    const cpuRate = t.cpuMs === undefined ? undefined : (w.n * w.steps) / (t.cpuMs / 1000);
    /** A row measured as `times` on `n` trajectories, with its ratios to wgneuro's default run. */
    const row = (implementation: SdeBenchRow['implementation'], n: number, times: { ms: number; cpuMs?: number }, rowCheck: number): SdeBenchRow => {
      const r: SdeBenchRow = {
        workload: w.name, implementation, trajectories: n, steps: w.steps, ms: times.ms,
        trajectoryStepsPerSecond: (n * w.steps) / (times.ms / 1000), wgneuroSpeedup: rate / ((n * w.steps) / (times.ms / 1000)), check: rowCheck,
      };
      if (times.cpuMs !== undefined && cpuRate !== undefined) {
        r.cpuMs = times.cpuMs;
        r.trajectoryStepsPerCpuSecond = (n * w.steps) / (times.cpuMs / 1000);
        r.wgneuroSpeedupCpu = cpuRate / r.trajectoryStepsPerCpuSecond;
      }
      return r;
    };
    rows.push({ ...row('wgneuro', w.n, t, wgCheck), integrationMs, integrationStepsPerSecond: (w.n * w.steps) / (integrationMs / 1000) });
    log(`${w.name}: wgneuro ${t.ms.toFixed(1)} ms (${(rate / 1e6).toFixed(2)} M traj-steps/s)`);
    const variants = [
      ['wgneuro-fast', w.model, 'fast', 'philox'], ['wgneuro-threefry', w.model, 'precise', 'threefry'],
      ['wgneuro-threefry-fast', w.model, 'fast', 'threefry'], ['wgneuro-no-noise', w.noNoise, 'precise', 'philox'],
    ] as const;
    for (const [implementation, model, rng, generator] of variants) {
      const variant = await medianTimes(o.reps, run(model, w.steps, rng, generator), cpu);
      rows.push(row(implementation, w.n, variant, check));
      log(`${w.name}: ${implementation} ${variant.ms.toFixed(1)} ms`);
    }
    if (tf) {
      const tfModule = tf;
      let tfCheck = 0;
      const tfTimes = await medianTimes(Math.min(o.reps, 2), async () => {
        tfCheck = w.name === 'gbm3' ? await tfGbm(tfModule, w.n, w.steps, w.dt) : await tfLif(tfModule, w.n, w.steps, w.dt);
      }, cpu);
      rows.push(row('tfjs-webgpu', w.n, tfTimes, tfCheck));
      log(`${w.name}: TF.js-WebGPU ${tfTimes.ms.toFixed(1)} ms`);
    }
    const nJs = Math.min(o.jsTrajectories, w.n);
    for (const [implementation, generator] of [['plain-js', 'philox'], ['plain-js-threefry', 'threefry']] as const) {
      let jsCheck = 0;
      const jsTimes = await medianTimes(Math.min(o.reps, 2), async () => {
        const r = simulateReference(w.model, { trials: nJs, steps: w.steps, dt: w.dt, seed: 1, generator });
        jsCheck = w.name === 'gbm3' ? mean(r.state.subarray(0, nJs)) : mean(r.spikes);
      }, cpu);
      rows.push(row(implementation, nJs, jsTimes, jsCheck));
      log(`${w.name}: ${implementation} ${jsTimes.ms.toFixed(1)} ms for ${nJs} trajectories`);
    }
  }
  const generator = await runRngBench(ctx, { invocations: o.trajectories, calls: 256, reps: o.reps, cpuTime: cpu });
  log(`random-number path: ${generator.map((g) => `${g.variant} ${(g.callsPerSecond / 1e6).toFixed(2)} M/s`).join('; ')}`);
  const a = ctx.info.adapter;
  return { adapter: [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown', rows, generator, notes };
}

/**
 * The result `wgneuro bench sde --json` prints, from the parsed command-line options; the bench
 * page (`--browser`) calls the same function, so both print the same JSON.
 */
export function sdeBenchFromOptions(ctx: Context, opts: BenchSdeCliOptions, log?: (line: string) => void): ReturnType<typeof runSdeBench> {
  const options = {
    trajectories: opts.trajectories,
    lifTrials: opts.lifTrials,
    lifSteps: opts.lifSteps,
    jsTrajectories: opts.jsTrajectories,
    reps: opts.reps,
    tfjs: opts.tfjs,
    ...(opts.cpuTime ? { cpuTime: true } : {}),
  };
  return runSdeBench(ctx, options, log);
}
