/**
 * Morris–Lecar neurons at constant currents on the GPU: every current is one trial of a single
 * kernel that loops the time steps inside, so a whole f–I curve (or one round of a multisection
 * search) is one launch per chunk of steps.
 */
import { mlConstantCurrentWGSL, mlNeuronRecord, mlParams } from '../../../shaders/models-morris-lecar.wgsl.js';
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import {
  DEFAULT_ML, ML_INITIAL, REARM_MV, SPIKE_THRESHOLD_MV, validateMl, type MorrisLecarParams,
} from './reference.js';

/** Options of {@link simulateMlCurrents}. */
export interface MlCurrentsOptions {
  /** Neuron constants. Default {@link DEFAULT_ML} (dt = 0.1 ms). */
  params?: MorrisLecarParams;
  /** Counted steps. */
  steps: number;
  /** Steps simulated first whose spikes are not counted. Default 0. */
  warmupSteps?: number;
  /** Initial V (mV) and w per neuron. Default V = −20 mV, w = 0.014173 for all (the reference code's start without jitter). */
  initial?: { v: ArrayLike<number>; w: ArrayLike<number> };
  /** Steps per dispatch (bounds the time of one GPU submission). Default 20,000. */
  stepsPerDispatch?: number;
  signal?: AbortSignal;
  /** Fraction done, in [0, 1]. */
  progress?: (fraction: number) => void;
}

/** Spike counts after the warm-up, and the final state, per current. */
export interface MlCurrentsResult {
  spikes: Uint32Array;
  v: Float32Array;
  w: Float32Array;
  /** Counted time, ms. */
  countedMs: number;
}

const WORKGROUP_SIZE = 64;

/**
 * Simulate one neuron per entry of `currents` (I_tot, μA/cm²) from `initial` (default V = −20 mV, w = 0.014173) and
 * count its spikes (upward crossings of 0 mV after V fell below −20 mV) over the counted steps.
 * The float64 twin is `mlRunReference`.
 */
