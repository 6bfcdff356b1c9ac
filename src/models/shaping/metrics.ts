/**
 * The statistics of the shaping experiments on the GPU: column moments (mean, covariance, excess
 * kurtosis), the 0.5-wide joint histogram and its plug-in mutual information in nats, and the ZCA
 * baseline. Kernels in `shaders/shaping-metrics.wgsl.ts`; float64 twins in `./reference.ts`.
 */
import { histogram2dWGSL, histogramParams, momentQuantities, momentsParams, momentsWGSL } from '../../../shaders/shaping-metrics.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { matmul, max, min, sum } from '../../linalg/index.js';
import { mutualInformationFromCounts, zcaMatrix2 } from './reference.js';

const WG = 64;
/** Rows per workgroup of the moments kernel (so a 512² image needs 256 partials). */
const MOMENT_CHUNK = 1024;

/** Moments of the columns of a [P, N] array. */
export interface ColumnMoments {
  mean: number[];
  /** Population covariance, N × N row-major. */
  covariance: number[];
  /** Excess kurtosis m₄/m₂² − 3 per column. */
  kurtosis: number[];
}

function checkColumns(data: Tensor, what: string, maxColumns = 4): [number, number] {
  if (data.dtype !== 'f32' || data.shape.length !== 2 || data.shape[1]! < 1 || data.shape[1]! > maxColumns) {
    throw new InputError(`${what}: data ('${data.label}') must be an f32 tensor [samples, columns ≤ ${maxColumns}]; got ${data.dtype} [${data.shape.join(', ')}]`);
  }
  if (data.shape[0]! < 2) throw new InputError(`${what}: data ('${data.label}') needs at least 2 samples, has ${data.shape[0]}`);
  return [data.shape[0]!, data.shape[1]!];
}

/** Sums of the centred powers and cross products (float64 total of the GPU partials). */
async function centredSums(ctx: Context, data: Tensor, shift: number[]): Promise<Float64Array> {
  const [samples, n] = [data.shape[0]!, data.shape[1]!];
  const q = momentQuantities(n);
  const groups = Math.ceil(samples / MOMENT_CHUNK);
  const partials = ctx.tensor([groups, q], { label: 'shaping.moments.partials', fill: Number.NaN });
  try {
    const pipeline = await ctx.kernel({ label: 'shaping.moments', code: momentsWGSL(n), entryPoint: 'moments', constants: { WG_SIZE: WG } });
    ctx.dispatch({
      label: 'shaping.moments',
      pipeline,
      bindings: [
        momentsParams.pack({ samples, chunk: MOMENT_CHUNK, shift0: shift[0] ?? 0, shift1: shift[1] ?? 0, shift2: shift[2] ?? 0, shift3: shift[3] ?? 0 }),
        data,
        partials,
      ],
      workgroups: groups,
      workgroupSize: WG,
    });
    const values = await partials.read();
    const sums = new Float64Array(q);
    for (let g = 0; g < groups; g++) for (let i = 0; i < q; i++) sums[i] = sums[i]! + values[g * q + i]!;
    return sums;
  } finally {
    partials.destroy();
  }
}

/**
 * Mean, covariance and excess kurtosis of the columns of `data` ([P, N], N ≤ 4): a first pass for
 * the means, a second for the moments about them (so a large mean costs no accuracy).
 */
export async function columnMoments(ctx: Context, data: Tensor): Promise<ColumnMoments> {
  const [samples, n] = checkColumns(data, 'columnMoments');
  const raw = await centredSums(ctx, data, [0, 0, 0, 0]);
  const mean = Array.from({ length: n }, (_, j) => raw[4 * j]! / samples);
  const sums = await centredSums(ctx, data, mean);
  const covariance = new Array<number>(n * n).fill(0);
  const kurtosis: number[] = [];
  let c = 4 * n;
  for (let j = 0; j < n; j++) {
    // Σd is not exactly 0 in f32; use the centred sums about the sample mean exactly.
    const d1 = sums[4 * j]! / samples;
    const m2 = sums[4 * j + 1]! / samples - d1 * d1;
    const m4 = sums[4 * j + 3]! / samples - 4 * d1 * (sums[4 * j + 2]! / samples) + 6 * d1 * d1 * (sums[4 * j + 1]! / samples) - 3 * d1 ** 4;
    covariance[j * n + j] = m2;
    kurtosis.push(m4 / (m2 * m2) - 3);
    for (let l = j + 1; l < n; l++) {
      const value = sums[c]! / samples - d1 * (sums[4 * l]! / samples);
      covariance[j * n + l] = value;
      covariance[l * n + j] = value;
      c++;
    }
  }
  return { mean, covariance, kurtosis };
}

/**
 * Throw unless every element is finite. GPU min/max may skip NaN, so the test is on the sum: a NaN
 * or ±∞ anywhere makes it non-finite (data of any sensible scale cannot overflow it).
 */
async function assertFiniteData(ctx: Context, data: Tensor, what: string): Promise<void> {
  const total = await sum(ctx, data);
  try {
    const value = (await total.read())[0]!;
    if (!Number.isFinite(value)) throw new InputError(`${what}: data ('${data.label}') contain a non-finite value (their sum is ${value})`);
  } finally {
    total.destroy();
  }
}

