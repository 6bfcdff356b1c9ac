/**
 * Float64 CPU reference for the whitening circuits of Lipshutz, Pehlevan & Chklovskii (ICLR 2023,
 * arXiv:2209.10634), see shared/papers/SEEDS.md §1:
 * - closed-form scalar trajectories of the averaged synaptic ODEs (exact oracles, §1.3);
 * - the convergence time to a relative Frobenius tolerance when M₀ = m₀I commutes with C;
 * - a step-by-step twin of the GPU kernel in shaders/models-whitening.wgsl.ts (same Philox normals).
 *
 * Direct network:  dM/dt = M⁻¹CM⁻¹ − I, online M ← M + η(r rᵀ − I), r = M⁻¹x.
 * Interneurons:    dW/dt = (WWᵀ)⁻¹C(WWᵀ)⁻¹W − W, online W ← W + η(r nᵀ − W), r = (WWᵀ)⁻¹x, n = Wᵀr.
 * Both have the fixed point M* = (WWᵀ)* = C^{1/2}.
 */
import { matmulDense } from '../../reference/dense.js';
import { jacobiEigReference } from '../../reference/eig.js';
import { normal4FromBits, philox4x32_10 } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';

/** Philox counter word 3 ("tag") of the whitening input samples. */
export const WHITENING_RNG_TAG = 0x5768; // 'Wh'

// ------------------------------------------------------------------ closed forms (SEEDS §1.3)

/**
 * Direct network, one eigen-direction of C with eigenvalue λ (s = √λ): the exact time the ODE
 * dm/dt = λ/m² − 1 takes from m₀ to m (both on the same side of s):
 * t(m) = (m₀ − m) + (s/2)[ln((m+s)/(m−s)) − ln((m₀+s)/(m₀−s))].
 */
export function whiteningDirectTime(lambda: number, m0: number, m: number): number {
  const s = Math.sqrt(lambda);
  return (m0 - m) + (s / 2) * (Math.log(Math.abs((m + s) / (m - s))) - Math.log(Math.abs((m0 + s) / (m0 - s))));
}

/** Direct network: m(t) of dm/dt = λ/m² − 1 from m₀, by bisection of the exact t(m) (monotone). */
export function whiteningDirectTrajectory(lambda: number, m0: number, t: number): number {
  const s = Math.sqrt(lambda);
  if (m0 === s || t <= 0) return m0;
  let lo = Math.min(m0, s);
  let hi = Math.max(m0, s);
  // t(m) grows as m moves from m₀ towards s; find m with t(m) = t.
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    const tm = whiteningDirectTime(lambda, m0, mid);
    const beyond = tm > t; // mid is further along the trajectory than time t
    if ((m0 > s) === beyond) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Interneuron network, eigenvalue m of M = WWᵀ along an eigen-direction of C with eigenvalue λ:
 * dm/dt = 2(λ/m − m), so m(t) = √(λ + (m₀² − λ)e^{−4t}).
 */
export function whiteningInterneuronTrajectory(lambda: number, m0: number, t: number): number {
  return Math.sqrt(lambda + (m0 * m0 - lambda) * Math.exp(-4 * t));
}

/** The two circuits. */
export type WhiteningNetwork = 'direct' | 'interneuron';

/**
 * Relative Frobenius error ‖M(t) − C^{1/2}‖_F / ‖C^{1/2}‖_F of the averaged ODE started from
 * M₀ = m₀I, from the closed forms (M(t) stays diagonal in C's eigenbasis).
 */
export function whiteningTheoryError(network: WhiteningNetwork, lambdas: ArrayLike<number>, m0: number, t: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < lambdas.length; i++) {
    const lambda = lambdas[i]!;
    const m = network === 'direct' ? whiteningDirectTrajectory(lambda, m0, t) : whiteningInterneuronTrajectory(lambda, m0, t);
    num += (m - Math.sqrt(lambda)) ** 2;
    den += lambda;
  }
  return Math.sqrt(num / den);
}

/**
 * Time at which the averaged ODE from M₀ = m₀I first reaches relative Frobenius error `tol`
 * (the error decreases monotonically, so bisection in t is exact). 0 if it starts below `tol`.
 */
export function whiteningTheoryConvergenceTime(network: WhiteningNetwork, lambdas: ArrayLike<number>, m0: number, tol: number): number {
  if (whiteningTheoryError(network, lambdas, m0, 0) < tol) return 0;
  let hi = 1;
  while (whiteningTheoryError(network, lambdas, m0, hi) >= tol) {
    hi *= 2;
    if (hi > 1e9) return Infinity;
  }
  let lo = 0;
  for (let it = 0; it < 100; it++) {
    const mid = 0.5 * (lo + hi);
    if (whiteningTheoryError(network, lambdas, m0, mid) >= tol) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ------------------------------------------------------------------ small dense float64 algebra

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations (Golub & Van Loan,
 * Matrix Computations, §8.5). Returns eigenvalues and row-major eigenvectors (columns of V).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = jacobiEigReference(a, n);
  return { values, vectors };
}

/** f(A) = V f(Λ) Vᵀ for a symmetric A (e.g. the square root of a covariance). */
export function symmetricFunction(a: ArrayLike<number>, n: number, f: (x: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const fk = f(values[k]!);
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k]! * fk;
      for (let j = 0; j < n; j++) out[i * n + j]! += vik * vectors[j * n + k]!;
    }
  }
  return out;
}

