/**
 * Fast Fourier transforms on the GPU: batched 1-D and 2-D complex transforms of power-of-two length
 * (Stockham radix-4/radix-2 passes, `shaders/fft.wgsl.ts`), plus the pointwise pieces that image
 * filtering needs (real → complex, real part, spectrum × mask).
 *
 * Complex arrays are f32 tensors whose last axis has length 2 (re, im), so a batch of H × W images
 * is a tensor of shape [..., H, W, 2]. Conventions follow numpy: the forward transform is
 * X_k = Σ_j x_j e^{−2πijk/n} (unnormalised), the inverse carries the factor 1/n.
 */
import { fftPassParams, fftPassWGSL, fftPointwiseParams, fftPointwiseWGSL, type FftPointwiseOp } from '../../shaders/fft.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { assertF32, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Options of {@link fft}, {@link ifft}, {@link fft2} and {@link ifft2}. */
export interface FftOptions {
  /** Write the result here (same shape as the input, not sharing its buffer). Default: a new tensor. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'fft.output'`. */
  label?: string;
  /** Largest radix used: 4 (default: radix-4 passes, one radix-2 pass when log₂ n is odd) or 2. */
  maxRadix?: 2 | 4;
}

const FFT_WORKGROUP_SIZE = 64;

/** Per-context twiddle tables, one per length; they live as long as the context (a few KiB each). */
const twiddleTables = new WeakMap<Context, Map<number, Tensor<'f32'>>>();

/** w_k = exp(−2πik/n) for k < n, in float64 rounded to f32 (see the shader's comment). */
function twiddleTable(ctx: Context, n: number): Tensor<'f32'> {
  let tables = twiddleTables.get(ctx);
  if (!tables) {
    tables = new Map();
    twiddleTables.set(ctx, tables);
  }
  let table = tables.get(n);
  if (!table || table.destroyed) {
    const data = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) {
      // 2πk/n in float64 (k/n is exact for a power-of-two n), so each entry is one f32 rounding from exact.
      data[2 * k] = Math.cos((2 * Math.PI * k) / n);
      data[2 * k + 1] = -Math.sin((2 * Math.PI * k) / n);
    }
    table = ctx.tensor([n, 2], { label: `fft.twiddle${n}`, data });
    tables.set(n, table);
  }
  return table;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** The complex axes' lengths, checked: the last axis must be 2 and the transformed ones powers of two. */
function complexShape(op: string, x: Tensor, axes: number): number[] {
  const shape = x.shape;
  if (shape.length < axes + 1 || shape[shape.length - 1] !== 2) {
    throw new InputError(
      `${op}: x ('${x.label}') must be complex interleaved with shape [...${axes === 2 ? ', H, W' : ', n'}, 2]; got [${shape.join(', ')}]`,
    );
  }
  const lengths = shape.slice(shape.length - 1 - axes, shape.length - 1);
  for (const n of lengths) {
    if (!isPowerOfTwo(n)) {
      throw new InputError(`${op}: transform lengths must be powers of two; x ('${x.label}') has shape [${shape.join(', ')}] (length ${n})`);
    }
  }
  return lengths;
}

interface AxisPass {
  n: number;
  stride: number;
  radix: 2 | 4;
  span: number;
  last: boolean;
}

/** The Stockham passes transforming an axis of length n with element stride `stride`. */
function passesFor(n: number, stride: number, maxRadix: 2 | 4): AxisPass[] {
  const passes: AxisPass[] = [];
  let span = 1;
  while (span < n) {
    const radix: 2 | 4 = maxRadix === 4 && span * 4 <= n ? 4 : 2;
    passes.push({ n, stride, radix, span, last: false });
    span *= radix;
  }
  if (passes.length) passes[passes.length - 1]!.last = true;
  return passes;
}

/**
 * Run the passes of every transformed axis, ping-ponging between `out` and a scratch buffer so the
 * input is never written and the final pass lands in `out`.
 */
