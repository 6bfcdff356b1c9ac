/**
 * Sampling with the reservoir's own firing-rate dynamics (SEEDS.md §5.3): many chains at once, one
 * invocation per chain in a fused kernel of this folder (shaders/models-rsn.wgsl.ts), then the
 * readout x = W_out h = W₁h as one GEMM.
 */
import { RSN_MAX_DIM, rsnSampleParams, rsnSampleWGSL } from '../../../shaders/models-rsn.wgsl.js';
import type { Context } from '../../core/context.js';
import { seedToKey } from '../../core/seed.js';
import { InputError } from '../../gpu/errors.js';
import { matmul } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import type { ScoreModel } from './reference.js';

/** Philox counter word 3 of the sampler's noise. */
export const RSN_SAMPLE_TAG = 0x5253_4e; // 'RSN'

/** Options of {@link sampleReservoir}. */
export interface ReservoirSampleOptions {
  /** Independent chains C. */
  chains: number;
  /** Euler–Maruyama steps. */
  steps: number;
  /** Time step. Default 0.01. */
  dt?: number;
  /** Philox seed of the noise and of the initial rates. Default 0. */
  seed?: number;
  /** Initial rates h₀: i.i.d. N(0, 1) (the LAP runner) or U(−2, 2) (the DP runner). Default `'normal'`. */
  init?: 'normal' | 'uniform';
  /** φ used by the reservoir; default the model's own. `'linear'` is the identity. */
  activation?: 'relu' | 'tanh' | 'linear';
  /** Steps per dispatch. Default 500. */
  stepsPerDispatch?: number;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

/** W₁ᵀ(W₁W₁ᵀ)⁻¹ (N × d) in float64, so that W₁Σ = I_d; throws when W₁ is rank-deficient. */
export function noiseMap(w1: ArrayLike<number>, d: number, n: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += w1[a * n + i]! * w1[b * n + i]!;
    g[a * d + b] = s;
  }
  // Gauss–Jordan inverse of the d × d Gram matrix with partial pivoting.
  const inv = new Float64Array(d * d);
  for (let a = 0; a < d; a++) inv[a * d + a] = 1;
  let norm = 0;
  for (const v of g) norm = Math.max(norm, Math.abs(v));
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(g[r * d + col]!) > Math.abs(g[piv * d + col]!)) piv = r;
    if (!(Math.abs(g[piv * d + col]!) > 1e-12 * norm)) throw new InputError('rsn: W₁ (W_out) has dependent rows, so W₁W₁ᵀ cannot be inverted for the noise map Σ');
    for (let k = 0; k < d; k++) {
      [g[col * d + k], g[piv * d + k]] = [g[piv * d + k]!, g[col * d + k]!];
      [inv[col * d + k], inv[piv * d + k]] = [inv[piv * d + k]!, inv[col * d + k]!];
    }
    const p = g[col * d + col]!;
    for (let k = 0; k < d; k++) { g[col * d + k] = g[col * d + k]! / p; inv[col * d + k] = inv[col * d + k]! / p; }
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = g[r * d + col]!;
      for (let k = 0; k < d; k++) { g[r * d + k] = g[r * d + k]! - f * g[col * d + k]!; inv[r * d + k] = inv[r * d + k]! - f * inv[col * d + k]!; }
    }
  }
  const sigma = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let a = 0; a < d; a++) s += w1[a * n + i]! * inv[a * d + b]!;
    sigma[i * d + b] = s;
  }
  return sigma;
}

/**
 * Run C reservoir chains of the trained model and return the outputs x = W₁h (C × d, float64).
 * The recurrent weights are W_rec = W₂W₁ with bias b₂, the output weights W₁, and the noise enters
 * through Σ = W₁ᵀ(W₁W₁ᵀ)⁻¹ (see `rsnSampleWGSL`).
 */
export async function sampleReservoir(ctx: Context, model: ScoreModel, options: ReservoirSampleOptions): Promise<Float64Array> {
  const { dim: d, hidden: n } = model;
  const { chains, steps } = options;
  const dt = options.dt ?? 0.01;
  const seed = options.seed ?? 0;
  const chunk = options.stepsPerDispatch ?? 500;
  const activation = options.activation ?? model.activation;
  if (d > RSN_MAX_DIM) throw new InputError(`rsn: the sampler handles output dimension d ≤ ${RSN_MAX_DIM}, got ${d}`);
  for (const [name, v, min] of [['chains', chains, 1], ['steps', steps, 0], ['stepsPerDispatch', chunk, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`rsn: ${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`rsn: dt must be a positive number, got ${dt}`);
  if (!['relu', 'tanh', 'linear'].includes(activation)) throw new InputError(`rsn: activation must be relu, tanh or linear, got '${activation}'`);
  const sigma = noiseMap(model.w1, d, n);
  const init = options.init ?? 'normal';
  const h0 = philoxArray(chains * n, seed, { distribution: init === 'normal' ? 'normal' : 'uniform', stream: 3, tag: RSN_SAMPLE_TAG });
  const h0f = Float32Array.from(h0, (v) => (init === 'normal' ? v : 4 * v - 2));
  const [seedLo, seedHi] = seedToKey(seed);
  const w1 = ctx.tensor([d, n], { label: 'rsn.sample.w1', data: Float32Array.from(model.w1) });
  const w2a = ctx.tensor([n, d + 1], { label: 'rsn.sample.w2a', data: Float32Array.from(model.w2a) });
  const sig = ctx.tensor([n, d], { label: 'rsn.sample.noise_map', data: Float32Array.from(sigma) });
  const h = ctx.tensor([chains, n], { label: 'rsn.sample.h', data: h0f });
  try {
    const pipeline = await ctx.kernel({ label: `rsn.sample.${activation}`, code: rsnSampleWGSL({ activation }), constants: { WG_SIZE: 64 } });
    for (let done = 0; done < steps;) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('rsn: sampling cancelled');
      const k = Math.min(chunk, steps - done);
      ctx.dispatch({
        label: `rsn.sample.${activation}`, pipeline,
        bindings: [
          rsnSampleParams.pack({ chains, hidden: n, dim: d, steps: k, step_offset: done, tag: RSN_SAMPLE_TAG, seed_lo: seedLo, seed_hi: seedHi, dt, noise_scale: Math.sqrt(2 * dt) }),
          w1, w2a, sig, h,
        ],
        workgroups: Math.ceil(chains / 64), workgroupSize: 64,
      });
      done += k;
      if (options.progress) {
        await ctx.sync();
        options.progress(done / steps);
      }
    }
    const x = await matmul(ctx, h, w1, { transB: true, label: 'rsn.sample.x' });
    const out = Float64Array.from(await x.read());
    ctx.releaseAfterSubmit(x);
    let bad = 0;
    for (const v of out) if (!Number.isFinite(v)) bad++;
    if (bad > 0) throw new Error(`rsn: ${bad} of ${chains * d} sampled outputs are not finite; lower dt (${dt})`);
    return out;
  } finally {
    ctx.releaseAfterSubmit(w1, w2a, sig, h);
  }
}
