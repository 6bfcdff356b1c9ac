/**
 * The Krotov–Hopfield hidden layer on the GPU and its unsupervised training: per minibatch the
 * images are gathered by the epoch's permutation, the currents I = V·W̃ᵀ come from one GEMM, the
 * ranking kernel writes G, the Hebbian sum GᵀV is a second GEMM, two small kernels subtract the
 * decay term, a reduction finds max|ΔW| and the last kernel applies the scaled update and refreshes
 * W̃ = sign(W)|W|^{p−1} (shaders/models-krotov-hopfield.wgsl.ts). Nothing is read back between
 * minibatches. The float64 twin of one minibatch is `khUpdateRef` (./reference.ts).
 */
import {
  khApplyParams, khApplyWGSL, khGatherParams, khGatherWGSL, khRankParams, khRankWGSL, khRowTermParams, khRowTermWGSL,
  khSubtractParams, khSubtractWGSL, KH_MAX_K,
} from '../../../shaders/models-krotov-hopfield.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { matmul, maxAbs } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import { seededPermutation } from '../mnist/data.js';
import { KH_RNG_TAG, signedPower } from './reference.js';

const WORKGROUP_SIZE = 64;
/** Smallest divisor of the update: an all-zero ΔW (no sample in the batch) leaves W unchanged. */
const UPDATE_FLOOR = 1e-30;

/** The hidden layer: W (H × N) and W̃ = sign(W)|W|^{p−1}, both on the GPU. */
export interface KhLayer {
  readonly hidden: number;
  readonly pixels: number;
  /** Lebesgue exponent p. */
  readonly p: number;
  /** Synapses W, H × N. */
  readonly w: Tensor<'f32'>;
  /** sign(W)|W|^{p−1}, H × N: the currents are ⟨W, v⟩_p = W̃ v. */
  readonly wPow: Tensor<'f32'>;
  /** The synapses as float32 (H × N). */
  read(): Promise<Float32Array>;
  destroy(): void;
}

/** Options of {@link createKhLayer}. */
export interface KhLayerOptions {
  hidden: number;
  pixels: number;
  /** Lebesgue exponent p ≥ 2. */
  p: number;
  /**
   * Initial W (H × N), or how to draw it from `seed`: `'normal'`, standard normal entries as in the
   * authors' code; `'sphere'`, the same rows scaled to ‖W_μ‖_p = 1, the rule's fixed point. From
   * N(0, 1) (‖W_μ‖₃ ≈ 11 for 784 inputs) the units shrink to the sphere only after winning, which
   * keeps the competition open: from the sphere, measured on MNIST, the first unit that turns
   * towards the digits wins nearly all of them. Default `'normal'`.
   */
  init?: ArrayLike<number> | 'normal' | 'sphere';
  /** Seed of the default initialisation. Default 0. */
  seed?: number;
}

/** Check the rule's constants, naming the value (before any GPU work). */
export function validateKhRule(hidden: number, p: number, k: number, delta: number): void {
  if (!Number.isInteger(hidden) || hidden < 2) throw new InputError(`krotov-hopfield: hidden must be a whole number ≥ 2, got ${hidden}`);
  if (!(p >= 2) || !Number.isFinite(p)) throw new InputError(`krotov-hopfield: p must be a number ≥ 2, got ${p}`);
  if (!Number.isInteger(k) || k < 2 || k > Math.min(hidden, KH_MAX_K)) {
    throw new InputError(`krotov-hopfield: k must be a whole number in [2, ${Math.min(hidden, KH_MAX_K)}] (at most the hidden units and ${KH_MAX_K}), got ${k}`);
  }
  if (!(delta >= 0) || !Number.isFinite(delta)) throw new InputError(`krotov-hopfield: delta must be a number ≥ 0, got ${delta}`);
}

