/**
 * Float64 twins of the evolution-strategies pieces (shaders/models-es.wgsl.ts): the perturbed
 * copies, the Gaussian-smoothing gradient estimate and an Adam step; the normals are the same
 * Philox numbers the GPU draws (`fillRandom(…, 'normal', { seed, stream: step })`).
 */
import { philoxArray } from '../../reference/philox.js';

/** The standard normals z (S × dim, row-major) of estimator step `step` under `seed`. */
export function esNormalsReference(samples: number, dim: number, seed: number, step: number): Float64Array {
  return philoxArray(samples * dim, seed, { distribution: 'normal', stream: step });
}

/** θ_s = θ + σ z_s (s ≥ 1), θ_0 = θ. */
export function esPerturbReference(theta: ArrayLike<number>, z: ArrayLike<number>, samples: number, sigma: number): Float64Array {
  const dim = theta.length;
  const out = new Float64Array(samples * dim);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < dim; i++) out[s * dim + i] = theta[i]! + (s === 0 ? 0 : sigma * z[s * dim + i]!);
  }
  return out;
}

/** ĝ = Σ_{s≥1} (L_s − L_0) σ z_s / ((S − 1) σ²). */
export function esGradientReference(losses: ArrayLike<number>, z: ArrayLike<number>, sigma: number): Float64Array {
  const samples = losses.length;
  const dim = z.length / samples;
  const g = new Float64Array(dim);
  for (let s = 1; s < samples; s++) {
    const w = (losses[s]! - losses[0]!) / ((samples - 1) * sigma);
    for (let i = 0; i < dim; i++) g[i] = g[i]! + w * z[s * dim + i]!;
  }
  return g;
}

/** Adam hyper-parameters (defaults of Kingma & Ba: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8). */
export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Resolved Adam settings, and the folded step size and guard of step t (1-based). */
export function adamConstants(options: AdamOptions, t: number): { beta1: number; beta2: number; stepSize: number; epsilonHat: number } {
  const lr = options.lr ?? 1e-3;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const c2 = Math.sqrt(1 - beta2 ** t);
  return { beta1, beta2, stepSize: (lr * c2) / (1 - beta1 ** t), epsilonHat: epsilon * c2 };
}

/** One Adam step (t is 1-based) in place on θ and the moments m, v. */
export function adamStepReference(theta: Float64Array, m: Float64Array, v: Float64Array, grad: ArrayLike<number>, t: number, options: AdamOptions = {}): void {
  const { beta1, beta2, stepSize, epsilonHat } = adamConstants(options, t);
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    theta[i] = theta[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) + epsilonHat);
  }
}
