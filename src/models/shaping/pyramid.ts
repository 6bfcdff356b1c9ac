/**
 * Steerable-pyramid bands on the GPU: the image's 2-D FFT, times a band's frequency mask
 * (`src/reference/steerable.ts`), inverse FFT, real part. No downsampling, so every band has the
 * image's size. Used by the shaping experiments for the finest, horizontal-frequency band.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { fft2, ifft2, multiplySpectrum, realPart, sum, sumSquares, scale, toComplex } from '../../linalg/index.js';
import { steerableMasks, steerableParams, steerablePhase, type SteerableOptions } from './steerable.js';

/** Which band of the pyramid to take. */
export interface PyramidBandOptions extends SteerableOptions {
  /** Level, 0 = finest. Default 0. */
  level?: number;
  /** Orientation b in [0, order]; 0 is centred on horizontal frequencies (vertical structure). Default 0. */
  orientation?: number;
  /** Divide the band by its standard deviation (as the shaping paper does). Default true. */
  normalize?: boolean;
  /** Label of the output. Default `'pyramid.band'`. */
  label?: string;
}

/** The complex mask (−i)^order · M of one band as f32 interleaved data. */
export function bandMaskComplex(mask: ArrayLike<number>, order: number): Float32Array {
  const [cr, ci] = steerablePhase(order);
  const out = new Float32Array(2 * mask.length);
  for (let i = 0; i < mask.length; i++) {
    out[2 * i] = cr * mask[i]!;
    out[2 * i + 1] = ci * mask[i]!;
  }
  return out;
}

/** Filter real images [..., H, W] by a complex spectrum mask [H, W, 2]; returns the real part [..., H, W]. */
export async function filterImages(ctx: Context, images: Tensor, maskComplex: Tensor, label = 'pyramid.band'): Promise<Tensor<'f32'>> {
  const temps: Tensor[] = [];
  try {
    const z = await toComplex(ctx, images, { label: `${label}.complex` });
    temps.push(z);
    const Z = await fft2(ctx, z, { label: `${label}.spectrum` });
    temps.push(Z);
    const Y = await multiplySpectrum(ctx, Z, maskComplex, { complexMask: true, label: `${label}.masked` });
    temps.push(Y);
    const y = await ifft2(ctx, Y, { label: `${label}.filtered` });
    temps.push(y);
    return await realPart(ctx, y, { label });
  } finally {
    ctx.releaseAfterSubmit(...temps);
  }
}

/** Standard deviation (population, about the mean) of a tensor, by two GPU reductions. */
export async function tensorStd(ctx: Context, x: Tensor): Promise<{ mean: number; std: number }> {
  const s = await sum(ctx, x);
  const q = await sumSquares(ctx, x);
  try {
    const total = (await s.read())[0]!;
    const squares = (await q.read())[0]!;
    const mean = total / x.size;
    return { mean, std: Math.sqrt(Math.max(squares / x.size - mean * mean, 0)) };
  } finally {
    s.destroy();
    q.destroy();
  }
}

/**
 * One band of the tight-frame steerable pyramid of a real image [H, W] (or a batch [..., H, W]),
 * H and W powers of two; by default the finest level, orientation 0, divided by its standard
 * deviation. Returns a new real tensor of the input's shape that the caller owns.
 */
export async function pyramidBand(ctx: Context, image: Tensor, options: PyramidBandOptions = {}): Promise<Tensor<'f32'>> {
  if (image.shape.length < 2) throw new InputError(`pyramidBand: image ('${image.label}') must have shape [..., H, W]; got [${image.shape.join(', ')}]`);
  const [h, w] = image.shape.slice(-2) as [number, number];
  if ((h & (h - 1)) !== 0 || (w & (w - 1)) !== 0) {
    throw new InputError(`pyramidBand: image sides must be powers of two (the FFT's lengths); '${image.label}' has shape [${image.shape.join(', ')}]`);
  }
  let params: { order: number; height: number };
  try {
    params = steerableParams(h, w, options);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  const level = options.level ?? 0;
  const orientation = options.orientation ?? 0;
  if (!Number.isInteger(level) || level < 0 || level >= params.height) {
    throw new InputError(`pyramidBand: level must be an integer in [0, ${params.height - 1}], got ${level}`);
  }
  if (!Number.isInteger(orientation) || orientation < 0 || orientation > params.order) {
    throw new InputError(`pyramidBand: orientation must be an integer in [0, ${params.order}], got ${orientation}`);
  }
  const masks = steerableMasks(h, w, params);
  const maskTensor = ctx.tensor([h, w, 2], { label: 'pyramid.mask', data: bandMaskComplex(masks.bands[level]![orientation]!, params.order) });
  const label = options.label ?? 'pyramid.band';
  try {
    const band = await filterImages(ctx, image, maskTensor, label);
    if (options.normalize ?? true) {
      const { std } = await tensorStd(ctx, band);
      if (!(std > 0)) {
        band.destroy();
        throw new InputError(`pyramidBand: band (${level}, ${orientation}) of '${image.label}' is constant (std 0), so it cannot be normalised`);
      }
      await scale(ctx, band, 1 / std, { dst: band });
    }
    return band;
  } finally {
    ctx.releaseAfterSubmit(maskTensor);
  }
}
