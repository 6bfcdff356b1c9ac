/**
 * Training the RSN score model s(x) = −x + W₁φ(W₂x + b₂) by annealed denoising score matching
 * (SEEDS.md §5.3) on the GPU, with a hand-written backward pass: per step one kernel draws the
 * noisy batch, then
 *   U = X̃ₐW₂ₐᵀ, H = φ(U), S₀ = HW₁ᵀ, R = (S₀ − Q)/B           (forward; ℒ = (B/2)‖R‖²)
 *   ∇W₁ = RᵀH, dH = RW₁, dU = dH ⊙ φ'(U), ∇W₂ₐ = dUᵀX̃ₐ         (backward)
 * as five GEMMs with transposes and three elementwise maps, then Adam on W₁ and W₂ₐ = [W₂ | b₂].
 * The float64 twin of one step is `dsmStepReference` (src/models/rsn/reference.ts).
 */
import { rsnBatchParams, rsnBatchWGSL } from '../../../shaders/models-rsn.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { seedToKey } from '../../core/seed.js';
import { InputError } from '../../gpu/errors.js';
import { mapExpr, matmul, sumSquares } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import { createAdam, type AdamOptimizer } from '../es/estimator.js';
import type { AdamOptions } from '../es/reference.js';
import { RSN_DSM_TAG, type RsnActivation, type ScoreModel } from './reference.js';

/** A score model whose weights live on the GPU. */
export interface GpuScoreModel {
  readonly dim: number;
  readonly hidden: number;
  readonly activation: RsnActivation;
  /** W₁, d × N. */
  readonly w1: Tensor<'f32'>;
  /** [W₂ | b₂], N × (d + 1). */
  readonly w2a: Tensor<'f32'>;
  /** Float64 copy of the weights. */
  read(): Promise<ScoreModel>;
  destroy(): void;
}

/** Options of {@link createScoreModel}. */
export interface ScoreModelOptions {
  /** Hidden (reservoir) units N. */
  hidden: number;
  /** φ. Default `'relu'` (the reference code's default). */
  activation?: RsnActivation;
  /** Initial weights; default PyTorch's `nn.Linear` rule, U(±1/√fan_in), drawn from `seed`. */
  init?: { w1: ArrayLike<number>; w2a: ArrayLike<number> };
  /** Seed of the default initialisation. Default 0. */
  seed?: number;
}

/** Upload (or draw) the weights of a score model for data of dimension `dim`. */
export function createScoreModel(ctx: Context, dim: number, options: ScoreModelOptions): GpuScoreModel {
  const { hidden } = options;
  const activation = options.activation ?? 'relu';
  if (!Number.isInteger(dim) || dim < 1) throw new InputError(`rsn: dim must be a whole number ≥ 1, got ${dim}`);
  if (!Number.isInteger(hidden) || hidden < 1) throw new InputError(`rsn: hidden must be a whole number ≥ 1, got ${hidden}`);
  if (activation !== 'relu' && activation !== 'tanh') throw new InputError(`rsn: activation must be 'relu' or 'tanh', got '${String(activation)}'`);
  let w1: ArrayLike<number>;
  let w2a: ArrayLike<number>;
  if (options.init) {
    ({ w1, w2a } = options.init);
    if (w1.length !== dim * hidden || w2a.length !== hidden * (dim + 1)) {
      throw new InputError(`rsn: init.w1 must hold ${dim * hidden} values and init.w2a ${hidden * (dim + 1)}, got ${w1.length} and ${w2a.length}`);
    }
  } else {
    const seed = options.seed ?? 0;
    const u1 = philoxArray(dim * hidden, seed, { distribution: 'uniform', stream: 1, tag: RSN_DSM_TAG });
    const u2 = philoxArray(hidden * (dim + 1), seed, { distribution: 'uniform', stream: 2, tag: RSN_DSM_TAG });
    w1 = u1.map((u) => (2 * u - 1) / Math.sqrt(hidden));
    w2a = u2.map((u) => (2 * u - 1) / Math.sqrt(dim));
  }
  const w1T = ctx.tensor([dim, hidden], { label: 'rsn.w1', data: Float32Array.from(w1) });
  const w2aT = ctx.tensor([hidden, dim + 1], { label: 'rsn.w2a', data: Float32Array.from(w2a) });
  return {
    dim, hidden, activation, w1: w1T, w2a: w2aT,
    async read() {
      return { dim, hidden, activation, w1: Float64Array.from(await w1T.read()), w2a: Float64Array.from(await w2aT.read()) };
    },
    destroy() {
      w1T.destroy();
      w2aT.destroy();
    },
  };
}

/** φ(u) and the backward map dU = dH ⊙ φ'(U) as elementwise expressions. */
const ACTIVATION_EXPR: Record<RsnActivation, { forward: string; backward: string }> = {
  relu: { forward: 'max(u, 0)', backward: 'u > 0 ? dh : 0' },
  tanh: { forward: 'tanh(u)', backward: 'dh * (1 - h * h)' },
};