async function transform(ctx: Context, op: string, x: Tensor, axes: number, inverse: boolean, options: FftOptions): Promise<Tensor<'f32'>> {
  assertF32(ctx, x, 'x');
  const lengths = complexShape(op, x, axes);
  const maxRadix = options.maxRadix ?? 4;
  if (maxRadix !== 2 && maxRadix !== 4) throw new InputError(`${op}: maxRadix must be 2 or 4, got ${String(maxRadix)}`);
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, x.shape, 'dst');
    assertNoAlias(options.dst, x, 'dst', 'x');
  }
  assertIndexable(op, x.size);
  const complexCount = x.size / 2;
  const out = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor(x.shape, { label: options.label ?? `${op}.output` });
  let scratch: Tensor<'f32'> | null = null;
  try {
    // Axis a (counted from the innermost complex axis) has stride = product of the lengths inside it.
    const passes: AxisPass[] = [];
    let stride = 1;
    for (let a = lengths.length - 1; a >= 0; a--) {
      passes.push(...passesFor(lengths[a]!, stride, maxRadix));
      stride *= lengths[a]!;
    }
    if (passes.length === 0 || complexCount === 0) {
      if (complexCount > 0) ctx.encoder().copyBufferToBuffer(x.buffer, 0, out.buffer, 0, x.byteLength);
      return out;
    }
    if (passes.length > 1) scratch = ctx.tensor(x.shape, { label: `${op}.scratch` });
    // The destination alternates and must be `out` on the last pass.
    let source: Tensor = x;
    for (let p = 0; p < passes.length; p++) {
      const pass = passes[p]!;
      const target = (passes.length - 1 - p) % 2 === 0 ? out : scratch!;
      const pipeline = await ctx.kernel({
        label: `fft.radix${pass.radix}`,
        code: fftPassWGSL({ radix: pass.radix }),
        constants: { WG_SIZE: FFT_WORKGROUP_SIZE },
      });
      const butterflies = complexCount / pass.radix;
      ctx.dispatch({
        label: `fft.radix${pass.radix}`,
        pipeline,
        bindings: [
          fftPassParams.pack({
            n: pass.n,
            span: pass.span,
            stride: pass.stride,
            butterflies,
            sign: inverse ? 1 : -1,
            scale: inverse && pass.last ? 1 / pass.n : 1,
          }),
          source,
          target,
          twiddleTable(ctx, pass.n),
        ],
        workgroups: Math.ceil(butterflies / FFT_WORKGROUP_SIZE),
        workgroupSize: FFT_WORKGROUP_SIZE,
      });
      source = target;
    }
    return out;
  } catch (err) {
    if (!options.dst) out.destroy();
    throw err;
  } finally {
    // The scratch buffer is used by work already recorded: freed once that work is done.
    ctx.releaseAfterSubmit(scratch);
  }
}

/**
 * Forward FFT along the last complex axis of `x` (shape [..., n, 2], n a power of two), batched over
 * the leading axes: X_k = Σ_j x_j e^{−2πijk/n}.
 *
 * @returns `dst` when given, else a new tensor of x's shape that the caller owns.
 */
export function fft(ctx: Context, x: Tensor, options: FftOptions = {}): Promise<Tensor<'f32'>> {
  return transform(ctx, 'fft', x, 1, false, options);
}

/** Inverse FFT along the last complex axis, with the factor 1/n: `ifft(fft(x)) = x`. See {@link fft}. */
export function ifft(ctx: Context, x: Tensor, options: FftOptions = {}): Promise<Tensor<'f32'>> {
  return transform(ctx, 'ifft', x, 1, true, options);
}

/**
 * Forward 2-D FFT over the last two complex axes of `x` (shape [..., H, W, 2], H and W powers of
 * two, not necessarily equal), batched over the leading axes.
 */
export function fft2(ctx: Context, x: Tensor, options: FftOptions = {}): Promise<Tensor<'f32'>> {
  return transform(ctx, 'fft2', x, 2, false, options);
}

/** Inverse 2-D FFT with the factor 1/(H·W): `ifft2(fft2(x)) = x`. See {@link fft2}. */
export function ifft2(ctx: Context, x: Tensor, options: FftOptions = {}): Promise<Tensor<'f32'>> {
  return transform(ctx, 'ifft2', x, 2, true, options);
}