/** A joint histogram on the 0.5-wide grid. */
export interface Histogram2D {
  /** Counts, binsX × binsY row-major (x indexes rows). */
  counts: Uint32Array;
  binsX: number;
  binsY: number;
  /** ⌊x/0.5⌋ and ⌊y/0.5⌋ of bin (0, 0). */
  originX: number;
  originY: number;
  /** Pairs counted. */
  total: number;
}

/** Largest number of bins a histogram may have (8 M; a 0.5-wide grid over ±1000 on both axes). */
const MAX_BINS = 1 << 23;

/**
 * Joint histogram of the pairs (rows of `pairs`, [P, 2]) on the 0.5-wide grid of the paper's MI
 * estimator, counting every `step`-th pair. The grid spans the data's range (GPU min/max).
 */
export async function histogram2d(ctx: Context, pairs: Tensor, step = 1): Promise<Histogram2D> {
  const [samples, n] = checkColumns(pairs, 'histogram2d', 2);
  if (n !== 2) throw new InputError(`histogram2d: pairs ('${pairs.label}') must have 2 columns, has ${n}`);
  if (!Number.isInteger(step) || step < 1) throw new InputError(`histogram2d: step must be a positive integer, got ${step}`);
  await assertFiniteData(ctx, pairs, 'histogram2d');
  const lo = await min(ctx, pairs, { axis: 0 });
  const hi = await max(ctx, pairs, { axis: 0 });
  let range: Float32Array[];
  try {
    range = [await lo.read(), await hi.read()];
  } finally {
    lo.destroy();
    hi.destroy();
  }
  const [low, high] = range as [Float32Array, Float32Array];
  for (const v of [...low, ...high]) {
    if (!Number.isFinite(v)) throw new InputError(`histogram2d: pairs ('${pairs.label}') contain a non-finite value (${v})`);
  }
  const originX = Math.floor(2 * low[0]!);
  const originY = Math.floor(2 * low[1]!);
  const binsX = Math.floor(2 * high[0]!) - originX + 1;
  const binsY = Math.floor(2 * high[1]!) - originY + 1;
  if (binsX * binsY > MAX_BINS) {
    throw new InputError(`histogram2d: the data span ${binsX} × ${binsY} bins of width 0.5 (at most ${MAX_BINS}); are they normalised?`);
  }
  const counts = ctx.tensor([binsX * binsY], { dtype: 'u32', label: 'shaping.histogram', fill: 0 });
  try {
    const used = Math.ceil(samples / step);
    const pipeline = await ctx.kernel({ label: 'shaping.histogram2d', code: histogram2dWGSL(), entryPoint: 'histogram2d', constants: { WG_SIZE: WG } });
    ctx.dispatch({
      label: 'shaping.histogram2d',
      pipeline,
      bindings: [histogramParams.pack({ pairs: samples, step, bins_x: binsX, bins_y: binsY, origin_x: originX, origin_y: originY }), pairs, counts],
      workgroups: Math.ceil(used / WG),
      workgroupSize: WG,
    });
    return { counts: await counts.read(), binsX, binsY, originX, originY, total: used };
  } finally {
    counts.destroy();
  }
}

/**
 * Plug-in mutual information (nats) of the pairs on the 0.5-wide grid, every `step`-th pair, as
 * `sklearn.metrics.mutual_info_score(x // 0.5, y // 0.5)` (the paper's estimator, step 10).
 */
export async function mutualInformation(ctx: Context, pairs: Tensor, step = 10): Promise<{ mi: number; histogram: Histogram2D }> {
  const histogram = await histogram2d(ctx, pairs, step);
  return { mi: mutualInformationFromCounts(histogram.counts, histogram.binsX, histogram.binsY), histogram };
}

/**
 * ZCA whitening of 2-D pairs: y = C^{-1/2} x with C^{-1/2} = U diag(1/√λ) Uᵀ from the 2 × 2
 * covariance C (about the mean); x is not re-centred, as band-pass coefficients have mean ≈ 0 and
 * the paper's baseline applies the matrix to the data as they are. Returns a new [P, 2] tensor and
 * the matrix.
 */
export async function zcaWhiten(ctx: Context, pairs: Tensor, label = 'shaping.zca'): Promise<{ whitened: Tensor<'f32'>; matrix: number[] }> {
  const [, n] = checkColumns(pairs, 'zcaWhiten', 2);
  if (n !== 2) throw new InputError(`zcaWhiten: pairs ('${pairs.label}') must have 2 columns, has ${n}`);
  const { covariance } = await columnMoments(ctx, pairs);
  const M = zcaMatrix2(covariance[0]!, covariance[1]!, covariance[3]!);
  // Rows are samples, so y_rowᵀ = x_rowᵀ Mᵀ = x_rowᵀ M (M is symmetric).
  const Mt = ctx.tensor([2, 2], { label: `${label}.matrix`, data: Float32Array.from(M) });
  try {
    const whitened = await matmul(ctx, pairs, Mt, { label });
    return { whitened, matrix: Array.from(M) };
  } finally {
    ctx.releaseAfterSubmit(Mt);
  }
}
