/**
 * Square root and inverse square root of symmetric positive definite matrices by the coupled
 * Newton–Schulz iteration, which uses only matrix products (so it runs at GEMM speed on the GPU):
 *
 *   Y₀ = C / c,  Z₀ = I,  T = (3I − Z Y) / 2,  Y ← Y T,  Z ← T Z,
 *
 * Y → (C/c)^{1/2} and Z → (C/c)^{−1/2} quadratically once ‖I − Z Y‖ < 1 (Higham, "Functions of
 * Matrices", SIAM 2008, §6.7, eq. 6.35; Higham, "Stable iterations for the matrix square root",
 * Numer. Algorithms 1997). Scaling by c = ‖C‖_F puts every eigenvalue of C/c in (0, 1], which
 * guarantees convergence for SPD C. Batches `[b, n, n]` are handled in one go, each matrix with its
 * own scale.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { fillIdentity, mapExpr, scaleByTensor } from './elementwise.js';
import { matmul } from './matmul.js';
import { max, norm2 } from './reduce.js';
import { assertF32, assertShape } from './util.js';

/** Options of {@link sqrtm} and {@link newtonSchulz}. */
export interface SqrtmOptions {
  /** Return C^{−1/2} instead of C^{1/2} (`sqrtm` only). Default false. */
  inverse?: boolean;
  /**
   * Most iterations to run. Default 40. After scaling, an eigenvalue λ/c ≪ 1 grows about 2.25×
   * per iteration until the quadratic phase (~5 more), so about log(κ·√n)/log 2.25 + 6 iterations
   * are needed: ~20 for κ = 10⁴, n = 20 (the tests converge in 4–16 for κ ≤ 10³).
   */
  iterations?: number;
  /**
   * Stop once ‖I − Z Y‖_F / √n ≤ tol for every matrix of the batch, checked every `checkEvery`
   * iterations with a small readback. 0 runs exactly `iterations` iterations without readbacks.
   * Default 1e-5 (about 100 f32 ulps; the iteration cannot get much below ~√n·ε·κ anyway).
   */
  tol?: number;
  /** Iterations between convergence checks. Default 4. */
  checkEvery?: number;
  /** Write the result here (`sqrtm` only); must have C's shape and not share its buffer. */
  dst?: Tensor;
}

/** Result of {@link newtonSchulz}. */
export interface NewtonSchulzResult {
  /** C^{1/2}, same shape as C (caller owns it). */
  sqrt: Tensor<'f32'>;
  /** C^{−1/2}, same shape as C (caller owns it). */
  invSqrt: Tensor<'f32'>;
  /** Iterations run. */
  iterations: number;
  /** Largest ‖I − Z Y‖_F / √n over the batch at the last check (NaN when tol = 0). */
  residual: number;
}

function squareDims(C: Tensor): { batch: number; n: number } {
  const s = C.shape;
  if ((s.length === 2 || s.length === 3) && s[s.length - 1] === s[s.length - 2]) {
    return { batch: s.length === 3 ? s[0]! : 1, n: s[s.length - 1]! };
  }
  throw new InputError(`sqrtm: C ('${C.label}') must be a square matrix [n, n] or a batch [b, n, n]; got shape [${s.join(', ')}]`);
}

/**
 * Both C^{1/2} and C^{−1/2} of an SPD matrix `[n, n]` or batch `[b, n, n]` by coupled
 * Newton–Schulz (see the module comment). The input must be symmetric positive definite; for
 * others the iteration may not converge (check `residual`).
 */
