/**
 * Training the spiral neural ODE by the Gaussian-smoothing estimator on the GPU: S weight copies ×
 * B windows integrated at once (RK4 as batched GEMMs with one weight matrix per copy), the L1
 * losses reduced on the GPU, W₁ and W₂ alternating, Adam (the reference uses RMSprop).
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { mapExpr, matmul, sum } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import { createAdam, createSmoothingEstimator } from '../es/estimator.js';
import { SPIRAL_SAMPLES, SPIRAL_T_END, SPIRAL_TAG } from './reference.js';

/** Buffers for the losses of S weight copies on B windows of `window` points. */
export interface SpiralLossKernel {
  /** Write the windows' true points (starts into `truth`, 1000 × 2) for the next evaluation. */
  setWindows(truth: Float64Array, starts: ArrayLike<number>): void;
  /** Losses [S] of the copies; w1 is [S or 1, 2, H], w2 is [S or 1, H, 2] (one side must hold S). */
  losses(w1: Tensor, w2: Tensor): Promise<Tensor<'f32'>>;
  destroy(): void;
}

export function createSpiralLoss(ctx: Context, copies: number, batch: number, window: number, hidden: number): SpiralLossKernel {
  if (!Number.isInteger(window) || window < 2 || window > SPIRAL_SAMPLES) throw new InputError(`node-spiral: window must be a whole number in [2, ${SPIRAL_SAMPLES}], got ${window}`);
  const shape = [copies, batch, 2];
  const t = (label: string, s = shape): Tensor<'f32'> => ctx.tensor(s, { label: `node_spiral.${label}` });
  const y = t('y');
  const tmp = t('stage');
  const ks = [t('k1'), t('k2'), t('k3'), t('k4')];
  const cube = t('cube');
  const act = t('hidden', [copies, batch, hidden]);
  const err = t('abs_error');
  const losses = t('losses', [copies]);
  const targets = Array.from({ length: window - 1 }, (_, i) => t(`target${i + 1}`));
  const start = t('start');
  const owned = [y, tmp, ...ks, cube, act, err, losses, ...targets, start];
  const h = SPIRAL_T_END / (SPIRAL_SAMPLES - 1);
  const tile = (truth: Float64Array, starts: ArrayLike<number>, offset: number): Float32Array => {
    const out = new Float32Array(copies * batch * 2);
    for (let s = 0; s < copies; s++) for (let b = 0; b < batch; b++) {
      out[(s * batch + b) * 2] = truth[2 * (starts[b]! + offset)]!;
      out[(s * batch + b) * 2 + 1] = truth[2 * (starts[b]! + offset) + 1]!;
    }
    return out;
  };
  async function rhs(w1: Tensor, w2: Tensor, state: Tensor, out: Tensor): Promise<void> {
    await mapExpr(ctx, 'x * x * x', { x: state }, { dst: cube });
    await matmul(ctx, cube, w1, { dst: act });
    await mapExpr(ctx, 'tanh(a)', { a: act }, { dst: act });
    await matmul(ctx, act, w2, { dst: out });
  }
  return {
    setWindows(truth, starts) {
      if (starts.length !== batch) throw new InputError(`node-spiral: expected ${batch} window starts, got ${starts.length}`);
      start.write(tile(truth, starts, 0));
      targets.forEach((tg, i) => tg.write(tile(truth, starts, i + 1)));
    },
    async losses(w1, w2) {
      await mapExpr(ctx, 'a', { a: start }, { dst: y });
      await mapExpr(ctx, '0', {}, { dst: err });
      const [k1, k2, k3, k4] = ks as [Tensor, Tensor, Tensor, Tensor];
      for (const target of targets) {
        await rhs(w1, w2, y, k1);
        await mapExpr(ctx, 'y + hh * k', { y, k: k1 }, { dst: tmp, params: { hh: h / 2 } });
        await rhs(w1, w2, tmp, k2);
        await mapExpr(ctx, 'y + hh * k', { y, k: k2 }, { dst: tmp, params: { hh: h / 2 } });
        await rhs(w1, w2, tmp, k3);
        await mapExpr(ctx, 'y + hh * k', { y, k: k3 }, { dst: tmp, params: { hh: h } });
        await rhs(w1, w2, tmp, k4);
        await mapExpr(ctx, 'y + h6 * (a + 2 * b + 2 * c + d)', { y, a: k1, b: k2, c: k3, d: k4 }, { dst: y, params: { h6: h / 6 } });
        await mapExpr(ctx, 'e + abs(y - t)', { e: err, y, t: target }, { dst: err });
      }
      await sum(ctx, err.reshape([copies, batch * 2]), { axis: 1, dst: losses });
      await mapExpr(ctx, 'l * scale', { l: losses }, { dst: losses, params: { scale: 1 / (batch * window * 2) } });
      return losses;
    },
    destroy() {
      ctx.releaseAfterSubmit(...owned);
    },
  };
}

