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
import * as z from 'zod';
import { dottedName, finiteNumber, flag, parseInput, wholeNumber } from '../core/validate.js';
import { InputError, NumericalError } from '../gpu/errors.js';
import { fillIdentity, mapExpr, scaleByTensor } from './elementwise.js';
import { matmul } from './matmul.js';
import { norm2 } from './reduce.js';
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
   * iterations with a small readback. 0 runs exactly `iterations` iterations with no residual
   * checks (status `'unchecked'`). Default 1e-5 (about 100 f32 ulps; the iteration cannot get much
   * below ~√n·ε·κ anyway).
   */
  tol?: number;
  /** Iterations between convergence checks. Default 4. */
  checkEvery?: number;
  /**
   * Largest relative asymmetry ‖C − Cᵀ‖_F / ‖C‖_F accepted per matrix. Default 1e-5: a matrix
   * made symmetric in f32 is exactly symmetric, and one formed by a GEMM (XᵀX) is off by ~1e-7.
   */
  symmetryTol?: number;
  /** Write the result here (`sqrtm` only); must have C's shape and not share its buffer. */
  dst?: Tensor;
}

/**
 * The outcome for one matrix of a batch: `'converged'` (residual ≤ tol), `'unchecked'` (tol = 0),
 * `'not-converged'` (finite residual above tol after `iterations`), `'diverged'` (the residual
 * became non-finite: C is not positive definite), or invalid input: `'not-symmetric'`, `'zero'`,
 * `'non-finite'` (C holds NaN or ±Inf). Only the first two give a usable result.
 */
export type MatrixStatus = 'converged' | 'unchecked' | 'not-converged' | 'diverged' | 'not-symmetric' | 'zero' | 'non-finite';

/** Whether a matrix with this status has a usable result. */
export function isUsable(status: MatrixStatus): boolean {
  return status === 'converged' || status === 'unchecked';
}

/** Result of {@link newtonSchulz}. */
export interface NewtonSchulzResult {
  /** C^{1/2}, same shape as C (caller owns it). Matrices whose status is not usable hold garbage. */
  sqrt: Tensor<'f32'>;
  /** C^{−1/2}, same shape as C (caller owns it). */
  invSqrt: Tensor<'f32'>;
  /** Iterations run. */
  iterations: number;
  /** Largest residual over the usable matrices at the last check (NaN when tol = 0 or none is usable). */
  residual: number;
  /** Per matrix of the batch: ‖I − Z Y‖_F / √n at the last check (NaN when unchecked or invalid). */
  residuals: Float64Array;
  /** Per matrix: relative asymmetry ‖C − Cᵀ‖_F / ‖C‖_F of the input. */
  asymmetry: Float64Array;
  /** Per matrix: what happened (see {@link MatrixStatus}). */
  status: MatrixStatus[];
}

/** Thrown by `sqrtm`/`invSqrtm` when some matrix of the batch has no usable result. */
export class MatrixFunctionError extends NumericalError {
  override name = 'MatrixFunctionError';
  /** Per matrix: what happened. */
  readonly status: MatrixStatus[];
  /** Per matrix: the residual at the last check. */
  readonly residuals: Float64Array;
  constructor(message: string, status: MatrixStatus[], residuals: Float64Array) {
    super(message);
    this.status = status;
    this.residuals = residuals;
  }
}

/** A one-line account of the matrices whose status is not usable, by batch index. */
export function describeFailures(r: Pick<NewtonSchulzResult, 'status' | 'residuals' | 'asymmetry'>, tol: number, symmetryTol: number): string {
  const batched = r.status.length > 1;
  return r.status
    .map((s, b) => {
      const which = batched ? `matrix ${b}` : 'the matrix';
      switch (s) {
        case 'not-symmetric': return `${which} is not symmetric (‖C − Cᵀ‖/‖C‖ = ${r.asymmetry[b]!.toExponential(2)} > ${symmetryTol})`;
        case 'zero': return `${which} is zero`;
        case 'non-finite': return `${which} contains NaN or infinite entries`;
        case 'diverged': return `${which}: the iteration diverged (not positive definite?)`;
        case 'not-converged': return `${which} did not converge (residual ${r.residuals[b]!.toExponential(2)} > tol ${tol})`;
        default: return '';
      }
    })
    .filter(Boolean)
    .join('; ');
}

function squareDims(C: Tensor): { batch: number; n: number } {
  const s = C.shape;
  if ((s.length === 2 || s.length === 3) && s[s.length - 1] === s[s.length - 2]) {
    return { batch: s.length === 3 ? s[0]! : 1, n: s[s.length - 1]! };
  }
  throw new InputError(`sqrtm: C ('${C.label}') must be a square matrix [n, n] or a batch [b, n, n]; got shape [${s.join(', ')}]`);
}

const sqrtmOptionsSchema = z.strictObject(
  {
    inverse: flag.optional(),
    dst: z.unknown().optional(),
    iterations: wholeNumber({ min: 0, max: 1e6 }).optional(),
    tol: finiteNumber({ min: 0 }).optional(),
    checkEvery: wholeNumber({ min: 1 }).optional(),
    symmetryTol: finiteNumber({ min: 0 }).optional(),
  },
  { error: 'an options object' },
);

