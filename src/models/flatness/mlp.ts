/**
 * The network of `flatness`: a ReLU multilayer perceptron with a softmax cross-entropy or a
 * mean-squared-error loss ({@link MlpLossKind}), recorded on the autodiff tape (src/autodiff), trained by minibatch SGD, and measured at
 * checkpoints: the loss landscape's sharpness (top Hessian eigenvalue by Lanczos on
 * Hessian-vector products, Hessian trace by Hutchinson) and the last hidden layer's
 * representations.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import {
  createTape, hessianEigenvalues, hessianOperator, hutchinsonTrace, type Tape, type Var,
} from '../../autodiff/index.js';
import { philoxSequence } from '../../reference/philox.js';

/** Philox tag (counter word 3) of the initial weights. */
const TAG_INIT = 0x464c0001; // 'FL' 1

/**
 * Initial weights and biases of an MLP with layer widths `sizes` (input first, classes last):
 * W_l [sizes[l], sizes[l+1]] with He-normal entries N(0, 2/fan_in) (He et al. 2015, for ReLU),
 * b_l zeros. Deterministic in `seed`. Order: W₀, b₀, W₁, b₁, …
 */
export function initialMlp(sizes: readonly number[], seed: number): Float32Array[] {
  checkSizes(sizes);
  const out: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const normal = philoxSequence(seed, { distribution: 'normal', tag: TAG_INIT, stream: l });
    const scale = Math.sqrt(2 / sizes[l]!);
    out.push(Float32Array.from({ length: sizes[l]! * sizes[l + 1]! }, () => scale * normal()));
    out.push(new Float32Array(sizes[l + 1]!));
  }
  return out;
}

function checkSizes(sizes: readonly number[]): void {
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new InputError(`mlp: layer sizes must be at least two whole numbers ≥ 1, got [${sizes.join(', ')}]`);
  }
}

/** An MLP's parameters on the GPU (W₀, b₀, W₁, b₁, …), updated in place by training. */
export interface GpuMlp {
  readonly sizes: readonly number[];
  readonly params: Tensor<'f32'>[];
  /** Number of parameters (the order of the Hessian). */
  readonly count: number;
  destroy(): void;
}

/** Upload weights made by {@link initialMlp} (or read back from a trained network). */
export function uploadMlp(ctx: Context, sizes: readonly number[], weights: readonly Float32Array[]): GpuMlp {
  checkSizes(sizes);
  if (weights.length !== 2 * (sizes.length - 1)) throw new InputError(`mlp: expected ${2 * (sizes.length - 1)} weight arrays, got ${weights.length}`);
  const params = weights.map((w, i) => {
    const l = Math.floor(i / 2);
    const shape = i % 2 === 0 ? [sizes[l]!, sizes[l + 1]!] : [sizes[l + 1]!];
    return ctx.tensor(shape, { label: `flatness.${i % 2 === 0 ? 'W' : 'b'}${l}`, data: w });
  });
  return {
    sizes, params, count: params.reduce((a, p) => a + p.size, 0),
    destroy: () => ctx.releaseAfterSubmit(...params),
  };
}

/** Logits [batch, classes] and the last hidden layer's ReLU activations [batch, H] of inputs `X` [batch, in]. */
export async function mlpForward(tape: Tape, params: readonly Var[], X: Var): Promise<{ logits: Var; hidden: Var }> {
  const batch = X.shape[0]!;
  let h = X;
  let hidden = X;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    const pre = await tape.map('a + b', { a: await tape.matmul(h, params[2 * l]!), b: await tape.expand(params[2 * l + 1]!, batch, 0) });
    if (l + 1 < layers) {
      h = await tape.map('relu(p)', { p: pre });
      hidden = h;
    } else {
      h = pre;
    }
  }
  return { logits: h, hidden };
}

/** A batch on the GPU: images [count, in] and one-hot targets [count, classes]. */
export interface GpuBatch {
  readonly count: number;
  readonly images: Tensor<'f32'>;
  readonly targets: Tensor<'f32'>;
  readonly labels: Uint8Array;
  destroy(): void;
}

/** Upload `count` images (row-major, `inputs` values each) and their labels as one-hot targets. */
export function uploadBatch(ctx: Context, images: Float32Array, labels: Uint8Array, inputs: number, classes: number, label: string): GpuBatch {
  const count = labels.length;
  if (images.length !== count * inputs) throw new InputError(`${label}: expected ${count} × ${inputs} pixels, got ${images.length}`);
  const oneHot = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) oneHot[i * classes + labels[i]!] = 1;
  const x = ctx.tensor([count, inputs], { label: `${label}.images`, data: images });
  const y = ctx.tensor([count, classes], { label: `${label}.targets`, data: oneHot });
  return { count, images: x, targets: y, labels, destroy: () => ctx.releaseAfterSubmit(x, y) };
}

/**
 * The training objective: `'cross-entropy'` of the softmax of the logits against the one-hot
 * targets (mean over the batch), or `'mse'`, the squared error of the logits themselves against
 * the one-hot targets, mean over the batch and the classes: (1/(B·K)) Σ (zᵢₖ − yᵢₖ)². The
 * squared error is the loss of the linear-stability analysis (Ma & Ying 2021) the paper's bound
 * builds on: its minimum is zero and reached at interpolation, where the Hessian is the
 * Gauss–Newton term; the cross-entropy has no minimum on separable data (the weights keep growing).
 */
