/**
 * Data and initial states of the shaping experiments (SEEDS.md §2.3): the finest horizontal band of
 * an image's steerable pyramid, pairs displaced along rows, and the paper's random initialisations.
 */
import type { Context } from '../../core/context.js';
import { philoxSequence } from '../../reference/philox.js';
import type { GreyImage } from './images.js';
import { pyramidBand } from './pyramid.js';
import type { CircuitState } from './reference.js';

/** Philox stream tag of the initial states ('In'). */
const INIT_RNG_TAG = 0x496e;

/** The finest-scale, orientation-0 band of the steerable pyramid (order 2), divided by its std. */
export async function imageBand(ctx: Context, image: GreyImage): Promise<Float32Array> {
  const pixels = ctx.tensor([image.height, image.width], { label: `image.${image.name}`, data: image.data });
  try {
    const band = await pyramidBand(ctx, pixels, { label: `band.${image.name}` });
    try {
      return await band.read();
    } finally {
      band.destroy();
    }
  } finally {
    pixels.destroy();
  }
}

/**
 * Pairs (c[y, x], c[y + d, x]) for every y < H − d and x, displaced along the rows (axis 0), each
 * coordinate divided by its own standard deviation (about its mean); interleaved, (H − d)·W pairs.
 */
export function bandPairs(band: Float32Array, height: number, width: number, offset: number): Float32Array {
  if (!Number.isInteger(offset) || offset < 1 || offset >= height) throw new RangeError(`offset must be an integer in [1, ${height - 1}], got ${offset}`);
  const count = (height - offset) * width;
  const std = (start: number): number => {
    let m = 0;
    for (let i = 0; i < count; i++) m += band[start + i]!;
    m /= count;
    let v = 0;
    for (let i = 0; i < count; i++) v += (band[start + i]! - m) ** 2;
    return Math.sqrt(v / count);
  };
  // Row-major: the first coordinates are rows 0 … H−d−1, the second rows d … H−1, both contiguous.
  const sx = std(0);
  const sy = std(offset * width);
  const out = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    out[2 * i] = band[i]! / sx;
    out[2 * i + 1] = band[offset * width + i]! / sy;
  }
  return out;
}

/** Uniform and normal draws for the initial states: two Philox streams under the seed. */
class InitRandom {
  readonly uniform: () => number;
  readonly normal: () => number;
  constructor(seed: number) {
    this.uniform = philoxSequence(seed, { distribution: 'uniform', stream: 0, tag: INIT_RNG_TAG });
    this.normal = philoxSequence(seed, { distribution: 'normal', stream: 1, tag: INIT_RNG_TAG });
  }
}

/** A Haar-random n × n orthogonal matrix (Gram–Schmidt of a Gaussian matrix, signs fixed by R's diagonal). */
function randomOrthogonal(n: number, rng: InitRandom): Float64Array {
  const q = Float64Array.from({ length: n * n }, () => rng.normal());
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += q[r * n + c]! * q[r * n + p]!;
      for (let r = 0; r < n; r++) q[r * n + c] = q[r * n + c]! - dot * q[r * n + p]!;
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += q[r * n + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) q[r * n + c] = q[r * n + c]! / norm;
  }
  return q;
}

/** The 1-D experiment's start (Fig. 1): N = K = 1, W = 1, g₀ = 0.2 + 0.05U, θ₀ = 2.2 + 0.1U. */
export function initialState1D(seed: number): CircuitState {
  const rng = new InitRandom(seed);
  return { n: 1, k: 1, g: Float64Array.of(0.2 + 0.05 * rng.uniform()), theta: Float64Array.of(2.2 + 0.1 * rng.uniform()), w: Float64Array.of(1) };
}

/**
 * The 2-D experiment's start (Fig. 2): N = 2, K = 3, g₀ = 0.2 + 0.05U, θ₀ = 2.3 + 0.1U,
 * W₀ = O₂ · eye(2, 3) · O₃ with Haar-random orthogonal O₂, O₃ (unit columns after normalisation).
 */
export function initialState2D(seed: number): CircuitState {
  const rng = new InitRandom(seed);
  const k = 3;
  const g = Float64Array.from({ length: k }, () => 0.2 + 0.05 * rng.uniform());
  const theta = Float64Array.from({ length: k }, () => 2.3 + 0.1 * rng.uniform());
  const o2 = randomOrthogonal(2, rng);
  const o3 = randomOrthogonal(3, rng);
  // eye(2, 3) · O₃ keeps O₃'s first two rows; then O₂ times that.
  const w = new Float64Array(2 * k);
  for (let r = 0; r < 2; r++) for (let c = 0; c < k; c++) w[r * k + c] = o2[r * 2]! * o3[c]! + o2[r * 2 + 1]! * o3[k + c]!;
  // The code normalises W's columns after every step; start from unit columns as well.
  for (let c = 0; c < k; c++) {
    const norm = Math.hypot(w[c]!, w[k + c]!);
    w[c] = w[c]! / norm;
    w[k + c] = w[k + c]! / norm;
  }
  return { n: 2, k, g, theta, w };
}