/** Check the options of `sqrtm`/`newtonSchulz` (before any GPU work). */
function resolveOptions(options: SqrtmOptions): Required<Pick<SqrtmOptions, 'iterations' | 'tol' | 'checkEvery' | 'symmetryTol'>> {
  const o = parseInput(sqrtmOptionsSchema, options, 'sqrtm', dottedName('options'));
  return { iterations: o.iterations ?? 40, tol: o.tol ?? 1e-5, checkEvery: o.checkEvery ?? 4, symmetryTol: o.symmetryTol ?? 1e-5 };
}

/**
 * Both C^{1/2} and C^{−1/2} of an SPD matrix `[n, n]` or batch `[b, n, n]` by coupled
 * Newton–Schulz (see the module comment). Each matrix is first checked (finite, non-zero,
 * symmetric to `symmetryTol`; one small readback), and gets its own `status` and residual: a batch
 * with one bad matrix still returns the others, and nothing non-finite is reported as converged.
 */
export async function newtonSchulz(ctx: Context, C: Tensor, options: SqrtmOptions = {}): Promise<NewtonSchulzResult> {
  assertF32(ctx, C, 'C');
  const { batch, n } = squareDims(C);
  const { iterations, tol, checkEvery, symmetryTol } = resolveOptions(options);
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
  const residuals = new Float64Array(batch).fill(Number.NaN);
  let done = false;
  try {
    if (batch * n === 0) {
      done = true;
      return { sqrt: sqrtOut, invSqrt: invOut, iterations: 0, residual: 0, residuals, asymmetry: new Float64Array(batch), status: [] };
    }
    // Per-matrix Frobenius norms c_b and asymmetries ‖C − Cᵀ‖_F, on the GPU; one readback.
    const scales = await norm2(ctx, C.reshape([batch, n * n]), { axis: 1, label: 'sqrtm.scale' });
    temps.push(scales);
    const I = make('sqrtm.identity');
    await fillIdentity(ctx, I);
    const Ct = await matmul(ctx, C, I, { transA: true, label: 'sqrtm.transpose' });
    temps.push(Ct);
    const skew = await mapExpr(ctx, 'a - b', { a: C, b: Ct }, { label: 'sqrtm.skew' });
    temps.push(skew);
    const skewNorms = await norm2(ctx, skew.reshape([batch, n * n]), { axis: 1, label: 'sqrtm.skew_norms' });
    temps.push(skewNorms);
    const [c, skewNorm] = await Promise.all([scales.read(), skewNorms.read()]);
    const asymmetry = Float64Array.from(c, (cb, b) => skewNorm[b]! / cb);
    const status: MatrixStatus[] = Array.from(c, (cb, b) =>
      !Number.isFinite(cb) || !Number.isFinite(skewNorm[b]!) ? 'non-finite' : cb === 0 ? 'zero' : asymmetry[b]! > symmetryTol ? 'not-symmetric' : tol > 0 ? 'not-converged' : 'unchecked');
    const running = (): number[] => status.flatMap((s, b) => (s === 'not-converged' ? [b] : []));

    await scaleByTensor(ctx, C, scales, n * n, -1, Y);
    await fillIdentity(ctx, Z);
    let it = 0;
    const anyValid = status.some((s) => s === 'not-converged' || s === 'unchecked');
    while (anyValid && it < iterations) {
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
        const r = await norms.read();
        for (const b of running()) {
          residuals[b] = r[b]!;
          if (!Number.isFinite(r[b]!)) status[b] = 'diverged';
          else if (r[b]! <= tol) status[b] = 'converged';
        }
        // Converged matrices keep iterating with the rest (harmless: the iteration is stable there).
        if (running().length === 0) break;
      }
    }
    // A converged matrix can still be lost later in the run (it keeps iterating with the others).
    if (tol > 0) {
      for (let b = 0; b < batch; b++) if (status[b] === 'converged' && !Number.isFinite(residuals[b]!)) status[b] = 'diverged';
    }
    await scaleByTensor(ctx, Y, scales, n * n, 0.5, sqrtOut);
    await scaleByTensor(ctx, Z, scales, n * n, -0.5, invOut);
    let residual = Number.NaN;
    status.forEach((s, b) => {
      if (s === 'converged' && !(residuals[b]! <= residual)) residual = residuals[b]!;
    });
    done = true;
    return { sqrt: sqrtOut, invSqrt: invOut, iterations: it, residual, residuals, asymmetry, status };
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
 * @throws MatrixFunctionError (with per-matrix `status`) when any matrix of the batch is invalid
 *   (not symmetric, zero, non-finite), diverges (not positive definite) or does not converge to
 *   `tol`; use {@link newtonSchulz} to keep the usable matrices of such a batch.
 */
export async function sqrtm(ctx: Context, C: Tensor, options: SqrtmOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, C, 'C');
  squareDims(C);
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, C.shape, 'dst');
  }
  const result = await newtonSchulz(ctx, C, options);
  if (!result.status.every(isUsable)) {
    ctx.releaseAfterSubmit(result.sqrt, result.invSqrt);
    const { tol, symmetryTol } = resolveOptions(options);
    throw new MatrixFunctionError(`${options.inverse ? 'invSqrtm' : 'sqrtm'}: ${describeFailures(result, tol, symmetryTol)}`, result.status, result.residuals);
  }
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
