/**
 * Float64 twins of the evolution-strategies pieces (shaders/models-es.wgsl.ts): the perturbed
 * copies, the Gaussian-smoothing gradient estimate (Adam: src/reference/optim.ts); the normals are the same
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

// Adam lives with the other optimizers (src/autodiff/optim.ts); its float64 twin is re-exported here
// for the ES code that has always imported it from this module.
export { adamConstants, adamStepReference, type AdamOptions } from '../../reference/optim.js';
