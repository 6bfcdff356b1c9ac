/**
 * Column orthonormalization on the GPU by (shifted) Cholesky-QR: Q ← Q R⁻¹ with R the Cholesky
 * factor of QᵀQ, repeated; two GEMMs and one small single-workgroup factorization per pass.
 */
import { cholInverseParams, cholInverseWGSL } from '../../shaders/orthonormalize.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { matmul } from './matmul.js';
import { assertF32, assertShape } from './util.js';

/** Options of {@link orthonormalize}. */
export interface OrthonormalizeOptions {
  /**
   * Start with one shifted pass (shifted CholeskyQR3), which keeps the factorization stable for
   * condition numbers up to ~1/ε instead of ~1/√ε. Default true.
   */
  shifted?: boolean;
  /** Cholesky-QR passes in all (each restores orthogonality to O(ε) once Q is well conditioned). Default 3 when shifted, else 2. */
  passes?: number;
  /** Write the result here (may be Q itself). Default: Q, in place. */
  dst?: Tensor;
}

/** The single workgroup of the Cholesky step. */
const CHOL_WORKGROUP_SIZE = 256;
/** f32 unit roundoff. */
const UNIT_ROUNDOFF = 2 ** -24;

/**
 * Orthonormalize the columns of Q (`[m, k]`, m ≥ k) in place: afterwards QᵀQ = I to f32 accuracy,
 * and the first j columns span the same space as before for every j (as Gram–Schmidt would give,
 * with positive diagonal of R, so the result matches Gram–Schmidt up to rounding).
 *
 * Columns that are linearly dependent (numerically rank-deficient input) get arbitrary but finite
 * orthonormal-ish values instead of NaN. Cost: 2 GEMMs of m·k² per pass plus O(k³) in one
 * workgroup, so it is meant for k up to a few hundred.
 *
 * @returns `options.dst` or Q.
 */
export async function orthonormalize(ctx: Context, Q: Tensor, options: OrthonormalizeOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, Q, 'Q');
  if (Q.shape.length !== 2) throw new InputError(`orthonormalize: Q ('${Q.label}') must be a matrix [m, k]; got [${Q.shape.join(', ')}]`);
  const [m, k] = [Q.shape[0]!, Q.shape[1]!];
  if (k > m) throw new InputError(`orthonormalize: Q ('${Q.label}') has ${k} columns but only ${m} rows; at most ${m} columns can be orthonormal`);
  const shifted = options.shifted ?? true;
  const passes = options.passes ?? (shifted ? 3 : 2);
  if (!Number.isInteger(passes) || passes < 1) throw new InputError(`orthonormalize: passes must be a positive integer, got ${passes}`);
  const dst = (options.dst ?? Q) as Tensor<'f32'>;
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, Q.shape, 'dst');
  }
  if (m * k === 0) return dst;

  const temps: Tensor[] = [];
  const gram = ctx.tensor([k, k], { label: 'orthonormalize.gram' });
  temps.push(gram);
  const linv = ctx.tensor([k, k], { label: 'orthonormalize.linv' });
  temps.push(linv);
  const work = [ctx.tensor([m, k], { label: 'orthonormalize.work0' }), ctx.tensor([m, k], { label: 'orthonormalize.work1' })];
  temps.push(...work);
  try {
    const pipeline = await ctx.kernel({ label: 'orthonormalize.chol_inverse', code: cholInverseWGSL(), constants: { WG_SIZE: CHOL_WORKGROUP_SIZE } });
    let current: Tensor = Q;
    for (let pass = 0; pass < passes; pass++) {
      const next = work[pass % 2]!;
      await matmul(ctx, current, current, { transA: true, dst: gram });
      // Shifted CholeskyQR: s = 11 (m k + k (k + 1)) u ‖Q‖², with ‖Q‖₂² ≤ ‖Q‖_F² = trace(G).
      const shiftFactor = shifted && pass === 0 ? 11 * (m * k + k * (k + 1)) * UNIT_ROUNDOFF : 0;
      ctx.dispatch({
        label: 'orthonormalize.chol_inverse',
        pipeline,
        bindings: [cholInverseParams.pack({ k, shift_factor: shiftFactor, pivot_floor: 1e-12 }), gram, linv],
        workgroups: [1],
      });
      await matmul(ctx, current, linv, { transB: true, dst: next });
      current = next;
    }
    ctx.encoder().copyBufferToBuffer(current.buffer, 0, dst.buffer, 0, dst.byteLength);
    return dst;
  } finally {
    ctx.releaseAfterSubmit(...temps);
  }
}
