/**
 * Many whitening trials on the GPU: initial spectra m₀ × seeds as independent trials of one kernel,
 * run in chunks of learning steps until every trial has converged (plus a settling time).
 */
import { WHITENING_MAX_K, WHITENING_MAX_N, whiteningParams, whiteningWGSL } from '../../../shaders/models-whitening.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { matmul } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';
import { symmetricFunction, WHITENING_RNG_TAG, type WhiteningNetwork } from './reference.js';
import { gramSchmidtAppend } from '../../reference/dense.js';

/** Input statistics: C = U diag(λ) Uᵀ and its square root. */
export interface WhiteningCovariance {
  n: number;
  /** Eigenvalues of C, log-spaced from `lambdaMin` to `lambdaMax`. */
  lambdas: Float64Array;
  /** C, row-major n×n. */
  cov: Float64Array;
  /** C^{1/2}, row-major n×n. */
  sqrtCov: Float64Array;
}

/** Philox counter word 3 of the setup draws (random rotations), distinct from the sample tag. */
const SETUP_TAG = 0x5753; // 'WS'

/** `rows` orthonormal vectors of length `cols` (rows ≤ cols) by Gram–Schmidt on Gaussian rows. */
function orthonormalRows(rows: number, cols: number, seed: number, stream: number): Float64Array {
  const q = philoxArray(rows * cols, seed, { distribution: 'normal', stream, tag: SETUP_TAG });
  const done: Float64Array[] = [];
  for (let i = 0; i < rows; i++) gramSchmidtAppend(done, q.subarray(i * cols, (i + 1) * cols)); // rows are views of q
  return q;
}

/**
 * A covariance with log-spaced eigenvalues in [lambdaMin, lambdaMax] and a random orientation from
 * `seed` (defaults: λ ∈ [0.25, 4], seed 1).
 */
export function whiteningCovariance(n: number, options: { lambdaMin?: number; lambdaMax?: number; seed?: number } = {}): WhiteningCovariance {
  const lambdaMin = options.lambdaMin ?? 0.25;
  const lambdaMax = options.lambdaMax ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > WHITENING_MAX_N) throw new InputError(`n must be an integer in [1, ${WHITENING_MAX_N}], got ${n}`);
  if (!(lambdaMin > 0) || !(lambdaMax >= lambdaMin)) throw new InputError(`need 0 < lambdaMin ≤ lambdaMax, got ${lambdaMin}, ${lambdaMax}`);
  const lambdas = new Float64Array(n);
  for (let i = 0; i < n; i++) lambdas[i] = n === 1 ? lambdaMin : lambdaMin * (lambdaMax / lambdaMin) ** (i / (n - 1));
  const u = orthonormalRows(n, n, options.seed ?? 1, 0xffff);
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += u[l * n + i]! * lambdas[l]! * u[l * n + j]!;
      cov[i * n + j] = s;
    }
  }
  // Symmetrise against rounding before taking the square root.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) cov[i * n + j] = cov[j * n + i] = 0.5 * (cov[i * n + j]! + cov[j * n + i]!);
  return { n, lambdas, cov, sqrtCov: symmetricFunction(cov, n, Math.sqrt) };
}

/**
 * Initial synaptic matrix of one trial: M₀ = m₀I (direct), or W₀ = √m₀·Q with Q an n×k matrix of
 * orthonormal rows drawn from (seed, seedIndex), so that W₀W₀ᵀ = m₀I (interneurons).
 */
export function whiteningInitialState(network: WhiteningNetwork, n: number, k: number, m0: number, seed: number, seedIndex: number): Float64Array {
  if (network === 'direct') {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) m[i * n + i] = m0;
    return m;
  }
  const q = orthonormalRows(n, k, seed, seedIndex);
  const scale = Math.sqrt(m0);
  return q.map((x) => x * scale);
}

