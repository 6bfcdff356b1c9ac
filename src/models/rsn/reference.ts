/**
 * Float64 twins and exact oracles of the reservoir-sampler network (SEEDS.md §5): the score model
 * s(x) = −x + W₁φ(W₂x + b₂), one denoising-score-matching training step (batch, forward,
 * backward, Adam), the mixture targets and their scores, and the Euler–Maruyama stationary
 * covariance of a linear score.
 *
 * Storage: W₁ is d × N row-major; W₂ and b₂ live together as W₂ₐ = [W₂ | b₂], N × (d + 1).
 */
import { InputError } from '../../gpu/errors.js';
import { normal4FromBits, philox4x32_10, uniformFromBits } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';
import { adamStepReference, type AdamOptions } from '../es/reference.js';

/** Hidden nonlinearity φ. */
export type RsnActivation = 'relu' | 'tanh';

/** Philox counter word 3 of the DSM batches. */
export const RSN_DSM_TAG = 0x5253; // 'RS'

/** A score model: sizes and weights (float64 copies of the GPU's). */
export interface ScoreModel {
  dim: number;
  hidden: number;
  activation: RsnActivation;
  /** W₁, d × N. */
  w1: Float64Array;
  /** [W₂ | b₂], N × (d + 1). */
  w2a: Float64Array;
}

export function activate(a: RsnActivation, u: number): number {
  return a === 'relu' ? Math.max(u, 0) : Math.tanh(u);
}

/** s(x) = −x + W₁φ(W₂x + b₂) at one point. */
export function scoreReference(m: ScoreModel, x: ArrayLike<number>): Float64Array {
  const { dim: d, hidden: n } = m;
  const s = new Float64Array(d);
  for (let j = 0; j < d; j++) s[j] = -x[j]!;
  for (let h = 0; h < n; h++) {
    let u = m.w2a[h * (d + 1) + d]!;
    for (let j = 0; j < d; j++) u += m.w2a[h * (d + 1) + j]! * x[j]!;
    const v = activate(m.activation, u);
    for (let j = 0; j < d; j++) s[j] = s[j]! + m.w1[j * n + h]! * v;
  }
  return s;
}

/** The DSM batch of `step` exactly as the GPU draws it (see shaders/models-rsn.wgsl.ts). */
export function dsmBatchReference(data: ArrayLike<number>, dim: number, batch: number, sigma: number, seed: number, step: number): { noisy: Float64Array; shifted: Float64Array } {
  const rows = data.length / dim;
  const key = seedToKey(seed);
  const noisy = new Float64Array(batch * (dim + 1));
  const shifted = new Float64Array(batch * dim);
  const words = new Uint32Array(4);
  const z = new Float64Array(4);
  for (let b = 0; b < batch; b++) {
    philox4x32_10([b, step, dim, RSN_DSM_TAG], key, words);
    const k = Math.min(Math.floor(uniformFromBits(words[0]!) * rows), rows - 1);
    for (let j = 0; j < dim; j++) {
      philox4x32_10([b, step, j, RSN_DSM_TAG], key, words);
      const eps = normal4FromBits(words, z)[0]!;
      const xt = data[k * dim + j]! + sigma * eps;
      noisy[b * (dim + 1) + j] = xt;
      shifted[b * dim + j] = xt - eps / sigma;
    }
    noisy[b * (dim + 1) + dim] = 1;
  }
  return { noisy, shifted };
}