async function pointwise(
  ctx: Context,
  op: FftPointwiseOp,
  x: Tensor,
  outShape: number[],
  count: number,
  mask: Tensor | null,
  period: number,
  options: { dst?: Tensor; label?: string },
): Promise<Tensor<'f32'>> {
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, outShape, 'dst');
    assertNoAlias(options.dst, x, 'dst', 'x');
    if (mask) assertNoAlias(options.dst, mask, 'dst', 'mask');
  }
  const out = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor(outShape, { label: options.label ?? `fft.${op}` });
  try {
    if (count === 0) return out;
    const pipeline = await ctx.kernel({ label: `fft.${op}`, code: fftPointwiseWGSL(op), constants: { WG_SIZE: FFT_WORKGROUP_SIZE } });
    const bindings = [fftPointwiseParams.pack({ count, period: Math.max(period, 1) }), x, out];
    if (mask) bindings.push(mask);
    ctx.dispatch({ label: `fft.${op}`, pipeline, bindings, workgroups: Math.ceil(count / FFT_WORKGROUP_SIZE), workgroupSize: FFT_WORKGROUP_SIZE });
    return out;
  } catch (err) {
    if (!options.dst) out.destroy();
    throw err;
  }
}

/** A real tensor of any shape as a complex one (imaginary parts zero), shape [...shape, 2]. */
export async function toComplex(ctx: Context, x: Tensor, options: { dst?: Tensor; label?: string } = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, x, 'x');
  return pointwise(ctx, 'real-to-complex', x, [...x.shape, 2], x.size, null, 0, options);
}

/** The real part of a complex tensor [..., 2], shape [...]. */
export async function realPart(ctx: Context, x: Tensor, options: { dst?: Tensor; label?: string } = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, x, 'x');
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== 2) {
    throw new InputError(`realPart: x ('${x.label}') must be complex with shape [..., 2]; got [${x.shape.join(', ')}]`);
  }
  return pointwise(ctx, 'real-part', x, x.shape.slice(0, -1), x.size / 2, null, 0, options);
}

/**
 * Multiply a spectrum X (complex, shape [..., H, W, 2]) by a mask broadcast over its leading axes:
 * by default a real mask whose shape is X's trailing complex axes ([H, W] for images); with
 * `complexMask`, a complex mask [H, W, 2].
 */
export async function multiplySpectrum(
  ctx: Context,
  X: Tensor,
  mask: Tensor,
  options: { dst?: Tensor; label?: string; complexMask?: boolean } = {},
): Promise<Tensor<'f32'>> {
  assertF32(ctx, X, 'X');
  assertF32(ctx, mask, 'mask');
  if (X.shape.length < 1 || X.shape[X.shape.length - 1] !== 2) {
    throw new InputError(`multiplySpectrum: X ('${X.label}') must be complex with shape [..., 2]; got [${X.shape.join(', ')}]`);
  }
  const complexMask = options.complexMask ?? false;
  const expected = complexMask ? X.shape.slice(X.shape.length - mask.shape.length) : X.shape.slice(X.shape.length - 1 - mask.shape.length, -1);
  const fits = mask.shape.length >= 1 && mask.shape.length <= X.shape.length - (complexMask ? 0 : 1) &&
    mask.shape.every((d, i) => d === expected[i]) && (!complexMask || mask.shape[mask.shape.length - 1] === 2);
  if (!fits) {
    throw new InputError(
      `multiplySpectrum: mask ('${mask.label}') of shape [${mask.shape.join(', ')}] must match the trailing ${complexMask ? '' : 'complex '}axes ` +
        `of X's shape [${X.shape.join(', ')}] (${complexMask ? 'a complex mask [H, W, 2]' : 'a real mask [H, W]'})`,
    );
  }
  const period = complexMask ? mask.size / 2 : mask.size;
  return pointwise(ctx, complexMask ? 'mask-complex' : 'mask-real', X, [...X.shape], X.size / 2, mask, period, options);
}
