/**
 * Training by forward passes only: the Gaussian-smoothing ("SONG") gradient estimator of Hazelden
 * et al. (SEEDS.md §6.3–6.6) on the GPU, with Adam re-exported from src/autodiff. A caller turns S parameter copies into S losses
 * however it likes (S × B trials of a network in one launch, a batched GEMM …); the estimator only
 * draws the copies and reduces the losses to a gradient, so nothing leaves the GPU in between.
 */
import { esGradientParams, esGradientWGSL, esPerturbParams, esPerturbWGSL } from '../../../shaders/models-es.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { fillRandom } from '../../random/index.js';

const WORKGROUP_SIZE = 64;

function assertVector(t: Tensor, size: number, name: string): void {
  t.assertAlive();
  if (t.dtype !== 'f32' || t.size !== size) throw new InputError(`${name} ('${t.label}') must be an f32 tensor of ${size} elements, got ${t.dtype} with ${t.size}`);
}

/** Options of {@link createSmoothingEstimator}. */
export interface SmoothingEstimatorOptions {
  /** Copies S per step, including the unperturbed one (ε₀ = 0); at least 2. Paper: 100. */
  samples: number;
  /** Perturbation scale σ > 0. Paper: 0.1. */
  sigma: number;
  /** Philox seed of the perturbations; step k uses stream k. Default 0. */
  seed?: number;
  /** Label prefix of the GPU buffers. Default `'es'`. */
  label?: string;
}

/**
 * The estimator's buffers and its two operations. `perturb(θ, k)` writes the copies
 * θ_s = θ + σ z_s (θ_0 = θ) of step k into `copies` (S × dim); `gradient(L)` reduces the S losses
 * to ĝ = Σ_{s≥1} (L_s − L_0) z_s/((S − 1)σ) in `grad`. E[ĝ] = ∇L_σ(θ), the gradient of the
 * Gaussian-smoothed loss E[L(θ + σz)], which equals ∇L(θ) for a quadratic L (Stein's identity).
 * The reference code divides by S (one term is zero) and uses no baseline; dividing by S − 1
 * makes the estimate unbiased, and the baseline L_0 only lowers its variance.
 */
export interface SmoothingEstimator {
  readonly dim: number;
  readonly samples: number;
  readonly sigma: number;
  /** S × dim parameter copies of the last `perturb`. */
  readonly copies: Tensor<'f32'>;
  /** S × dim standard normals of the last `perturb` (row 0 drawn but unused). */
  readonly normals: Tensor<'f32'>;
  /** The last gradient estimate, dim. */
  readonly grad: Tensor<'f32'>;
  perturb(theta: Tensor, step: number): Promise<Tensor<'f32'>>;
  gradient(losses: Tensor): Promise<Tensor<'f32'>>;
  destroy(): void;
}

/** Allocate an estimator for `dim` parameters; see {@link SmoothingEstimator}. */
export function createSmoothingEstimator(ctx: Context, dim: number, options: SmoothingEstimatorOptions): SmoothingEstimator {
  const { samples, sigma } = options;
  const seed = options.seed ?? 0;
  const label = options.label ?? 'es';
  if (!Number.isInteger(dim) || dim < 1) throw new InputError(`es: dim must be a whole number ≥ 1, got ${dim}`);
  if (!Number.isInteger(samples) || samples < 2) throw new InputError(`es: samples (S) must be a whole number ≥ 2, got ${samples}`);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new InputError(`es: sigma must be a positive number, got ${sigma}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`es: seed must be a non-negative whole number, got ${seed}`);
  const copies = ctx.tensor([samples, dim], { label: `${label}.copies` });
  const normals = ctx.tensor([samples, dim], { label: `${label}.normals` });
  const grad = ctx.tensor([dim], { label: `${label}.grad` });
  return {
    dim, samples, sigma, copies, normals, grad,
    async perturb(theta, step) {
      assertVector(theta, dim, 'theta');
      if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32) throw new InputError(`es: step must be a whole number in [0, 2^32), got ${step}`);
      await fillRandom(ctx, normals, 'normal', { seed, stream: step });
      const pipeline = await ctx.kernel({ label: 'es.perturb', code: esPerturbWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
      ctx.dispatch({
        label: 'es.perturb', pipeline,
        bindings: [esPerturbParams.pack({ dim, samples, sigma }), theta, normals, copies],
        workgroups: Math.ceil((dim * samples) / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
      });
      return copies;
    },
    async gradient(losses) {
      assertVector(losses, samples, 'losses');
      const pipeline = await ctx.kernel({ label: 'es.gradient', code: esGradientWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
      ctx.dispatch({
        label: 'es.gradient', pipeline,
        bindings: [esGradientParams.pack({ dim, samples, inv_sigma: 1 / sigma }), losses, normals, grad],
        workgroups: Math.ceil(dim / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
      });
      return grad;
    },
    destroy() {
      ctx.releaseAfterSubmit(copies, normals, grad);
    },
  };
}

// The GPU Adam is the general one of src/autodiff (with optional decoupled weight decay); re-exported
// here for the ES trainers that take it from this module.
export { createAdam, type AdamOptimizer } from '../../autodiff/optim.js';
