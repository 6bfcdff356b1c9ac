/**
 * The shaping circuit on the GPU (kernels in `shaders/shaping.wgsl.ts`, float64 twin in
 * `src/reference/shaping.ts`): learning in chunks of iterations inside one workgroup, and the
 * evaluation pass that transforms every sample at once.
 */
import {
  circuitHistoryLayout, circuitStateLayout, SHAPING_LEARN_WORKGROUP, SHAPING_MAX_K, SHAPING_MAX_N, shapingParams, shapingWGSL,
} from '../../../shaders/shaping.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { philoxSequence } from '../../reference/philox.js';
import type { CircuitState } from './reference.js';

/** Philox stream tag of the batch indices ('Sh'). */
export const SHAPING_RNG_TAG = 0x5368;

/** Settings of {@link learnCircuit}; the defaults are the paper's 1-D run (SEEDS §2.3). */
export interface LearnOptions {
  /** Learning iterations. Default 20,000. */
  iterations?: number;
  /** Samples per iteration, 1..64. Default 10. */
  batch?: number;
  /** Gain learning rate η_g. Default 1e-3. */
  etaG?: number;
  /** Shape learning rate η_θ. Default 1e-4. */
  etaTheta?: number;
  /** Hebbian weight learning rate η_w. Default 0. */
  etaW?: number;
  /** Seed of the batch indices (Philox). Default 0. */
  seed?: number;
  /** A learning-curve record every this many iterations. Default iterations/200, at least 1. */
  recordEvery?: number;
  /** Iterations per dispatch. Default 500. */
  chunk?: number;
  /** Called after each chunk with the fraction done. */
  progress?: (fraction: number) => void;
  /** Checked between chunks. */
  signal?: AbortSignal;
}

/** Newton settings of the f32 kernels. */
export const GPU_NEWTON = { tol: 1e-5, maxIter: 40, armijoSlack: 1e-6 } as const;

/** The learning curve: one record (state and batch ⟨c⟩) per `recordEvery` iterations, the first at 0. */
export interface LearningCurve {
  iterations: number[];
  g: number[][];
  theta: number[][];
  w: number[][];
  /** Batch means ⟨c(θ_i, z_i)⟩ of the iteration that ended at each record (NaN at 0). */
  meanC: number[][];
}

/** A circuit whose parameters live in a GPU tensor. */
export interface GpuCircuit {
  n: number;
  k: number;
  /** g, θ, W packed as `circuitStateLayout(n, k)`. */
  state: Tensor<'f32'>;
  destroy(): void;
}