/** Loss ½·mean_b ‖s(x̃_b) − target_b‖² and its gradients with respect to W₁ and W₂ₐ. */
export function dsmGradientReference(m: ScoreModel, noisy: ArrayLike<number>, shifted: ArrayLike<number>, batch: number): { loss: number; gw1: Float64Array; gw2a: Float64Array } {
  const { dim: d, hidden: n } = m;
  const gw1 = new Float64Array(d * n);
  const gw2a = new Float64Array(n * (d + 1));
  let loss = 0;
  const u = new Float64Array(n);
  const hAct = new Float64Array(n);
  const r = new Float64Array(d);
  for (let b = 0; b < batch; b++) {
    const xa = (j: number): number => noisy[b * (d + 1) + j]!;
    for (let h = 0; h < n; h++) {
      let acc = 0;
      for (let j = 0; j <= d; j++) acc += m.w2a[h * (d + 1) + j]! * xa(j);
      u[h] = acc;
      hAct[h] = activate(m.activation, acc);
    }
    // residual = −x̃ + W₁φ − target = W₁φ − q
    for (let j = 0; j < d; j++) {
      let acc = -shifted[b * d + j]!;
      for (let h = 0; h < n; h++) acc += m.w1[j * n + h]! * hAct[h]!;
      r[j] = acc;
      loss += (0.5 * acc * acc) / batch;
    }
    for (let h = 0; h < n; h++) {
      let dh = 0;
      for (let j = 0; j < d; j++) {
        gw1[j * n + h] = gw1[j * n + h]! + (r[j]! * hAct[h]!) / batch;
        dh += (r[j]! * m.w1[j * n + h]!) / batch;
      }
      const du = m.activation === 'relu' ? (u[h]! > 0 ? dh : 0) : dh * (1 - hAct[h]! * hAct[h]!);
      for (let j = 0; j <= d; j++) gw2a[h * (d + 1) + j] = gw2a[h * (d + 1) + j]! + du * xa(j);
    }
  }
  return { loss, gw1, gw2a };
}

/** Adam state of a score model (moments of W₁ and W₂ₐ). */
export interface ScoreAdamState {
  t: number;
  m1: Float64Array; v1: Float64Array; m2: Float64Array; v2: Float64Array;
}

export function scoreAdamState(m: ScoreModel): ScoreAdamState {
  return { t: 0, m1: new Float64Array(m.w1.length), v1: new Float64Array(m.w1.length), m2: new Float64Array(m.w2a.length), v2: new Float64Array(m.w2a.length) };
}

/** One full training step in float64 (batch, gradients, Adam on both matrices), in place. Returns the loss. */
export function dsmStepReference(m: ScoreModel, adam: ScoreAdamState, data: ArrayLike<number>, batch: number, sigma: number, seed: number, step: number, options: AdamOptions): number {
  const { noisy, shifted } = dsmBatchReference(data, m.dim, batch, sigma, seed, step);
  const { loss, gw1, gw2a } = dsmGradientReference(m, noisy, shifted, batch);
  adam.t++;
  adamStepReference(m.w1, adam.m1, adam.v1, gw1, adam.t, options);
  adamStepReference(m.w2a, adam.m2, adam.v2, gw2a, adam.t, options);
  return loss;
}

/** A 1-D Gaussian mixture Σ_k w_k N(μ_k, s_k²). */
export interface Mixture1D {
  means: number[];
  stds: number[];
  weights: number[];
}

/** The DP target of the reference code: means ±1, std 0.5, equal weights. */
export const DOUBLE_PEAK: Readonly<Mixture1D> = Object.freeze({ means: [-1, 1], stds: [0.5, 0.5], weights: [0.5, 0.5] });

/** Density of a 1-D mixture convolved with N(0, σ²) (σ = 0: the mixture itself). */
export function mixtureDensity(g: Mixture1D, x: number, sigma = 0): number {
  let p = 0;
  g.means.forEach((mu, k) => {
    const v = g.stds[k]! ** 2 + sigma * sigma;
    p += (g.weights[k]! * Math.exp(-((x - mu) ** 2) / (2 * v))) / Math.sqrt(2 * Math.PI * v);
  });
  return p;
}

/**
 * Score of the mixture smoothed by N(0, σ²): Σ_k w_k N(x; μ_k, v_k)(μ_k − x)/v_k / Σ_k w_k N(x; μ_k, v_k),
 * v_k = s_k² + σ², the optimal denoising-score-matching solution at noise σ (SEEDS.md §5.5).
 */
export function mixtureScore(g: Mixture1D, x: number, sigma = 0): number {
  // Log-sum-exp weights so the far tails do not underflow to 0/0.
  const logs = g.means.map((mu, k) => {
    const v = g.stds[k]! ** 2 + sigma * sigma;
    return Math.log(g.weights[k]!) - 0.5 * Math.log(v) - ((x - mu) ** 2) / (2 * v);
  });
  const top = Math.max(...logs);
  let num = 0, den = 0;
  g.means.forEach((mu, k) => {
    const v = g.stds[k]! ** 2 + sigma * sigma;
    const w = Math.exp(logs[k]! - top);
    num += (w * (mu - x)) / v;
    den += w;
  });
  return num / den;
}