/** Lower Cholesky factor of a symmetric positive-definite n×n matrix, or null if it is not PD. */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solve L Lᵀ x = b in place, given the lower Cholesky factor L. */
export function choleskySolveInPlace(l: ArrayLike<number>, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

// ------------------------------------------------------------------ twin of the GPU kernel

/** One trial of the whitening dynamics, as the GPU kernel runs it. */
export interface WhiteningStepOptions {
  network: WhiteningNetwork;
  /** `'online'`: stochastic rule on `batch` fresh samples per step; `'ode'`: averaged ODE (Euler). */
  mode: 'online' | 'ode';
  n: number;
  /** Interneurons (interneuron network only), k ≥ n. */
  k: number;
  /** Samples per online step. */
  batch: number;
  /** Learning rate = Euler step of the averaged ODE (time per step). */
  eta: number;
  /** Input covariance C and its square root (row-major n×n). */
  cov: ArrayLike<number>;
  sqrtCov: ArrayLike<number>;
  /** Relative Frobenius tolerance defining convergence. */
  tol: number;
  /** Philox seed and stream (the stream is the trial's seed index). */
  seed: number;
  stream: number;
}

/**
 * Run `steps` steps from `state` (M: n×n, or W: n×k, row-major; updated in place) starting at
 * global step `stepOffset`. Returns the relative error after the last step and the first global
 * step at whose end the error was below `tol` (or -1). Mirrors the WGSL kernel operation by operation.
 */
export function whiteningStepsReference(
  options: WhiteningStepOptions,
  state: Float64Array,
  stepOffset: number,
  steps: number,
): { error: number; firstBelow: number } {
  const { network, mode, n, k, batch, eta, cov, sqrtCov, tol } = options;
  const key = seedToKey(options.seed);
  let normSqrt = 0;
  for (let i = 0; i < n * n; i++) normSqrt += sqrtCov[i]! ** 2;
  normSqrt = Math.sqrt(normSqrt);
  const blocksPerSample = Math.ceil(n / 4);
  const words = new Uint32Array(4);
  const normals = new Float64Array(4);
  const xi = new Float64Array(blocksPerSample * 4);
  let error = NaN;
  let firstBelow = -1;
  for (let s = 0; s < steps; s++) {
    const step = stepOffset + s;
    const m = network === 'direct' ? state : matmulDense(state, state, n, k, n, { transB: true });
    const l = cholesky(m, n);
    if (!l) return { error: Infinity, firstBelow };
    const drive = new Float64Array(n * n); // S = E[r rᵀ] estimate, or M⁻¹CM⁻¹
    if (mode === 'online') {
      const r = new Float64Array(n);
      for (let b = 0; b < batch; b++) {
        for (let blk = 0; blk < blocksPerSample; blk++) {
          philox4x32_10([b * blocksPerSample + blk, step, options.stream, WHITENING_RNG_TAG], key, words);
          normal4FromBits(words, normals);
          for (let q = 0; q < 4; q++) xi[blk * 4 + q] = normals[q]!;
        }
        for (let i = 0; i < n; i++) {
          let x = 0;
          for (let j = 0; j < n; j++) x += sqrtCov[i * n + j]! * xi[j]!;
          r[i] = x;
        }
        choleskySolveInPlace(l, n, r);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) drive[i * n + j]! += (r[i]! * r[j]!) / batch;
      }
    } else {
      // Y = M⁻¹C column by column, then Z = M⁻¹Yᵀ = M⁻¹CM⁻¹.
      const y = new Float64Array(n * n);
      const col = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) col[i] = cov[i * n + j]!;
        choleskySolveInPlace(l, n, col);
        for (let i = 0; i < n; i++) y[i * n + j] = col[i]!;
      }
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) col[i] = y[j * n + i]!;
        choleskySolveInPlace(l, n, col);
        for (let i = 0; i < n; i++) drive[i * n + j] = col[i]!;
      }
    }
    if (network === 'direct') {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) state[i * n + j]! += eta * (drive[i * n + j]! - (i === j ? 1 : 0));
    } else {
      const next = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) {
          let sw = 0;
          for (let l2 = 0; l2 < n; l2++) sw += drive[i * n + l2]! * state[l2 * k + j]!;
          next[i * k + j] = state[i * k + j]! + eta * (sw - state[i * k + j]!);
        }
      }
      state.set(next);
    }
    const after = network === 'direct' ? state : matmulDense(state, state, n, k, n, { transB: true });
    let num = 0;
    for (let i = 0; i < n * n; i++) num += (after[i]! - sqrtCov[i]!) ** 2;
    error = Math.sqrt(num) / normSqrt;
    if (firstBelow < 0 && error < tol) firstBelow = step;
  }
  return { error, firstBelow };
}

/** Least-squares slope and intercept of y against x. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