export async function newtonSchulz(ctx: Context, C: Tensor, options: SqrtmOptions = {}): Promise<NewtonSchulzResult> {
  assertF32(ctx, C, 'C');
  const { batch, n } = squareDims(C);
  const iterations = options.iterations ?? 40;
  const tol = options.tol ?? 1e-5;
  const checkEvery = options.checkEvery ?? 4;
  if (!Number.isInteger(iterations) || iterations < 0) throw new InputError(`sqrtm: iterations must be a non-negative integer, got ${iterations}`);
  if (!(tol >= 0)) throw new InputError(`sqrtm: tol must be ≥ 0, got ${tol}`);
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new InputError(`sqrtm: checkEvery must be a positive integer, got ${checkEvery}`);
  const shape = [...C.shape];
  const temps: Tensor[] = [];
  const make = (label: string): Tensor<'f32'> => {
    const t = ctx.tensor(shape, { label });
    temps.push(t);
    return t;
  };
  let Y = make('sqrtm.y');
  let Z = make('sqrtm.z');
  let Ynext = make('sqrtm.y_next');
  let Znext = make('sqrtm.z_next');
  const T = make('sqrtm.t');
  const sqrtOut = ctx.tensor(shape, { label: 'sqrtm.sqrt' });
  const invOut = ctx.tensor(shape, { label: 'sqrtm.inv_sqrt' });
  let done = false;
  try {
    if (batch * n === 0) {
      done = true;
      return { sqrt: sqrtOut, invSqrt: invOut, iterations: 0, residual: 0 };
    }
    // Per-matrix Frobenius norms c_b, on the GPU.
    const scales = await norm2(ctx, C.reshape([batch, n * n]), { axis: 1, label: 'sqrtm.scale' });
    temps.push(scales);
    await scaleByTensor(ctx, C, scales, n * n, -1, Y);
    await fillIdentity(ctx, Z);
    const I = make('sqrtm.identity');
    await fillIdentity(ctx, I);
    let residual = Number.NaN;
    let it = 0;
    while (it < iterations) {
      // T = 1.5 I − 0.5 Z Y
      await fillIdentity(ctx, T);
      await matmul(ctx, Z, Y, { alpha: -0.5, beta: 1.5, dst: T });
      await matmul(ctx, Y, T, { dst: Ynext });
      await matmul(ctx, T, Z, { dst: Znext });
      [Y, Ynext] = [Ynext, Y];
      [Z, Znext] = [Znext, Z];
      it++;
      if (tol > 0 && (it % checkEvery === 0 || it === iterations)) {
        // ‖I − Z Y‖ = 2 ‖T − I‖ for the T of this iteration (a cheap stand-in for the new residual,
        // one iteration behind, which only makes the test conservative).
        const diff = await mapExpr(ctx, '2.0 * (t - e) / sqrt(n)', { t: T, e: I }, { params: { n }, label: 'sqrtm.residual' });
        temps.push(diff);
        const norms = await norm2(ctx, diff.reshape([batch, n * n]), { axis: 1, label: 'sqrtm.residual_norms' });
        temps.push(norms);
        const worst = await max(ctx, norms, { label: 'sqrtm.residual_max' });
        temps.push(worst);
        residual = (await worst.read())[0]!;
        if (!Number.isFinite(residual)) {
          throw new InputError(`sqrtm: Newton–Schulz diverged (residual ${residual}); is C ('${C.label}') symmetric positive definite?`);
        }
        if (residual <= tol) break;
      }
    }
    await scaleByTensor(ctx, Y, scales, n * n, 0.5, sqrtOut);
    await scaleByTensor(ctx, Z, scales, n * n, -0.5, invOut);
    done = true;
    return { sqrt: sqrtOut, invSqrt: invOut, iterations: it, residual };
  } finally {
    if (!done) {
      sqrtOut.destroy();
      invOut.destroy();
    }
    ctx.releaseAfterSubmit(...temps);
  }
}

/**
 * Principal square root C^{1/2} (or C^{−1/2} with `inverse`) of a symmetric positive definite
 * matrix `[n, n]` or batch `[b, n, n]`, by coupled Newton–Schulz on the GPU.
 *
 * @returns `options.dst` (filled) or a new tensor the caller owns.
 */
export async function sqrtm(ctx: Context, C: Tensor, options: SqrtmOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, C, 'C');
  squareDims(C);
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, C.shape, 'dst');
  }
  const result = await newtonSchulz(ctx, C, options);
  const keep = options.inverse ? result.invSqrt : result.sqrt;
  const drop = options.inverse ? result.sqrt : result.invSqrt;
  if (!options.dst) {
    ctx.releaseAfterSubmit(drop);
    return keep;
  }
  ctx.encoder().copyBufferToBuffer(keep.buffer, 0, options.dst.buffer, 0, options.dst.byteLength);
  ctx.releaseAfterSubmit(keep, drop);
  return options.dst as Tensor<'f32'>;
}

/** Inverse principal square root C^{−1/2} of an SPD matrix or batch (whitening); see {@link sqrtm}. */
export function invSqrtm(ctx: Context, C: Tensor, options: Omit<SqrtmOptions, 'inverse'> = {}): Promise<Tensor<'f32'>> {
  return sqrtm(ctx, C, { ...options, inverse: true });
}