/** CDF of a 1-D mixture. */
export function mixtureCdf(g: Mixture1D, x: number): number {
  let c = 0;
  g.means.forEach((mu, k) => { c += g.weights[k]! * normalCdf((x - mu) / g.stds[k]!); });
  return c;
}

/** Standard normal CDF (erfc by the Numerical Recipes Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/**
 * Stationary covariance of Euler–Maruyama on dx = (Ax + c)dt + √2 dW with step dt: the solution of
 * Σ = (I + dtA)Σ(I + dtA)ᵀ + 2dt·I, by doubling (Smith's method; converges when I + dtA is stable).
 */
export function emStationaryCovariance(A: ArrayLike<number>, d: number, dt: number): Float64Array {
  let M: Float64Array = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) M[i * d + j] = (i === j ? 1 : 0) + dt * A[i * d + j]!;
  const S: Float64Array = new Float64Array(d * d);
  for (let i = 0; i < d; i++) S[i * d + i] = 2 * dt;
  const mul = (X: Float64Array, Y: Float64Array, transY = false): Float64Array => {
    const Z = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X[i * d + k]! * (transY ? Y[j * d + k]! : Y[k * d + j]!);
      Z[i * d + j] = s;
    }
    return Z;
  };
  // Σ = Σ_k M^k Q (M^k)ᵀ; each doubling adds M^K S (M^K)ᵀ to S and squares M.
  for (let it = 0; it < 64; it++) {
    const add = mul(mul(M, S), M, true);
    let change = 0;
    for (let i = 0; i < d * d; i++) { S[i] = S[i]! + add[i]!; change = Math.max(change, Math.abs(add[i]!)); }
    M = mul(M, M);
    if (change < 1e-15) return S;
  }
  throw new InputError('emStationaryCovariance: I + dt·A is not stable (the doubling did not converge)');
}

/**
 * The exact stationary law of the Euler–Maruyama chain of a score model whose φ is the identity:
 * then s(x) = −x + W₁(W₂x + b) = Ax + c with A = W₁W₂ − I and c = W₁b, the chain
 * x' = (I + dtA)x + dt·c + √(2dt)ξ is a Gaussian AR(1) with mean −A⁻¹c and covariance the discrete
 * Lyapunov solution ({@link emStationaryCovariance}), whatever the hidden width is. The tests'
 * oracle for the samplers; `A` is returned for their decay checks.
 */
export function linearScoreStationaryLaw(model: ScoreModel, dt: number): { A: Float64Array; mean: Float64Array; cov: Float64Array } {
  const { dim: d, hidden, w1, w2a } = model;
  const A = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    for (let i = 0; i < hidden; i++) {
      for (let b = 0; b < d; b++) A[a * d + b] = A[a * d + b]! + w1[a * hidden + i]! * w2a[i * (d + 1) + b]!;
      c[a] = c[a]! + w1[a * hidden + i]! * w2a[i * (d + 1) + d]!;
    }
    A[a * d + a] = A[a * d + a]! - 1;
  }
  // mean = −A⁻¹c by Gaussian elimination with partial pivoting on [A | −c]
  const m = new Float64Array(d * (d + 1));
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) m[a * (d + 1) + b] = A[a * d + b]!;
    m[a * (d + 1) + d] = -c[a]!;
  }
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r * (d + 1) + col]!) > Math.abs(m[pivot * (d + 1) + col]!)) pivot = r;
    if (m[pivot * (d + 1) + col] === 0) throw new InputError('linearScoreStationaryLaw: A = W₁W₂ − I is singular');
    for (let k = 0; k <= d; k++) [m[col * (d + 1) + k], m[pivot * (d + 1) + k]] = [m[pivot * (d + 1) + k]!, m[col * (d + 1) + k]!];
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = m[r * (d + 1) + col]! / m[col * (d + 1) + col]!;
      for (let k = col; k <= d; k++) m[r * (d + 1) + k] = m[r * (d + 1) + k]! - f * m[col * (d + 1) + k]!;
    }
  }
  const mean = Float64Array.from({ length: d }, (_, a) => m[a * (d + 1) + d]! / m[a * (d + 1) + a]!);
  return { A, mean, cov: emStationaryCovariance(A, d, dt) };
}