export async function simulateMlCurrents(ctx: Context, currents: ArrayLike<number>, options: MlCurrentsOptions): Promise<MlCurrentsResult> {
  const p = options.params ?? DEFAULT_ML;
  validateMl(p);
  const trials = currents.length;
  const warmup = options.warmupSteps ?? 0;
  const chunk = options.stepsPerDispatch ?? 20_000;
  if (trials < 1) throw new InputError('morris-lecar: currents must hold at least one value');
  for (let i = 0; i < trials; i++) {
    if (!Number.isFinite(currents[i]!)) throw new InputError(`morris-lecar: currents[${i}] must be a finite number, got ${currents[i]}`);
  }
  for (const [name, v, min] of [['steps', options.steps, 1], ['warmupSteps', warmup, 0], ['stepsPerDispatch', chunk, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`morris-lecar: ${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  if (options.initial && (options.initial.v.length !== trials || options.initial.w.length !== trials)) {
    throw new InputError(`morris-lecar: initial.v and initial.w must hold one value per current (${trials}), got ${options.initial.v.length} and ${options.initial.w.length}`);
  }
  const total = warmup + options.steps;
  if (total >= 2 ** 32) throw new InputError(`morris-lecar: ${total} steps exceed 2^32 (step indices are u32)`);

  const pipeline = await ctx.kernel({ label: 'morris_lecar.constant_current', code: mlConstantCurrentWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
  const current = ctx.tensor([trials], { label: 'morris_lecar.current', data: Float32Array.from(currents) });
  const records = mlNeuronRecord.fill(trials, { v: ML_INITIAL.v, w: ML_INITIAL.w, armed: ML_INITIAL.v < REARM_MV ? 1 : 0 });
  if (options.initial) {
    const floats = new Float32Array(records.buffer);
    const words = mlNeuronRecord.words;
    for (let i = 0; i < trials; i++) {
      const v = options.initial.v[i]!;
      const w = options.initial.w[i]!;
      if (!Number.isFinite(v) || !Number.isFinite(w)) throw new InputError(`morris-lecar: initial state ${i} must be finite, got V = ${v}, w = ${w}`);
      floats[i * words + mlNeuronRecord.offsetOf('v')] = v;
      floats[i * words + mlNeuronRecord.offsetOf('w')] = w;
      records[i * words + mlNeuronRecord.offsetOf('armed')] = v < REARM_MV ? 1 : 0;
    }
  }
  const neurons = ctx.tensor([trials * mlNeuronRecord.words], { label: 'morris_lecar.neurons', dtype: 'u32', data: records });
  try {
    const neuron = {
      c_m: p.C, g_ca: p.gCa, g_k: p.gK, g_l: p.gL, e_ca: p.ECa, e_k: p.EK, e_l: p.EL,
      phi: p.phi, v1: p.V1, v2: p.V2, v3: p.V3, v4: p.V4, dt: p.dt,
    };
    for (let done = 0; done < total;) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('morris-lecar: cancelled');
      const steps = Math.min(chunk, total - done);
      ctx.dispatch({
        label: 'morris_lecar.constant_current',
        pipeline,
        bindings: [
          mlParams.pack({ ...neuron, trials, steps, step_offset: done, warmup_steps: warmup, spike_mv: SPIKE_THRESHOLD_MV, rearm_mv: REARM_MV }),
          current, neurons,
        ],
        workgroups: Math.ceil(trials / WORKGROUP_SIZE),
        workgroupSize: WORKGROUP_SIZE,
      });
      done += steps;
      if (options.progress) {
        await ctx.sync();
        options.progress(done / total);
      }
    }
    const words = await neurons.read();
    const v = mlNeuronRecord.column(words, 'v', trials) as Float32Array;
    const w = mlNeuronRecord.column(words, 'w', trials) as Float32Array;
    for (let i = 0; i < trials; i++) {
      if (!Number.isFinite(v[i]!) || !Number.isFinite(w[i]!)) {
        throw new Error(`morris-lecar: the neuron at I = ${currents[i]} μA/cm² became non-finite (V = ${v[i]}, w = ${w[i]}); use a smaller dt`);
      }
    }
    return { spikes: mlNeuronRecord.column(words, 'spikes', trials) as Uint32Array, v, w, countedMs: options.steps * p.dt };
  } finally {
    ctx.releaseAfterSubmit(current, neurons);
  }
}

/** One boundary found by {@link findFiringBoundaries}: the bracket [below, above] of width ≤ tol. */
export interface FiringBoundary {
  /** Midpoint of the final bracket. */
  current: number;
  /** Last current on the silent side and first on the firing side. */
  silent: number;
  firing: number;
  /** Launches used. */
  rounds: number;
}

/**
 * Refine several silent/firing brackets at once by multisection: each round simulates `points`
 * equally spaced interior currents of every bracket as trials of one launch and keeps the
 * sub-interval where firing starts (or stops). With `points = 1` this is plain bisection; with 15 a
 * bracket shrinks 16-fold per launch. `fires(spikes)` decides what counts as firing.
 */
export async function findFiringBoundaries(
  ctx: Context,
  brackets: { silent: number; firing: number }[],
  options: MlCurrentsOptions & { tol: number; points?: number; fires?: (spikes: number) => boolean },
): Promise<FiringBoundary[]> {
  const points = options.points ?? 15;
  const fires = options.fires ?? ((s: number) => s >= 1);
  if (!(options.tol > 0)) throw new InputError(`morris-lecar: tol must be positive, got ${options.tol}`);
  if (!Number.isInteger(points) || points < 1) throw new InputError(`morris-lecar: points must be a whole number ≥ 1, got ${points}`);
  const state = brackets.map((b) => ({ ...b, rounds: 0 }));
  for (;;) {
    const open = state.filter((b) => Math.abs(b.firing - b.silent) > options.tol);
    if (open.length === 0) break;
    const currents: number[] = [];
    for (const b of open) for (let j = 1; j <= points; j++) currents.push(b.silent + ((b.firing - b.silent) * j) / (points + 1));
    const run = await simulateMlCurrents(ctx, currents, { ...options, progress: undefined });
    open.forEach((b, k) => {
      // The first interior point (walking from the silent end) that fires closes the bracket.
      let silent = b.silent;
      let firing = b.firing;
      for (let j = 0; j < points; j++) {
        const c = currents[k * points + j]!;
        if (fires(run.spikes[k * points + j]!)) { firing = c; break; }
        silent = c;
      }
      b.silent = silent;
      b.firing = firing;
      b.rounds++;
    });
  }
  return state.map((b) => ({ current: 0.5 * (b.silent + b.firing), silent: b.silent, firing: b.firing, rounds: b.rounds }));
}
