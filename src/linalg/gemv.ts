/**
 * Matrix–vector products on the GPU (GEMV): y = α·op(A)·x + β·y with op(A) = A or Aᵀ; memory-bound,
 * so `bench linalg` rates it against the measured copy bandwidth.
 */
import { gemvParams, gemvWGSL } from '../../shaders/gemv.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { assertF32, assertFinite, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Options of {@link gemv}. */
export interface GemvOptions {
  /** Compute Aᵀ x instead of A x. Default false. */
  trans?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Scale of the previous contents of `dst`; non-zero needs `dst`. Default 0 (dst is not read). */
  beta?: number;
  /** Write here instead of a new tensor: a vector of the output length, not sharing A's or x's buffer. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'gemv.output'`. */
  label?: string;
  /** A x with one invocation per row (default on CPU adapters) instead of a workgroup per 4 rows. */
  rowPerInvocation?: boolean;
}

/** Invocations per workgroup of both GEMV variants. */
const GEMV_WORKGROUP_SIZE = 64;
/** Rows per workgroup of the A x variant. */
const GEMV_ROWS_PER_WORKGROUP = 4;

/**
 * `y = alpha · op(A) · x + beta · y` for a matrix A `[rows, cols]` and a vector x (shape `[len]`,
 * or any shape of that many elements), in f32. With `trans`, x has `rows` elements and y has
 * `cols`; otherwise x has `cols` and y has `rows`.
 *
 * @returns `dst` when given, else a new `[outLen]` tensor the caller owns.
 */
export async function gemv(ctx: Context, A: Tensor, x: Tensor, options: GemvOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, A, 'A');
  assertF32(ctx, x, 'x');
  if (A.shape.length !== 2) throw new InputError(`gemv: A ('${A.label}') must be a matrix [rows, cols]; got shape [${A.shape.join(', ')}]`);
  const trans = options.trans ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  assertFinite(alpha, 'alpha');
  assertFinite(beta, 'beta');
  const [rows, cols] = [A.shape[0]!, A.shape[1]!];
  const inLen = trans ? rows : cols;
  const outLen = trans ? cols : rows;
  if (x.size !== inLen) {
    throw new InputError(`gemv: ${trans ? 'Aᵀ' : 'A'} is ${outLen} × ${inLen} (A has shape [${rows}, ${cols}]) but x has ${x.size} elements`);
  }
  if (beta !== 0 && !options.dst) throw new InputError('gemv: beta ≠ 0 needs dst (the y that is scaled and added to)');
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    if (options.dst.size !== outLen) assertShape(options.dst, [outLen], 'dst');
    assertNoAlias(options.dst, A, 'dst', 'A');
    assertNoAlias(options.dst, x, 'dst', 'x');
  }
  assertIndexable('gemv', A.size);
  const y = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor([outLen], { label: options.label ?? 'gemv.output' });
  try {
    if (outLen === 0) return y;
    const perRow = !trans && (options.rowPerInvocation ?? ctx.info.adapter.kind === 'cpu');
    const label = trans ? 'gemv.t' : perRow ? 'gemv.n_row' : 'gemv.n';
    const pipeline = await ctx.kernel({
      label,
      code: gemvWGSL({ trans, rowPerInvocation: perRow }),
      constants: trans || perRow ? { WG_SIZE: GEMV_WORKGROUP_SIZE } : { WG_SIZE: GEMV_WORKGROUP_SIZE, ROWS: GEMV_ROWS_PER_WORKGROUP },
    });
    const workgroups = trans || perRow ? Math.ceil(outLen / GEMV_WORKGROUP_SIZE) : Math.ceil(rows / GEMV_ROWS_PER_WORKGROUP);
    ctx.dispatch({
      label,
      pipeline,
      bindings: [gemvParams.pack({ rows, cols, alpha, beta }), A, x, y],
      workgroups,
      workgroupSize: GEMV_WORKGROUP_SIZE,
    });
    return y;
  } catch (err) {
    if (!options.dst) y.destroy();
    throw err;
  }
}
