/**
 * The supervised half of Krotov & Hopfield's network: the frozen hidden layer's activations
 * h = ReLU(W v)^n (their eq. 9 uses the ordinary dot product here; n ≈ 4.5 for MNIST), standardised
 * per unit, and a linear softmax classifier on them trained by full-batch gradient descent with
 * momentum on the GPU. The paper trains its top layer with a different loss (Σ|tanh(βSh) − t|^m,
 * m = 6); the issue asks for the softmax readout, whose gradient is the textbook Xᵀ(P − Y)/n:
 * logits and gradient are GEMMs, the softmax and residual one kernel (`softmaxResidualWGSL`).
 * Float64 twins: `activationRef`, `softmaxGradientRef` (./reference.ts).
 */
import { khActivationParams, khActivationWGSL, softmaxResidualParams, softmaxResidualWGSL } from '../../../shaders/models-krotov-hopfield.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { mapExpr, matmul, sum } from '../../linalg/index.js';

const WORKGROUP_SIZE = 64;

/** Per-unit shift and scale of the features (from the training set, reused for the test set). */
export interface FeatureStats {
  mean: Float32Array;
  invStd: Float32Array;
}

/** Options of {@link hiddenFeatures}. */
export interface HiddenFeaturesOptions {
  /** n of ReLU^n. */
  power: number;
  /** Standardise with these; default: measure them on these images (float64 mean and std of each unit). */
  stats?: FeatureStats;
  /** Label of the output tensor. Default `'kh.features'`. */
  label?: string;
}

/**
 * Features rows × (H + 1) of `images` (rows × N) through the synapses `w` (H × N): (max(Wv, 0)^n −
 * mean)/std per unit and a trailing 1 for the bias. A unit that never fires gets scale 0 (a
 * constant 0 feature). Returns the features (caller owns them) and the statistics used.
 */
