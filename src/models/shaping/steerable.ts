/**
 * The frequency-domain masks of the tight-frame steerable pyramid (Simoncelli & Freeman, "The
 * steerable pyramid: a flexible architecture for multi-scale derivative computation", ICIP 1995;
 * Portilla & Simoncelli, IJCV 2000), in the construction of pyrtools/plenoptic's
 * `SteerablePyramidFreq` without downsampling, and a float64 CPU band for tests.
 *
 * Frequencies are normalised so that Nyquist is 1 along each axis: f_x = k_x/(W/2) (k_x taken in
 * (−W/2, W/2]) along the columns, f_y likewise along the rows; r = |f|, θ = atan2(f_y, f_x).
 * With u = log₂ r, the radial transitions are raised cosines one octave wide:
 * Hi(u) = |cos(πu/2)|, Lo(u) = |sin(πu/2)| on −1 ≤ u ≤ 0 (Hi = 0, Lo = 1 below; Hi = 1, Lo = 0
 * above), so Hi² + Lo² = 1. The high-pass residual is Hi(u), the first low-pass Lo(u); level l
 * (0 = finest) uses the same transition one octave lower per level, Hi(u + l + 1) and Lo(u + l + 1).
 * Orientation b of B = order + 1 bands has the angular mask
 * A_b(θ) = √C · cos(θ − πb/B)^order with C = 2^{2·order} (order!)² / (B (2·order)!), so Σ_b A_b² = 1.
 * Band (l, b) is the inverse FFT of X · (−i)^order · Lo(u) Π_{m<l} Lo(u + m + 1) · Hi(u + l + 1) · A_b(θ).
 */
import { fft2Ref } from '../../reference/fft.js';

/** Parameters of the pyramid. */
export interface SteerableOptions {
  /** Order of the angular derivative; order + 1 orientations. Default 2 (three orientations). */
  order?: number;
  /** Number of band-pass levels. Default 3 (as in the shaping paper). */
  height?: number;
}

/** Radial raised-cosine transition: [Hi, Lo] at u = log₂ r, transition on [−1, 0]. */
function radialPair(u: number): [number, number] {
  if (u <= -1) return [0, 1];
  if (u >= 0) return [1, 0];
  return [Math.abs(Math.cos((Math.PI * u) / 2)), Math.abs(Math.sin((Math.PI * u) / 2))];
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** log₂ of the normalised radius and the angle at every frequency of an H × W FFT grid (unshifted order). */
function polarGrid(h: number, w: number): { logRad: Float64Array; angle: Float64Array } {
  const logRad = new Float64Array(h * w);
  const angle = new Float64Array(h * w);
  const freq = (k: number, n: number): number => (k < n / 2 ? k : k - n) / (n / 2);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < w; kx++) {
      const fx = freq(kx, w);
      const fy = freq(ky, h);
      let r = Math.hypot(fx, fy);
      // pyrtools replaces the DC radius by its neighbour's (one step along x) to avoid log 0.
      if (r === 0) r = w > 1 ? 2 / w : 1;
      logRad[ky * w + kx] = Math.log2(r);
      angle[ky * w + kx] = Math.atan2(fy, fx);
    }
  }
  return { logRad, angle };
}

/** The real masks of the pyramid (each H × W, row-major, unshifted FFT order). */
export interface SteerableMasks {
  h: number;
  w: number;
  order: number;
  height: number;
  /** High-pass residual Hi(u). */
  highpass: Float64Array;
  /** bands[l][b]: the full real mask of band (level l, orientation b), without the (−i)^order factor. */
  bands: Float64Array[][];
  /** Low-pass residual. */
  lowpass: Float64Array;
}

/** Check the pyramid parameters; returns them with defaults. */
export function steerableParams(h: number, w: number, options: SteerableOptions = {}): { order: number; height: number } {
  const order = options.order ?? 2;
  const height = options.height ?? 3;
  if (!Number.isInteger(order) || order < 0 || order > 15) throw new RangeError(`steerable pyramid: order must be an integer in [0, 15], got ${order}`);
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`steerable pyramid: height must be a positive integer, got ${height}`);
  for (const [name, n] of [['height (rows)', h], ['width (columns)', w]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`steerable pyramid: image ${name} must be a positive integer, got ${n}`);
  }
  return { order, height };
}

/** All masks of an H × W tight-frame steerable pyramid (see the file comment), in float64. */
export function steerableMasks(h: number, w: number, options: SteerableOptions = {}): SteerableMasks {
  const { order, height } = steerableParams(h, w, options);
  const nbands = order + 1;
  const { logRad, angle } = polarGrid(h, w);
  const size = h * w;
  const highpass = new Float64Array(size);
  const lowpass = new Float64Array(size);
  const bands = Array.from({ length: height }, () => Array.from({ length: nbands }, () => new Float64Array(size)));
  const norm = Math.sqrt((2 ** (2 * order) * factorial(order) ** 2) / (nbands * factorial(2 * order)));
  for (let i = 0; i < size; i++) {
    const u = logRad[i]!;
    const [hi0, lo0] = radialPair(u);
    highpass[i] = hi0;
    let lo = lo0;
    for (let l = 0; l < height; l++) {
      const [hi, loNext] = radialPair(u + l + 1);
      for (let b = 0; b < nbands; b++) {
        bands[l]![b]![i] = lo * hi * norm * Math.cos(angle[i]! - (Math.PI * b) / nbands) ** order;
      }
      lo *= loNext;
    }
    lowpass[i] = lo;
  }
  return { h, w, order, height, highpass, bands, lowpass };
}

/** (−i)^order as [re, im]. */
export function steerablePhase(order: number): [number, number] {
  return ([[1, 0], [0, -1], [-1, 0], [0, 1]] as const)[order % 4]!.slice() as [number, number];
}

/**
 * Float64 reference of one band: Re(ifft2(fft2(image) · (−i)^order · mask)) for a real H × W image.
 */
export function steerableBandRef(image: ArrayLike<number>, h: number, w: number, mask: ArrayLike<number>, order: number): Float64Array {
  const z = new Float64Array(2 * h * w);
  for (let i = 0; i < h * w; i++) z[2 * i] = image[i]!;
  const X = fft2Ref(z, h, w);
  const [cr, ci] = steerablePhase(order);
  for (let i = 0; i < h * w; i++) {
    const re = X[2 * i]! * mask[i]!;
    const im = X[2 * i + 1]! * mask[i]!;
    X[2 * i] = re * cr - im * ci;
    X[2 * i + 1] = re * ci + im * cr;
  }
  const y = fft2Ref(X, h, w, true);
  return Float64Array.from({ length: h * w }, (_, i) => y[2 * i]!);
}