export interface WhiteningTrialsOptions {
  network: WhiteningNetwork;
  /** `'online'` (stochastic rule, default) or `'ode'` (averaged synaptic ODE). */
  mode?: 'online' | 'ode';
  covariance: WhiteningCovariance;
  /** Interneurons, n ≤ k ≤ 32. Default 2n. */
  k?: number;
  /** Initial spectra; one trial per (m₀, seed index). */
  m0: number[];
  /** Independent seeds per m₀ (Philox streams, shared across m₀). Default 1. */
  seeds?: number;
  /** Samples per online step. Default 32. */
  batch?: number;
  /** Learning rate, which is also the time per step. Default 0.01. */
  eta?: number;
  /** Relative Frobenius tolerance ‖M − C^{1/2}‖_F/‖C^{1/2}‖_F defining convergence. Default 0.05. */
  tol?: number;
  /** Philox seed. Default 1. */
  seed?: number;
  /** Longest simulated time. Default 1.5·max(m₀) + 20. */
  maxTime?: number;
  /** Time simulated after the last trial converged, before the final error is taken. Default 10. */
  settleTime?: number;
  /** Learning steps per dispatch. Default 500. */
  stepsPerDispatch?: number;
  /** Called after every chunk with the fraction of `maxTime` done. */
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface WhiteningTrialsResult {
  network: WhiteningNetwork;
  mode: 'online' | 'ode';
  m0: number[];
  seeds: number;
  /** Per trial (m₀-major, seed-minor): time at which the error first fell below `tol`; NaN if never. */
  convergenceTime: Float64Array;
  /** Per trial: relative Frobenius error at the end. */
  finalError: Float64Array;
  /** Per trial: the final M (direct) or WWᵀ (interneurons), row-major n×n. */
  finalM: Float64Array[];
  /** Simulated time. */
  time: number;
  steps: number;
}

/** Run every (m₀, seed) trial of one network on the GPU; see `WhiteningTrialsOptions` for defaults. */
export async function runWhiteningTrials(ctx: Context, options: WhiteningTrialsOptions): Promise<WhiteningTrialsResult> {
  const { network, covariance } = options;
  const mode = options.mode ?? 'online';
  const n = covariance.n;
  const k = network === 'direct' ? n : options.k ?? 2 * n;
  const seeds = options.seeds ?? 1;
  const batch = options.batch ?? 32;
  const eta = options.eta ?? 0.01;
  const tol = options.tol ?? 0.05;
  const seed = options.seed ?? 1;
  const m0 = options.m0;
  const maxTime = options.maxTime ?? 1.5 * Math.max(...m0) + 20;
  const settleTime = options.settleTime ?? 10;
  const stepsPerDispatch = options.stepsPerDispatch ?? 500;
  if (network !== 'direct' && network !== 'interneuron') throw new InputError(`network must be 'direct' or 'interneuron', got '${network}'`);
  if (mode !== 'online' && mode !== 'ode') throw new InputError(`mode must be 'online' or 'ode', got '${mode}'`);
  if (!Number.isInteger(k) || k < n || k > WHITENING_MAX_K) throw new InputError(`k (interneurons) must be an integer with n = ${n} ≤ k ≤ ${WHITENING_MAX_K}, got ${k}`);
  if (m0.length === 0 || m0.some((x) => !(x > 0))) throw new InputError(`m0 must be a non-empty list of positive numbers, got [${m0.join(', ')}]`);
  if (!Number.isInteger(seeds) || seeds < 1) throw new InputError(`seeds must be a positive integer, got ${seeds}`);
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch must be a positive integer, got ${batch}`);
  if (!(eta > 0 && eta < 0.5)) throw new InputError(`eta (learning rate) must be in (0, 0.5), got ${eta}`);
  if (!(tol > 0)) throw new InputError(`tol must be positive, got ${tol}`);
  if (!(maxTime > 0) || !(settleTime >= 0)) throw new InputError(`maxTime must be positive and settleTime ≥ 0, got ${maxTime}, ${settleTime}`);
  if (!Number.isInteger(stepsPerDispatch) || stepsPerDispatch < 1) throw new InputError(`stepsPerDispatch must be a positive integer, got ${stepsPerDispatch}`);
  const trials = m0.length * seeds;
  const maxSteps = Math.max(1, Math.ceil(maxTime / eta - 1e-9));
  if (maxSteps >= 2 ** 24) throw new InputError(`maxTime/eta = ${maxSteps} steps exceeds 2^24 (step indices are recorded in f32)`);
  const settleSteps = Math.ceil(settleTime / eta - 1e-9);
  const stateSize = network === 'direct' ? n * n : n * k;

  const init = new Float32Array(trials * stateSize);
  for (let mi = 0; mi < m0.length; mi++) {
    for (let si = 0; si < seeds; si++) init.set(whiteningInitialState(network, n, k, m0[mi]!, seed, si), (mi * seeds + si) * stateSize);
  }
  const covData = new Float32Array(2 * n * n);
  covData.set(covariance.cov, 0);
  covData.set(covariance.sqrtCov, n * n);
  let normSqrtCov = 0;
  for (const x of covariance.sqrtCov) normSqrtCov += x * x;
  normSqrtCov = Math.sqrt(normSqrtCov);
  const statusInit = new Float32Array(2 * trials);
  for (let t = 0; t < trials; t++) {
    statusInit[2 * t] = 1;
    statusInit[2 * t + 1] = -1;
  }

  const workgroupSize = 4;
  const pipeline = await ctx.kernel({
    label: `whitening.${network}.${mode}`,
    code: whiteningWGSL({ network, mode }),
    constants: { WG_SIZE: workgroupSize },
  });
  const tensors: Tensor[] = [];
  try {
    const covTensor = ctx.tensor([2, n, n], { label: 'whitening.cov', data: covData });
    tensors.push(covTensor);
    const state = ctx.tensor([trials, stateSize], { label: 'whitening.state', data: init });
    tensors.push(state);
    const status = ctx.tensor([trials, 2], { label: 'whitening.status', data: statusInit });
    tensors.push(status);
    const [seedLo, seedHi] = seedToKey(seed);
    let done = 0;
    let statusValues: Float32Array = statusInit;
    while (done < maxSteps) {
      if (options.signal?.aborted) throw new InputError('whitening run was cancelled');
      const steps = Math.min(stepsPerDispatch, maxSteps - done);
      ctx.dispatch({
        label: `whitening.${network}.${mode}`,
        pipeline,
        bindings: [
          whiteningParams.pack({
            trials, n, k, batch, steps, step_offset: done, seeds, seed_lo: seedLo, seed_hi: seedHi,
            tag: WHITENING_RNG_TAG, eta, tol, norm_sqrt_cov: normSqrtCov,
          }),
          covTensor, state, status,
        ],
        workgroups: Math.ceil(trials / workgroupSize),
        workgroupSize,
      });
      done += steps;
      statusValues = await status.read();
      options.progress?.(done / maxSteps);
      let lastFirst = 0;
      let allDone = true;
      for (let t = 0; t < trials; t++) {
        const first = statusValues[2 * t + 1]!;
        if (statusValues[2 * t]! >= 3e38) continue; // failed trials never converge
        if (first < 0) allDone = false;
        else lastFirst = Math.max(lastFirst, first);
      }
      if (allDone && done >= lastFirst + 1 + settleSteps) break;
    }
    // Final M: the state itself, or WWᵀ for every trial at once by a batched GEMM.
    let finalMs: Float32Array;
    if (network === 'direct') {
      finalMs = await state.read();
    } else {
      const w = state.reshape([trials, n, k]);
      const wwt = await matmul(ctx, w, w, { transB: true, label: 'whitening.WWt' });
      tensors.push(wwt);
      finalMs = await wwt.read();
    }
    const convergenceTime = new Float64Array(trials);
    const finalError = new Float64Array(trials);
    const finalM: Float64Array[] = [];
    for (let t = 0; t < trials; t++) {
      const failed = statusValues[2 * t]! >= 3e38;
      const first = statusValues[2 * t + 1]!;
      convergenceTime[t] = failed || first < 0 ? NaN : (first + 1) * eta;
      finalError[t] = failed ? NaN : statusValues[2 * t]!;
      finalM.push(Float64Array.from(finalMs.subarray(t * n * n, (t + 1) * n * n)));
    }
    return { network, mode, m0: [...m0], seeds, convergenceTime, finalError, finalM, time: done * eta, steps: done };
  } finally {
    for (const t of tensors) t.destroy();
  }
}