export async function hiddenFeatures(ctx: Context, w: Tensor, images: Tensor, options: HiddenFeaturesOptions): Promise<{ features: Tensor<'f32'>; stats: FeatureStats }> {
  const [h, n] = [w.shape[0]!, w.shape[1]!];
  if (images.shape.length !== 2 || images.shape[1] !== n) throw new InputError(`krotov-hopfield: images must be [rows, ${n}], got [${images.shape.join(', ')}]`);
  if (!(options.power > 0) || !Number.isFinite(options.power)) throw new InputError(`krotov-hopfield: the activation power n must be positive, got ${options.power}`);
  const rows = images.shape[0]!;
  const currents = await matmul(ctx, images, w, { transB: true, label: 'kh.feature_currents' });
  const features = ctx.tensor([rows, h + 1], { label: options.label ?? 'kh.features' });
  const pipeline = await ctx.kernel({ label: 'kh.activation', code: khActivationWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
  const run = (stats: FeatureStats): void => {
    const mean = ctx.tensor([h], { label: 'kh.feature_mean', data: stats.mean });
    const invStd = ctx.tensor([h], { label: 'kh.feature_inv_std', data: stats.invStd });
    ctx.dispatch({
      label: 'kh.activation', pipeline,
      bindings: [khActivationParams.pack({ rows, hidden: h, power: options.power }), currents, mean, invStd, features],
      workgroups: Math.ceil((rows * (h + 1)) / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
    });
    ctx.releaseAfterSubmit(mean, invStd);
  };
  try {
    let stats = options.stats;
    if (!stats) {
      run({ mean: new Float32Array(h), invStd: new Float32Array(h).fill(1) });
      // float64 moments on the CPU: ReLU^4.5 is heavy-tailed, and E h² − (E h)² in f32 would cancel
      const raw = await features.read();
      const mean = new Float64Array(h);
      const sq = new Float64Array(h);
      for (let b = 0; b < rows; b++) {
        for (let mu = 0; mu < h; mu++) {
          const x = raw[b * (h + 1) + mu]!;
          mean[mu] = mean[mu]! + x;
          sq[mu] = sq[mu]! + x * x;
        }
      }
      stats = { mean: new Float32Array(h), invStd: new Float32Array(h) };
      for (let mu = 0; mu < h; mu++) {
        const m = mean[mu]! / rows;
        const variance = Math.max(sq[mu]! / rows - m * m, 0);
        stats.mean[mu] = m;
        stats.invStd[mu] = variance > 0 && Number.isFinite(variance) ? 1 / Math.sqrt(variance) : 0;
      }
    } else if (stats.mean.length !== h || stats.invStd.length !== h) {
      throw new InputError(`krotov-hopfield: feature statistics must hold ${h} means and scales, got ${stats.mean.length} and ${stats.invStd.length}`);
    }
    run(stats);
    return { features, stats };
  } catch (err) {
    features.destroy();
    throw err;
  } finally {
    ctx.releaseAfterSubmit(currents);
  }
}

/** Buffers of the softmax loss on one feature matrix. */
export interface SoftmaxLoss {
  /** Record logits, (P − Y)/n, per-row losses and hits for the classifier `s` (C × D), and the gradient into `grad` (C × D). */
  gradient(s: Tensor, grad: Tensor): Promise<void>;
  /** Record the loss and accuracy only (no gradient). */
  evaluate(s: Tensor): Promise<void>;
  /** Read the mean loss and the accuracy of the last `gradient` or `evaluate`. */
  read(): Promise<{ loss: number; accuracy: number }>;
  /** (P − Y)/n of the last call, n × C (for tests). */
  readonly residual: Tensor<'f32'>;
  destroy(): void;
}

/** Set up the softmax cross-entropy of classifiers C × D on `features` (n × D) with `labels` (n, u32 in 0 … C − 1). */
export function createSoftmaxLoss(ctx: Context, features: Tensor, labels: Tensor, classes: number): SoftmaxLoss {
  if (features.shape.length !== 2) throw new InputError(`softmax: features must be a matrix [rows, dim], got [${features.shape.join(', ')}]`);
  const [rows, dim] = [features.shape[0]!, features.shape[1]!];
  if (labels.dtype !== 'u32' || labels.size !== rows) throw new InputError(`softmax: labels must be u32 with one entry per row (${rows}), got ${labels.dtype} with ${labels.size}`);
  if (!Number.isInteger(classes) || classes < 2) throw new InputError(`softmax: classes must be a whole number ≥ 2, got ${classes}`);
  const logits = ctx.tensor([rows, classes], { label: 'softmax.logits' });
  const residual = ctx.tensor([rows, classes], { label: 'softmax.residual' });
  const rowLoss = ctx.tensor([rows], { label: 'softmax.row_loss' });
  const correct = ctx.tensor([rows], { label: 'softmax.correct' });
  const lossTotal = ctx.tensor([1], { label: 'softmax.loss_total' });
  const hitTotal = ctx.tensor([1], { label: 'softmax.hit_total' });
  const owned = [logits, residual, rowLoss, correct, lossTotal, hitTotal];
  const checkClassifier = (s: Tensor, name: string): void => {
    if (s.shape.length !== 2 || s.shape[0] !== classes || s.shape[1] !== dim) throw new InputError(`softmax: ${name} must be [${classes}, ${dim}] (classes × features), got [${s.shape.join(', ')}]`);
  };
  const forward = async (s: Tensor): Promise<void> => {
    checkClassifier(s, 'the classifier');
    await matmul(ctx, features, s, { transB: true, dst: logits });
    const pipeline = await ctx.kernel({ label: 'softmax.residual', code: softmaxResidualWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
    ctx.dispatch({
      label: 'softmax.residual', pipeline,
      bindings: [softmaxResidualParams.pack({ rows, classes, inv_rows: 1 / rows }), logits, labels, residual, rowLoss, correct],
      workgroups: Math.ceil(rows / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
    });
  };
  return {
    residual,
    async gradient(s, grad) {
      checkClassifier(grad, 'the gradient');
      await forward(s);
      await matmul(ctx, residual, features, { transA: true, dst: grad });
    },
    evaluate: forward,
    async read() {
      await sum(ctx, rowLoss, { dst: lossTotal });
      await sum(ctx, correct, { dst: hitTotal });
      const [lossSum, hits] = [(await lossTotal.read())[0]!, (await hitTotal.read())[0]!];
      return { loss: lossSum / rows, accuracy: hits / rows };
    },
    destroy() {
      ctx.releaseAfterSubmit(...owned);
    },
  };
}

/** One point of the readout's training curve. */
export interface ReadoutCurvePoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** Options of {@link trainSoftmaxReadout}. */
export interface TrainReadoutOptions {
  classes: number;
  /** Full-batch gradient steps. */
  steps: number;
  /** Learning rate. */
  lr: number;
  /** Heavy-ball momentum μ: v ← μv + ∇, S ← S − lr·v. Default 0.9. */
  momentum?: number;
  /** Record loss and accuracy every this many steps (reads back). Default steps/10. */
  recordEvery?: number;
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Train a softmax classifier (C × D, from zero) on `features` (n × D) by gradient descent with momentum. */
export async function trainSoftmaxReadout(ctx: Context, features: Tensor, labels: Tensor, options: TrainReadoutOptions): Promise<{ weights: Tensor<'f32'>; curve: ReadoutCurvePoint[] }> {
  const { classes, steps, lr } = options;
  const momentum = options.momentum ?? 0.9;
  if (!Number.isInteger(steps) || steps < 1) throw new InputError(`softmax readout: steps must be a whole number ≥ 1, got ${steps}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`softmax readout: lr must be positive, got ${lr}`);
  if (!(momentum >= 0 && momentum < 1)) throw new InputError(`softmax readout: momentum must be in [0, 1), got ${momentum}`);
  const recordEvery = options.recordEvery ?? Math.max(1, Math.floor(steps / 10));
  const loss = createSoftmaxLoss(ctx, features, labels, classes);
  const dim = features.shape[1]!;
  const weights = ctx.tensor([classes, dim], { label: 'readout.weights', fill: 0 });
  const grad = ctx.tensor([classes, dim], { label: 'readout.grad' });
  const velocity = ctx.tensor([classes, dim], { label: 'readout.velocity', fill: 0 });
  const curve: ReadoutCurvePoint[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('softmax readout: training cancelled');
      await loss.gradient(weights, grad);
      if (step % recordEvery === 0) {
        const r = await loss.read();
        if (!Number.isFinite(r.loss)) throw new Error(`softmax readout: the loss became ${r.loss} at step ${step}; lower --readoutLr`);
        curve.push({ step, ...r });
        options.progress?.(step / steps);
      }
      await mapExpr(ctx, 'mu * v + g', { v: velocity, g: grad }, { dst: velocity, params: { mu: momentum } });
      await mapExpr(ctx, 's - lr * v', { s: weights, v: velocity }, { dst: weights, params: { lr } });
    }
    await loss.evaluate(weights);
    curve.push({ step: steps, ...(await loss.read()) });
    return { weights, curve };
  } catch (err) {
    weights.destroy();
    throw err;
  } finally {
    loss.destroy();
    ctx.releaseAfterSubmit(grad, velocity);
  }
}

/** Mean cross-entropy and accuracy of the classifier `weights` on `features` with `labels`. */
export async function evaluateSoftmaxReadout(ctx: Context, weights: Tensor, features: Tensor, labels: Tensor): Promise<{ loss: number; accuracy: number }> {
  const loss = createSoftmaxLoss(ctx, features, labels, weights.shape[0]!);
  try {
    await loss.evaluate(weights);
    return await loss.read();
  } finally {
    loss.destroy();
  }
}
