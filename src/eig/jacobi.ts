/**
 * Eigen-decomposition of many small symmetric matrices at once (e.g. 1000 covariances of order
 * 2–64): parallel cyclic Jacobi, one workgroup or one invocation per matrix (shaders/jacobi.wgsl.ts).
 */
import { JACOBI_MAX_N, jacobiParams, jacobiSerialWGSL, jacobiWGSL } from '../../shaders/jacobi.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError, LimitError } from '../gpu/errors.js';
import { checkPositive, checkPositiveInt, EigConvergenceError, resolveMatrix, type MatrixInput, type MatrixShape } from './input.js';

const WORKGROUP_SIZE = 64;

/** Options of `jacobiEigBatched`. */
export interface JacobiOptions extends MatrixShape {
  /** Stop a matrix when ‖offdiag(A)‖_F ≤ tol·‖A‖_F. Default 1e-6·max(1, √n). */
  tol?: number;
  /** Most sweeps before `EigConvergenceError`. Default 30 (Jacobi converges quadratically, typically in 6–12). */
  maxSweeps?: number;
  /**
   * `'workgroup'`: one workgroup per matrix, n/2 rotations in parallel (best on GPUs for n ≳ 16).
   * `'thread'`: one invocation per matrix, no barriers (best for small n, large batches, and CPU
   * adapters such as SwiftShader). Default: `'thread'` when n ≤ 16 or the adapter is a CPU
   * (fallback adapter or SwiftShader), else `'workgroup'`.
   */
  strategy?: 'workgroup' | 'thread';
}

/** Eigen-decompositions of a batch: A[b] = V[b]·diag(values[b])·V[b]ᵀ. */
export interface JacobiResult {
  /** Eigenvalues [batch, n], descending within each matrix. */
  values: Tensor<'f32'>;
  /** Orthonormal eigenvectors [batch, n, n]; column j of V[b] belongs to values[b, j]. */
  vectors: Tensor<'f32'>;
  /** Sweeps each matrix needed. */
  sweeps: Uint32Array;
  /** Free both tensors. */
  destroy(): void;
}

/**
 * Eigenvalues and eigenvectors of a batch of symmetric matrices `c` ([batch, n, n] or [n, n] f32
 * tensor, or row-major CPU numbers with `n` and `batch`), n ≤ 256. Only the symmetric part is
 * meaningful: the rotations read the upper triangle's pivots and update both triangles. Throws
 * `EigConvergenceError` if any matrix needs more than `maxSweeps` sweeps.
 */
export async function jacobiEigBatched(ctx: Context, c: MatrixInput, options: JacobiOptions = {}): Promise<JacobiResult> {
  const input = resolveMatrix(ctx, c, options, 'jacobiEigBatched');
  const made: Tensor[] = [];
  try {
    const { batch, n } = input;
    if (n > JACOBI_MAX_N) {
      throw new LimitError('jacobiEigBatched', 'the matrix order n', n, JACOBI_MAX_N, 'Use eigs(..., { symmetric: true }) for larger matrices.');
    }
    const tol = options.tol ?? 1e-6 * Math.max(1, Math.sqrt(n));
    checkPositive(tol, 'jacobiEigBatched: tol');
    const maxSweeps = options.maxSweeps ?? 30;
    checkPositiveInt(maxSweeps, 'jacobiEigBatched: maxSweeps');
    const strategy = options.strategy ?? (n <= 16 || ctx.info.adapter.kind === 'cpu' ? 'thread' : 'workgroup');
    if (strategy !== 'thread' && strategy !== 'workgroup') {
      throw new InputError(`jacobiEigBatched: strategy must be 'workgroup' or 'thread', got '${String(strategy)}'`);
    }
    const serial = strategy === 'thread';
    const label = serial ? 'eig.jacobi.thread' : 'eig.jacobi';
    const pipeline = await ctx.kernel({ label, code: serial ? jacobiSerialWGSL() : jacobiWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
    const values = ctx.tensor([batch, n], { label: 'jacobi.values' });
    made.push(values);
    const vectors = ctx.tensor([batch, n, n], { label: 'jacobi.vectors' });
    made.push(vectors);
    const work = ctx.tensor([batch, 2, n, n], { label: 'jacobi.work' });
    made.push(work);
    const sweepsT = ctx.tensor([batch], { dtype: 'u32', label: 'jacobi.sweeps' });
    made.push(sweepsT);
    ctx.dispatch({
      label,
      pipeline,
      bindings: [jacobiParams.pack({ n, batch, max_sweeps: maxSweeps, tol }), input.tensor, values, vectors, work, sweepsT],
      workgroups: serial ? Math.ceil(batch / WORKGROUP_SIZE) : batch,
      workgroupSize: WORKGROUP_SIZE,
    });
    const sweeps = await sweepsT.read();
    work.destroy();
    sweepsT.destroy();
    const failed = [...sweeps].filter((s) => s > maxSweeps).length;
    if (failed > 0) {
      throw new EigConvergenceError(
        `jacobiEigBatched: ${failed} of ${batch} matrices (order ${n}) did not reach tol = ${tol} in ${maxSweeps} sweeps; ` +
          'check for non-finite entries, or raise maxSweeps / tol',
        { sweeps },
      );
    }
    made.length = 0;
    return { values, vectors, sweeps, destroy: () => { values.destroy(); vectors.destroy(); } };
  } finally {
    for (const t of made) t.destroy();
    if (input.owned) input.tensor.destroy();
  }
}