/** Options of {@link createDsmTrainer}. */
export interface DsmTrainerOptions extends AdamOptions {
  /** Batch size B. */
  batch: number;
  /** Philox seed of the batches. Default 0. */
  seed?: number;
}

/** One model, one data set, its buffers; `step` records a training step, `resetOptimizer` starts Adam afresh. */
export interface DsmTrainer {
  /** Record one step at noise `sigma`; `step` indexes the Philox batch draw. Returns the loss when `withLoss` (reads back). */
  step(sigma: number, step: number, withLoss?: boolean): Promise<number | undefined>;
  /** New Adam moments (the reference code re-creates its optimiser at every noise level), optionally with a new learning rate. */
  resetOptimizer(lr?: number): void;
  /** The last step's gradients (for tests): ∇W₁ (d × N) and ∇W₂ₐ (N × (d + 1)). */
  readonly grads: { w1: Tensor<'f32'>; w2a: Tensor<'f32'> };
  destroy(): void;
}

/** Set up denoising-score-matching training of `model` on `data` (n × d, row-major). */
export function createDsmTrainer(ctx: Context, model: GpuScoreModel, data: ArrayLike<number>, options: DsmTrainerOptions): DsmTrainer {
  const { dim: d, hidden: n } = model;
  const { batch } = options;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`rsn: batch must be a whole number ≥ 1, got ${batch}`);
  if (data.length === 0 || data.length % d !== 0) throw new InputError(`rsn: data must hold whole rows of ${d} values, got ${data.length} values`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw new InputError(`rsn: data[${i}] is not finite (${data[i]})`);
  const rows = data.length / d;
  const [seedLo, seedHi] = seedToKey(seed);
  const t = (shape: number[], label: string): Tensor<'f32'> => ctx.tensor(shape, { label: `rsn.dsm.${label}` });
  const dataT = ctx.tensor([rows, d], { label: 'rsn.dsm.data', data: Float32Array.from(data) });
  const noisy = t([batch, d + 1], 'noisy');
  const shifted = t([batch, d], 'shifted');
  const u = t([batch, n], 'u');
  const h = t([batch, n], 'h');
  const s0 = t([batch, d], 's0');
  const r = t([batch, d], 'residual');
  const dh = t([batch, n], 'dh');
  const gw1 = t([d, n], 'grad_w1');
  const gw2a = t([n, d + 1], 'grad_w2a');
  const lossT = t([1], 'loss');
  const owned = [dataT, noisy, shifted, u, h, s0, r, dh, gw1, gw2a, lossT];
  const act = ACTIVATION_EXPR[model.activation];
  const newAdam = (lr = options.lr): [AdamOptimizer, AdamOptimizer] => [
    createAdam(ctx, d * n, { ...options, lr, label: 'rsn.adam.w1' }),
    createAdam(ctx, n * (d + 1), { ...options, lr, label: 'rsn.adam.w2a' }),
  ];
  let adam = newAdam();
  return {
    grads: { w1: gw1, w2a: gw2a },
    async step(sigma, step, withLoss = false) {
      if (!(sigma > 0) || !Number.isFinite(sigma)) throw new InputError(`rsn: noise level sigma must be positive, got ${sigma}`);
      const pipeline = await ctx.kernel({ label: 'rsn.dsm_batch', code: rsnBatchWGSL(), constants: { WG_SIZE: 64 } });
      ctx.dispatch({
        label: 'rsn.dsm_batch', pipeline,
        bindings: [rsnBatchParams.pack({ rows, dim: d, batch, step, tag: RSN_DSM_TAG, seed_lo: seedLo, seed_hi: seedHi, sigma }), dataT, noisy, shifted],
        workgroups: Math.ceil(batch / 64), workgroupSize: 64,
      });
      await matmul(ctx, noisy, model.w2a, { transB: true, dst: u });
      await mapExpr(ctx, act.forward, { u }, { dst: h });
      await matmul(ctx, h, model.w1, { transB: true, dst: s0 });
      await mapExpr(ctx, '(s0 - q) * inv_batch', { s0, q: shifted }, { dst: r, params: { inv_batch: 1 / batch } });
      await matmul(ctx, r, h, { transA: true, dst: gw1 });
      await matmul(ctx, r, model.w1, { dst: dh });
      await mapExpr(ctx, act.backward, model.activation === 'relu' ? { u, dh } : { h, dh }, { dst: dh });
      await matmul(ctx, dh, noisy, { transA: true, dst: gw2a });
      let loss: number | undefined;
      if (withLoss) {
        await sumSquares(ctx, r, { dst: lossT });
        loss = ((await lossT.read())[0]! * batch) / 2;
      }
      await adam[0].step(model.w1, gw1);
      await adam[1].step(model.w2a, gw2a);
      return loss;
    },
    resetOptimizer(lr) {
      ctx.releaseAfterSubmit(...adam);
      adam = newAdam(lr);
    },
    destroy() {
      ctx.releaseAfterSubmit(...owned, ...adam);
    },
  };
}