/** Upload (or draw) the synapses of a hidden layer. */
export function createKhLayer(ctx: Context, options: KhLayerOptions): KhLayer {
  const { hidden, pixels, p } = options;
  if (!Number.isInteger(pixels) || pixels < 1) throw new InputError(`krotov-hopfield: pixels must be a whole number ≥ 1, got ${pixels}`);
  validateKhRule(hidden, p, 2, 0);
  const how = options.init ?? 'normal';
  let init: ArrayLike<number>;
  if (typeof how === 'string') {
    if (how !== 'normal' && how !== 'sphere') throw new InputError(`krotov-hopfield: init must be 'normal', 'sphere' or an array, got '${String(how)}'`);
    const drawn = philoxArray(hidden * pixels, options.seed ?? 0, { distribution: 'normal', stream: 1, tag: KH_RNG_TAG });
    if (how === 'sphere') {
      const norms = rowNorms(drawn, hidden, pixels, p);
      for (let e = 0; e < drawn.length; e++) drawn[e] = drawn[e]! / norms[Math.floor(e / pixels)]!;
    }
    init = drawn;
  } else init = how;
  if (init.length !== hidden * pixels) throw new InputError(`krotov-hopfield: init must hold ${hidden * pixels} values (H × N), got ${init.length}`);
  const w32 = Float32Array.from(init);
  const w = ctx.tensor([hidden, pixels], { label: 'kh.w', data: w32 });
  const wPow = ctx.tensor([hidden, pixels], { label: 'kh.w_pow', data: w32.map((x) => signedPower(x, p - 1)) });
  return {
    hidden, pixels, p, w, wPow,
    read: () => w.read(),
    destroy() {
      w.destroy();
      wPow.destroy();
    },
  };
}

/** Options of {@link createKhTrainer}. */
export interface KhTrainerOptions {
  /** Minibatch size B. */
  batch: number;
  /** Ranking depth k of the anti-Hebbian unit. */
  k: number;
  /** Anti-Hebbian strength Δ. */
  delta: number;
}

/** The buffers of minibatch updates of one layer on one data set. */
export interface KhTrainer {
  /** Upload the order in which rows of the data are visited (a permutation of its rows). */
  setOrder(order: Uint32Array): void;
  /** Record one minibatch: rows order[offset … offset + B − 1], learning rate ε. */
  step(offset: number, eps: number): Promise<void>;
  /** The last minibatch's intermediates (for tests): currents B × H, G B × H, ΔW H × N, [max|ΔW|]. */
  readonly buffers: { currents: Tensor<'f32'>; g: Tensor<'f32'>; ds: Tensor<'f32'>; maxAbs: Tensor<'f32'> };
  destroy(): void;
}