/** The initial weights of {@link trainSpiral}: W₁ (2 × H) then W₂ (H × 2), i.i.d. N(0, 0.1²) as the reference's layers. */
export function spiralInitialWeights(hidden: number, seed: number): { w1: Float64Array; w2: Float64Array } {
  const init = philoxArray(4 * hidden, seed, { distribution: 'normal', stream: 1, tag: SPIRAL_TAG }).map((v) => 0.1 * v);
  return { w1: init.slice(0, 2 * hidden), w2: init.slice(2 * hidden) };
}

/** Options of {@link trainSpiral}. */
export interface TrainSpiralOptions {
  /** Hidden units H (paper: 1000). */
  hidden: number;
  /** Copies S per estimate, including the unperturbed one. */
  samples: number;
  sigma: number;
  lr: number;
  /** Training steps (one matrix updated per step, alternating). */
  steps: number;
  /** Windows per batch (paper: 20) and points per window (paper: 10). */
  batch: number;
  window: number;
  seed: number;
  /** Record the unperturbed loss every this many steps. Default 10. */
  lossEvery?: number;
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Train; returns the weights (float64) and the curve of the unperturbed batch loss L₀. */
export async function trainSpiral(ctx: Context, truth: Float64Array, options: TrainSpiralOptions): Promise<{ w1: Float64Array; w2: Float64Array; curve: { step: number; loss: number }[] }> {
  const { hidden: H, samples: S, batch, window, seed, steps } = options;
  const lossEvery = options.lossEvery ?? 10;
  for (const [name, v, min] of [['hidden', H, 1], ['samples', S, 2], ['batch', batch, 1], ['steps', steps, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`node-spiral: ${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  const init = spiralInitialWeights(H, seed);
  const w1 = ctx.tensor([2 * H], { label: 'node_spiral.w1', data: Float32Array.from(init.w1) });
  const w2 = ctx.tensor([2 * H], { label: 'node_spiral.w2', data: Float32Array.from(init.w2) });
  const groups = [w1, w2].map((w, k) => ({
    w,
    es: createSmoothingEstimator(ctx, 2 * H, { samples: S, sigma: options.sigma, seed: seed * 2 + k, label: `node_spiral.es${k + 1}` }),
    adam: createAdam(ctx, 2 * H, { lr: options.lr, label: `node_spiral.adam${k + 1}` }),
  }));
  const loss = createSpiralLoss(ctx, S, batch, window, H);
  const curve: { step: number; loss: number }[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('node-spiral: training cancelled');
      const starts = Array.from(philoxArray(batch, seed, { distribution: 'uniform', stream: step, tag: SPIRAL_TAG + 1 }), (u) => Math.min(Math.floor(u * (SPIRAL_SAMPLES - window + 1)), SPIRAL_SAMPLES - window));
      loss.setWindows(truth, starts);
      const active = groups[step % 2]!;
      const copies = await active.es.perturb(active.w, step);
      const a = step % 2 === 0 ? copies.reshape([S, 2, H]) : w1.reshape([1, 2, H]);
      const b = step % 2 === 1 ? copies.reshape([S, H, 2]) : w2.reshape([1, H, 2]);
      const L = await loss.losses(a, b);
      if (step % lossEvery === 0 || step === steps - 1) {
        const l0 = (await L.read())[0]!;
        if (!Number.isFinite(l0)) throw new Error(`node-spiral: the loss became ${l0} at step ${step}; lower --lr or --sigma`);
        curve.push({ step, loss: l0 });
        options.progress?.((step + 1) / steps);
      }
      await active.adam.step(active.w, await active.es.gradient(L));
    }
    return { w1: Float64Array.from(await w1.read()), w2: Float64Array.from(await w2.read()), curve };
  } finally {
    loss.destroy();
    for (const g of groups) { g.es.destroy(); g.adam.destroy(); }
    ctx.releaseAfterSubmit(w1, w2);
  }
}