function checkState(init: CircuitState): void {
  const { n, k } = init;
  if (!Number.isInteger(n) || n < 1 || n > SHAPING_MAX_N) throw new InputError(`shaping circuit: n (primary neurons) must be an integer in [1, ${SHAPING_MAX_N}], got ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > SHAPING_MAX_K) throw new InputError(`shaping circuit: k (interneurons) must be an integer in [1, ${SHAPING_MAX_K}], got ${k}`);
  if (init.g.length !== k || init.theta.length !== k || init.w.length !== n * k) {
    throw new InputError(`shaping circuit: g and theta need ${k} values and W ${n * k}; got ${init.g.length}, ${init.theta.length}, ${init.w.length}`);
  }
  init.g.forEach((g, i) => {
    if (!(g >= 0) || !Number.isFinite(g)) throw new InputError(`shaping circuit: gain g[${i}] must be finite and ≥ 0, got ${g}`);
  });
  init.theta.forEach((t, i) => {
    if (!(t >= 1 && t <= 3)) throw new InputError(`shaping circuit: shape theta[${i}] must be in [1, 3], got ${t}`);
  });
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let j = 0; j < n; j++) norm += init.w[j * k + i]! ** 2;
    if (!(Math.abs(Math.sqrt(norm) - 1) < 1e-4)) throw new InputError(`shaping circuit: column ${i} of W must have unit norm, has ${Math.sqrt(norm)}`);
  }
}

/** Pack a state into the kernel's record. */
export function packState(s: CircuitState): Float32Array {
  const layout = circuitStateLayout(s.n, s.k);
  const out = new Float32Array(layout.size);
  out.set(s.g, layout.g);
  out.set(s.theta, layout.theta);
  out.set(s.w, layout.w);
  return out;
}

/** Unpack a kernel record into a float64 state. */
export function unpackState(n: number, k: number, record: ArrayLike<number>, offset = 0): CircuitState {
  const layout = circuitStateLayout(n, k);
  const slice = (start: number, len: number): Float64Array => Float64Array.from({ length: len }, (_, i) => record[offset + start + i]!);
  return { n, k, g: slice(layout.g, k), theta: slice(layout.theta, k), w: slice(layout.w, n * k) };
}

/** Upload a circuit's initial parameters. */
export function createCircuit(ctx: Context, init: CircuitState): GpuCircuit {
  checkState(init);
  const state = ctx.tensor([circuitStateLayout(init.n, init.k).size], { label: 'shaping.state', data: packState(init) });
  return { n: init.n, k: init.k, state, destroy: () => state.destroy() };
}

/** Read a circuit's current parameters. */
export async function readCircuit(circuit: GpuCircuit): Promise<CircuitState> {
  return unpackState(circuit.n, circuit.k, await circuit.state.read());
}

/**
 * The batch indices of every iteration, uniform with replacement over `samples` rows, from the
 * Philox sequence of `seed` (tag {@link SHAPING_RNG_TAG}). The CPU twin uses the same indices.
 */
export function batchIndices(samples: number, iterations: number, batch: number, seed: number): Uint32Array {
  const next = philoxSequence(seed, { distribution: 'uniform', tag: SHAPING_RNG_TAG });
  return Uint32Array.from({ length: iterations * batch }, () => Math.min(samples - 1, Math.floor(next() * samples)));
}

function positiveInt(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new InputError(`shaping: ${name} must be an integer in [1, ${max}], got ${value}`);
  return value;
}

function finiteRate(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InputError(`shaping: ${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

function checkData(circuit: GpuCircuit, data: Tensor, what: string): number {
  if (data.dtype !== 'f32' || data.shape.length !== 2 || data.shape[1] !== circuit.n) {
    throw new InputError(`shaping: ${what} ('${data.label}') must be an f32 tensor [samples, ${circuit.n}]; got ${data.dtype} [${data.shape.join(', ')}]`);
  }
  return data.shape[0]!;
}

function pipelineFor(ctx: Context, circuit: GpuCircuit, entryPoint: 'learn' | 'respond'): Promise<GPUComputePipeline> {
  return ctx.kernel({
    label: `shaping.${entryPoint}`,
    code: shapingWGSL({ n: circuit.n, k: circuit.k }),
    entryPoint,
    constants: entryPoint === 'respond' ? { WG_SIZE: 64 } : {},
  });
}

/**
 * Run the learning rule on `data` ([samples, n] f32), updating `circuit.state` in place. Returns the
 * learning curve (read back once at the end).
 */
export async function learnCircuit(ctx: Context, circuit: GpuCircuit, data: Tensor, options: LearnOptions = {}): Promise<LearningCurve> {
  const samples = checkData(circuit, data, 'data');
  const iterations = positiveInt(options.iterations ?? 20_000, 'iterations');
  const batch = positiveInt(options.batch ?? 10, 'batch', SHAPING_LEARN_WORKGROUP);
  const etaG = finiteRate(options.etaG ?? 1e-3, 'etaG');
  const etaTheta = finiteRate(options.etaTheta ?? 1e-4, 'etaTheta');
  const etaW = finiteRate(options.etaW ?? 0, 'etaW');
  const recordEvery = positiveInt(options.recordEvery ?? Math.max(1, Math.floor(iterations / 200)), 'recordEvery');
  const chunk = positiveInt(options.chunk ?? 500, 'chunk');
  if (samples < 1) throw new InputError(`shaping: data ('${data.label}') has no samples`);
  const { n, k } = circuit;
  const hist = circuitHistoryLayout(n, k);
  const rows = Math.floor(iterations / recordEvery) + 1;
  const initial = await circuit.state.read();
  const indices = ctx.tensor([iterations * batch], { dtype: 'u32', label: 'shaping.indices', data: batchIndices(samples, iterations, batch, options.seed ?? 0) });
  const curve = ctx.tensor([rows, hist.size], { label: 'shaping.curve', fill: Number.NaN });
  try {
    const pipeline = await pipelineFor(ctx, circuit, 'learn');
    for (let start = 0; start < iterations; start += chunk) {
      options.signal?.throwIfAborted();
      const count = Math.min(chunk, iterations - start);
      ctx.dispatch({
        label: 'shaping.learn',
        pipeline,
        bindings: [
          shapingParams.pack({
            samples, batch, iterStart: start, iterCount: count, recordEvery, maxNewton: GPU_NEWTON.maxIter,
            etaG, etaTheta, etaW, newtonTol: GPU_NEWTON.tol, armijoSlack: GPU_NEWTON.armijoSlack,
          }),
          data, circuit.state, curve, indices,
        ],
        workgroups: [1],
      });
      await ctx.sync();
      options.progress?.((start + count) / iterations);
    }
    const records = await curve.read();
    const out: LearningCurve = { iterations: [], g: [], theta: [], w: [], meanC: [] };
    for (let row = 0; row < rows; row++) {
      const s = row === 0 ? unpackState(n, k, initial) : unpackState(n, k, records, row * hist.size);
      out.iterations.push(row * recordEvery);
      out.g.push(Array.from(s.g));
      out.theta.push(Array.from(s.theta));
      out.w.push(Array.from(s.w));
      out.meanC.push(row === 0 ? new Array<number>(k).fill(Number.NaN) : Array.from(records.subarray(row * hist.size + hist.meanC, row * hist.size + hist.meanC + k)));
    }
    return out;
  } finally {
    indices.destroy();
    curve.destroy();
  }
}

/** Steady-state responses r = T(s) of every sample of `data` ([samples, n]); a new tensor the caller owns. */
export async function respondCircuit(
  ctx: Context,
  circuit: GpuCircuit,
  data: Tensor,
  options: { label?: string; newton?: { tol?: number; maxIter?: number } } = {},
): Promise<Tensor<'f32'>> {
  const label = options.label ?? 'shaping.responses';
  const maxNewton = positiveInt(options.newton?.maxIter ?? GPU_NEWTON.maxIter, 'newton.maxIter');
  const newtonTol = finiteRate(options.newton?.tol ?? GPU_NEWTON.tol, 'newton.tol');
  const samples = checkData(circuit, data, 'data');
  const out = ctx.tensor([samples, circuit.n], { label });
  try {
    const pipeline = await pipelineFor(ctx, circuit, 'respond');
    ctx.dispatch({
      label: 'shaping.respond',
      pipeline,
      bindings: [
        shapingParams.pack({
          samples, batch: 1, iterStart: 0, iterCount: 0, recordEvery: 1, maxNewton,
          etaG: 0, etaTheta: 0, etaW: 0, newtonTol, armijoSlack: GPU_NEWTON.armijoSlack,
        }),
        data, circuit.state, out,
      ],
      workgroups: Math.ceil(samples / 64),
      workgroupSize: 64,
    });
    return out;
  } catch (err) {
    out.destroy();
    throw err;
  }
}