/** Set up minibatch training of `layer` on `data` (rows × N images, f32). */
export function createKhTrainer(ctx: Context, layer: KhLayer, data: Tensor, options: KhTrainerOptions): KhTrainer {
  const { hidden: h, pixels: n } = layer;
  const { batch, k, delta } = options;
  validateKhRule(h, layer.p, k, delta);
  if (data.dtype !== 'f32' || data.shape.length !== 2 || data.shape[1] !== n) {
    throw new InputError(`krotov-hopfield: data must be an f32 matrix [rows, ${n}], got ${data.dtype} [${data.shape.join(', ')}]`);
  }
  const rows = data.shape[0]!;
  if (!Number.isInteger(batch) || batch < 1 || batch > rows) throw new InputError(`krotov-hopfield: batch must be a whole number in [1, ${rows}] (the rows of the data), got ${batch}`);
  const t = (shape: number[], label: string): Tensor<'f32'> => ctx.tensor(shape, { label: `kh.${label}` });
  const order = ctx.tensor([rows], { dtype: 'u32', label: 'kh.order', data: Uint32Array.from({ length: rows }, (_, i) => i) });
  const v = t([batch, n], 'batch');
  const currents = t([batch, h], 'currents');
  const g = t([batch, h], 'g');
  const rowTerm = t([h], 'row_term');
  const ds = t([h, n], 'ds');
  const maxAbsT = t([1], 'max_abs');
  const owned = [order, v, currents, g, rowTerm, ds, maxAbsT];
  const kernel = (label: string, code: string): Promise<GPUComputePipeline> => ctx.kernel({ label, code, constants: { WG_SIZE: WORKGROUP_SIZE } });
  const dispatch = (label: string, pipeline: GPUComputePipeline, bindings: (ArrayBuffer | Tensor)[], count: number): void =>
    ctx.dispatch({ label, pipeline, bindings, workgroups: Math.ceil(count / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE });
  return {
    buffers: { currents, g, ds, maxAbs: maxAbsT },
    setOrder(perm) {
      if (perm.length !== rows) throw new InputError(`krotov-hopfield: the order must list all ${rows} rows, got ${perm.length}`);
      for (const i of perm) if (i >= rows) throw new InputError(`krotov-hopfield: order entry ${i} is not a row (there are ${rows})`);
      order.write(perm);
    },
    async step(offset, eps) {
      if (!Number.isInteger(offset) || offset < 0 || offset + batch > rows) throw new InputError(`krotov-hopfield: a minibatch at offset ${offset} runs past the ${rows} rows`);
      if (!(eps >= 0) || !Number.isFinite(eps)) throw new InputError(`krotov-hopfield: the learning rate must be ≥ 0, got ${eps}`);
      dispatch('kh.gather', await kernel('kh.gather', khGatherWGSL()), [khGatherParams.pack({ batch, pixels: n, offset }), data, order, v], batch * n);
      await matmul(ctx, v, layer.wPow, { transB: true, dst: currents });
      dispatch('kh.rank', await kernel('kh.rank', khRankWGSL()), [khRankParams.pack({ batch, hidden: h, k, delta }), currents, g], batch);
      dispatch('kh.row_term', await kernel('kh.row_term', khRowTermWGSL()), [khRowTermParams.pack({ batch, hidden: h }), currents, g, rowTerm], h);
      await matmul(ctx, g, v, { transA: true, dst: ds });
      dispatch('kh.subtract', await kernel('kh.subtract', khSubtractWGSL()), [khSubtractParams.pack({ hidden: h, pixels: n }), layer.w, rowTerm, ds], h * n);
      await maxAbs(ctx, ds, { dst: maxAbsT });
      dispatch('kh.apply', await kernel('kh.apply', khApplyWGSL()),
        [khApplyParams.pack({ count: h * n, eps, p_minus_one: layer.p - 1, floor: UPDATE_FLOOR }), ds, maxAbsT, layer.w, layer.wPow], h * n);
    },
    destroy() {
      ctx.releaseAfterSubmit(...owned);
    },
  };
}

/** One point of the training record, taken at the end of each epoch. */
export interface KhEpochPoint {
  epoch: number;
  /** Learning rate ε of that epoch. */
  eps: number;
  /** Mean over units of ‖W_μ‖_p (the rule's fixed point is 1). */
  meanNorm: number;
  /** Largest |‖W_μ‖_p − 1| over units. */
  maxNormError: number;
}

/** Options of {@link trainKhLayer}. */
export interface TrainKhOptions extends KhTrainerOptions {
  epochs: number;
  /** Initial learning rate ε₀, annealed linearly: ε = ε₀(1 − epoch/epochs). Authors' code: 0.02. */
  eps0: number;
  /** Seed of the epoch permutations (epoch e uses Philox stream e + 1). Default 0. */
  seed?: number;
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Lebesgue p-norm of each row of W (H × N). */
export function rowNorms(w: ArrayLike<number>, hidden: number, pixels: number, p: number): Float64Array {
  return Float64Array.from({ length: hidden }, (_, mu) => {
    let acc = 0;
    for (let i = 0; i < pixels; i++) acc += Math.abs(w[mu * pixels + i]!) ** p;
    return acc ** (1 / p);
  });
}

/** Train the layer: `epochs` passes over the data in seeded random order, ⌊rows/B⌋ minibatches each. */
export async function trainKhLayer(ctx: Context, layer: KhLayer, data: Tensor, options: TrainKhOptions): Promise<KhEpochPoint[]> {
  const { epochs, eps0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`krotov-hopfield: epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(eps0 > 0) || !Number.isFinite(eps0)) throw new InputError(`krotov-hopfield: eps0 must be positive, got ${eps0}`);
  const trainer = createKhTrainer(ctx, layer, data, options);
  const rows = data.shape[0]!;
  const perEpoch = Math.floor(rows / options.batch);
  const record: KhEpochPoint[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const eps = eps0 * (1 - epoch / epochs);
      trainer.setOrder(seededPermutation(rows, options.seed ?? 0, { stream: epoch + 1, tag: KH_RNG_TAG }));
      for (let m = 0; m < perEpoch; m++) {
        if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('krotov-hopfield: training cancelled');
        await trainer.step(m * options.batch, eps);
      }
      // one readback per epoch: it paces the CPU to the GPU and records the norms' approach to 1
      const norms = rowNorms(await layer.read(), layer.hidden, layer.pixels, layer.p);
      let sum = 0;
      let worst = 0;
      for (const x of norms) { sum += x; worst = Math.max(worst, Math.abs(x - 1)); }
      record.push({ epoch, eps, meanNorm: sum / norms.length, maxNormError: worst });
      options.progress?.((epoch + 1) / epochs);
    }
    return record;
  } finally {
    trainer.destroy();
  }
}