export type MlpLossKind = 'cross-entropy' | 'mse';

/** The losses {@link mlpLoss} knows, for validation and help texts. */
export const MLP_LOSS_KINDS: readonly MlpLossKind[] = ['cross-entropy', 'mse'];

/** The loss `kind` (default cross-entropy) of `net` on `batch`, recorded on `tape` with the parameters as `Var`s. */
export async function mlpLoss(
  tape: Tape, net: GpuMlp, batch: GpuBatch, kind: MlpLossKind = 'cross-entropy',
): Promise<{ loss: Var; params: Var[]; logits: Var; hidden: Var }> {
  if (!MLP_LOSS_KINDS.includes(kind)) throw new InputError(`mlp: loss must be one of ${MLP_LOSS_KINDS.join(', ')}, got ${String(kind)}`);
  const params = net.params.map((p) => tape.param(p));
  const { logits, hidden } = await mlpForward(tape, params, tape.constant(batch.images));
  const targets = tape.constant(batch.targets);
  const loss = kind === 'mse'
    ? await tape.mean(await tape.map('(z - y) * (z - y)', { z: logits, y: targets }))
    : await tape.softmaxCrossEntropy(logits, targets);
  return { loss, params, logits, hidden };
}

/** Loss `kind` (default cross-entropy), accuracy and the last hidden layer's activations (read back) of `net` on `batch`. */
export async function evaluateMlp(
  ctx: Context, net: GpuMlp, batch: GpuBatch, kind: MlpLossKind = 'cross-entropy',
): Promise<{ loss: number; accuracy: number; hidden: Float32Array }> {
  const tape = createTape(ctx);
  try {
    const { loss, logits, hidden } = await mlpLoss(tape, net, batch, kind);
    const z = await logits.value.read();
    const classes = net.sizes[net.sizes.length - 1]!;
    let correct = 0;
    for (let i = 0; i < batch.count; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (z[i * classes + c]! > z[i * classes + best]!) best = c;
      if (best === batch.labels[i]) correct++;
    }
    return { loss: (await loss.value.read())[0]!, accuracy: correct / batch.count, hidden: await hidden.value.read() };
  } finally {
    tape.destroy();
  }
}

/** Options of {@link sharpness}. */
export interface SharpnessOptions {
  /** Krylov basis size of the Lanczos run (Hessian-vector products per restart). */
  ncv: number;
  /** Relative tolerance of the top eigenvalue. */
  tol: number;
  /** Rademacher probes of Hutchinson's trace. */
  samples: number;
  /** Seed of the Lanczos start vector and of the probes. */
  seed: number;
  /** The loss whose Hessian is measured. Default cross-entropy. */
  loss?: MlpLossKind;
  /**
   * Lanczos restarts before `EigConvergenceError` (an unconverged eigenvalue is never reported).
   * Default 30: the top eigenvalue of these Hessians is well separated and converges in 1–3.
   */
  maxRestarts?: number;
}

/** The Hessian's top eigenvalue and trace at the current parameters. */
export interface Sharpness {
  topEigenvalue: number;
  /** Residual ‖Hx − λx‖ of the top eigenpair. */
  residual: number;
  trace: number;
  traceStandardError: number;
  /** Hessian-vector products spent. */
  products: number;
}

/**
 * Sharpness of the loss of `net` on `batch`: the largest Hessian eigenvalue (Lanczos, `which: 'LR'`)
 * and Hutchinson's trace estimate, both on the same double-backward operator.
 */
export async function sharpness(ctx: Context, net: GpuMlp, batch: GpuBatch, options: SharpnessOptions): Promise<Sharpness> {
  const tape = createTape(ctx);
  try {
    const { loss, params } = await mlpLoss(tape, net, batch, options.loss);
    const op = await hessianOperator(tape, loss, params);
    try {
      const ncv = Math.min(options.ncv, op.n);
      const eig = await hessianEigenvalues(ctx, op, { k: 1, which: 'LR', ncv, tol: options.tol, seed: options.seed, maxIter: options.maxRestarts ?? 30 });
      const trace = await hutchinsonTrace(ctx, op, { samples: options.samples, seed: options.seed });
      return {
        topEigenvalue: eig.values[0]!.re, residual: eig.residuals[0]!,
        trace: trace.estimate, traceStandardError: trace.standardError, products: op.products,
      };
    } finally {
      op.destroy();
    }
  } finally {
    tape.destroy();
  }
}

/** One SGD step's tape work: the gradient of the batch loss `kind` (default cross-entropy), handed to `apply` while the tape lives. */
export async function lossGradient(
  ctx: Context, net: GpuMlp, batch: GpuBatch, apply: (grads: Tensor[]) => Promise<void>, kind: MlpLossKind = 'cross-entropy',
): Promise<void> {
  const tape = createTape(ctx);
  try {
    const { loss, params } = await mlpLoss(tape, net, batch, kind);
    const grads = await tape.grad(loss, params);
    await apply(grads.map((g) => g.value));
  } finally {
    tape.destroy();
  }
}