/** Noise levels σ_n = σ_start·(σ_end/σ_start)^{n/L}, n = 0 … L − 1 (the DP runner's schedule: σ_end itself is not reached). */
export function noiseLevels(sigmaStart: number, sigmaEnd: number, levels: number): number[] {
  if (!(sigmaStart > 0) || !(sigmaEnd > 0)) throw new InputError(`rsn: noise levels must be positive, got ${sigmaStart} and ${sigmaEnd}`);
  if (!Number.isInteger(levels) || levels < 1) throw new InputError(`rsn: levels must be a whole number ≥ 1, got ${levels}`);
  return Array.from({ length: levels }, (_, k) => sigmaStart * Math.exp((-Math.log(sigmaStart / sigmaEnd) * k) / levels));
}

/** One point of a training curve. */
export interface DsmCurvePoint {
  level: number;
  sigma: number;
  step: number;
  loss: number;
}

/** Options of {@link trainScoreModel}. */
export interface TrainScoreOptions extends DsmTrainerOptions {
  /** Noise levels, large to small (see {@link noiseLevels}). */
  sigmas: number[];
  /** Steps at each level. */
  stepsPerLevel: number;
  /**
   * Scale the learning rate with the noise level, lr·σ_n/σ_0 (default false: one rate, as the
   * reference code). The unweighted DSM gradient's noise grows like 1/σ while Adam's step size
   * does not shrink with it, so at small σ a fixed rate leaves the weights jittering.
   */
  lrBySigma?: boolean;
  /** Record the loss every this many steps (reads back). Default 100. */
  lossEvery?: number;
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Annealed DSM: `stepsPerLevel` steps at each σ of `sigmas`, Adam re-created per level. Returns the loss curve. */
export async function trainScoreModel(ctx: Context, model: GpuScoreModel, data: ArrayLike<number>, options: TrainScoreOptions): Promise<DsmCurvePoint[]> {
  const { sigmas, stepsPerLevel } = options;
  const lossEvery = options.lossEvery ?? 100;
  if (sigmas.length === 0) throw new InputError('rsn: sigmas must hold at least one noise level');
  if (!Number.isInteger(stepsPerLevel) || stepsPerLevel < 1) throw new InputError(`rsn: stepsPerLevel must be a whole number ≥ 1, got ${stepsPerLevel}`);
  if (!Number.isInteger(lossEvery) || lossEvery < 1) throw new InputError(`rsn: lossEvery must be a whole number ≥ 1, got ${lossEvery}`);
  const trainer = createDsmTrainer(ctx, model, data, options);
  const curve: DsmCurvePoint[] = [];
  try {
    let step = 0;
    for (const [level, sigma] of sigmas.entries()) {
      if (level > 0) trainer.resetOptimizer(options.lrBySigma ? ((options.lr ?? 1e-3) * sigma) / sigmas[0]! : options.lr);
      else if (options.lrBySigma) trainer.resetOptimizer(options.lr);
      for (let k = 0; k < stepsPerLevel; k++, step++) {
        if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('rsn: training cancelled');
        const last = k === stepsPerLevel - 1;
        const loss = await trainer.step(sigma, step, last || k % lossEvery === 0);
        if (loss !== undefined) {
          if (!Number.isFinite(loss)) throw new Error(`rsn: the DSM loss became ${loss} at step ${step} (σ = ${sigma}); lower the learning rate`);
          curve.push({ level, sigma, step, loss });
          options.progress?.((step + 1) / (sigmas.length * stepsPerLevel));
        }
      }
    }
    return curve;
  } finally {
    trainer.destroy();
  }
}

/** The score s(x) = −x + W₁φ(W₂x + b₂) of the GPU model at M points (M × d, row-major), as float64. */
export async function evaluateScore(ctx: Context, model: GpuScoreModel, points: ArrayLike<number>): Promise<Float64Array> {
  const d = model.dim;
  const m = points.length / d;
  if (!Number.isInteger(m) || m < 1) throw new InputError(`rsn: points must hold whole rows of ${d} values, got ${points.length}`);
  const xa = new Float32Array(m * (d + 1));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) xa[i * (d + 1) + j] = points[i * d + j]!;
    xa[i * (d + 1) + d] = 1;
  }
  const xaT = ctx.tensor([m, d + 1], { label: 'rsn.eval.points', data: xa });
  const u = await matmul(ctx, xaT, model.w2a, { transB: true, label: 'rsn.eval.u' });
  const h = await mapExpr(ctx, ACTIVATION_EXPR[model.activation].forward, { u }, { label: 'rsn.eval.h' });
  const s = await matmul(ctx, h, model.w1, { transB: true, label: 'rsn.eval.s' });
  try {
    const out = Float64Array.from(await s.read());
    for (let i = 0; i < m * d; i++) out[i] = out[i]! - points[i]!;
    return out;
  } finally {
    ctx.releaseAfterSubmit(xaT, u, h, s);
  }
}
