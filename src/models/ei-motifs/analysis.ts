/**
 * What the ei-motifs experiment measures on a GPU-resident connectivity J: dominant eigenvalues
 * (restarted Arnoldi from src/eig), motif statistics (row and column sums by GEMV, reductions from
 * src/linalg), and the linear steady state (I − J)x = h by GMRES with GPU matrix–vector products.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { eigs, EigConvergenceError, type EigsResult, type Which } from '../../eig/index.js';
import { InputError } from '../../gpu/errors.js';
import { gemv, sum, sumSquares } from '../../linalg/index.js';
import { motifStatisticsFromSums, type ComplexValue, type MotifStatistics } from './reference.js';

export interface DominantEigenvalues {
  values: ComplexValue[];
  /** ‖Jx − λx‖ per eigenvalue. */
  residuals: number[];
  /** Whether Arnoldi reached its tolerance (otherwise these are its best Ritz values). */
  converged: boolean;
  matvecs: number;
}

/**
 * The `k` eigenvalues of J selected by `which` (default `'LM'`, largest magnitude), by restarted
 * Arnoldi (`eigs`). A run that does not reach `tol` (default 1e-4) returns its Ritz values with
 * `converged: false` instead of throwing, so a sweep can report and go on.
 */
export async function dominantEigenvalues(ctx: Context, J: Tensor<'f32'>, options: { k: number; which?: Which; tol?: number; maxIter?: number; ncv?: number; seed?: number }): Promise<DominantEigenvalues> {
  const opts = { k: options.k, which: options.which ?? 'LM', tol: options.tol ?? 1e-4, maxIter: options.maxIter ?? 60, ncv: options.ncv ?? 24, seed: options.seed ?? 0 };
  let result: EigsResult;
  let converged = true;
  try {
    result = await eigs(ctx, J, opts);
  } catch (err) {
    if (!(err instanceof EigConvergenceError)) throw err;
    result = (err.partial as EigsResult[])[0]!;
    converged = false;
  }
  return { values: result.values.map((z) => ({ re: z.re, im: z.im })), residuals: result.residuals, converged, matvecs: result.matvecs };
}

/**
 * Motif statistics of a one-population J whose entries have mean J0, from GPU row sums, column sums
 * (GEMV with a vector of ones), ΣJ and ΣJ² (see `motifStatisticsFromSums`).
 */
export async function motifStatisticsGPU(ctx: Context, J: Tensor<'f32'>, J0: number): Promise<MotifStatistics> {
  const N = J.shape[0]!;
  if (J.shape.length !== 2 || J.shape[1] !== N) throw new InputError(`J must be square [N, N], got [${J.shape.join(', ')}]`);
  const ones = ctx.tensor([N], { label: 'motifs.ones', fill: 1 });
  const made: Tensor[] = [ones];
  try {
    const rows = await gemv(ctx, J, ones, { label: 'motifs.rowSums' });
    made.push(rows);
    const cols = await gemv(ctx, J, ones, { trans: true, label: 'motifs.colSums' });
    made.push(cols);
    const total = await sum(ctx, J);
    made.push(total);
    const squares = await sumSquares(ctx, J);
    made.push(squares);
    const r = Float64Array.from(await rows.read(), (x) => x - N * J0);
    const c = Float64Array.from(await cols.read(), (x) => x - N * J0);
    const sumJ = (await total.read())[0]!;
    const sqJ = (await squares.read())[0]!;
    // Σ over X = J − J0 from the sums of J.
    const sumX = sumJ - N * N * J0;
    const sqX = sqJ - 2 * J0 * sumJ + N * N * J0 * J0;
    return motifStatisticsFromSums(N, r, c, sumX, sqX);
  } finally {
    for (const t of made) t.destroy();
  }
}

export interface SteadyState {
  /** x with (I − J)x = h. */
  x: Float64Array;
  /** ‖h − (I − J)x‖ / ‖h‖ from the last explicit residual. */
  relativeResidual: number;
  matvecs: number;
}

/**
 * The linear steady state of τ dx/dt = −x + Jx + h, i.e. (I − J)x = h, by restarted GMRES
 * (Saad & Schultz 1986) with matrix–vector products on the GPU and the small Arnoldi and
 * least-squares work in float64 on the CPU. Defaults: restart 30, tol 1e-6, 20 restarts.
 */
export async function steadyState(ctx: Context, J: Tensor<'f32'>, h: Float64Array, options: { restart?: number; tol?: number; maxRestarts?: number } = {}): Promise<SteadyState> {
  const N = J.shape[0]!;
  if (J.shape.length !== 2 || J.shape[1] !== N) throw new InputError(`J must be square [N, N], got [${J.shape.join(', ')}]`);
  if (h.length !== N) throw new InputError(`h has ${h.length} entries but J is ${N}×${N}`);
  const m = Math.min(options.restart ?? 30, N);
  const tol = options.tol ?? 1e-6;
  const maxRestarts = options.maxRestarts ?? 20;
  const xT = ctx.tensor([N], { label: 'motifs.gmres.x' });
  const yT = ctx.tensor([N], { label: 'motifs.gmres.y' });
  let matvecs = 0;
  const apply = async (v: Float64Array): Promise<Float64Array> => {
    xT.write(Float32Array.from(v));
    await gemv(ctx, J, xT, { dst: yT });
    const y = await yT.read();
    matvecs++;
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) out[i] = v[i]! - y[i]!;
    return out;
  };
  const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  try {
    const x = new Float64Array(N);
    const hNorm = norm(h) || 1;
    let relativeResidual = 1;
    for (let restart = 0; restart < maxRestarts; restart++) {
      const ax = await apply(x);
      const r = h.map((hi, i) => hi - ax[i]!);
      const beta = norm(r);
      relativeResidual = beta / hNorm;
      if (relativeResidual <= tol) break;
      const V: Float64Array[] = [r.map((ri) => ri / beta)];
      const H: number[][] = []; // column j holds h_{0..j+1, j}
      const cs: number[] = [];
      const sn: number[] = [];
      const g = [beta];
      let j = 0;
      for (; j < m; j++) {
        const w = await apply(V[j]!);
        const col: number[] = [];
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i <= j; i++) {
            let d = 0;
            for (let l = 0; l < N; l++) d += w[l]! * V[i]![l]!;
            for (let l = 0; l < N; l++) w[l]! -= d * V[i]![l]!;
            col[i] = (col[i] ?? 0) + d;
          }
        }
        const wn = norm(w);
        col[j + 1] = wn;
        // Apply the previous Givens rotations, then a new one that zeroes col[j + 1].
        for (let i = 0; i < j; i++) {
          const t = cs[i]! * col[i]! + sn[i]! * col[i + 1]!;
          col[i + 1] = -sn[i]! * col[i]! + cs[i]! * col[i + 1]!;
          col[i] = t;
        }
        const rr = Math.hypot(col[j]!, col[j + 1]!);
        cs[j] = col[j]! / rr;
        sn[j] = col[j + 1]! / rr;
        col[j] = rr;
        col[j + 1] = 0;
        g[j + 1] = -sn[j]! * g[j]!;
        g[j] = cs[j]! * g[j]!;
        H.push(col);
        if (Math.abs(g[j + 1]!) / hNorm <= tol * 0.5 || wn === 0) {
          j++;
          break;
        }
        V.push(w.map((wl) => wl / wn));
      }
      // Back substitution for the least-squares coefficients, then x += V y.
      const y = new Array<number>(j).fill(0);
      for (let i = j - 1; i >= 0; i--) {
        let s = g[i]!;
        for (let c = i + 1; c < j; c++) s -= H[c]![i]! * y[c]!;
        y[i] = s / H[i]![i]!;
      }
      for (let c = 0; c < j; c++) for (let l = 0; l < N; l++) x[l]! += y[c]! * V[c]![l]!;
    }
    const ax = await apply(x);
    relativeResidual = norm(h.map((hi, i) => hi - ax[i]!)) / hNorm;
    return { x, relativeResidual, matvecs };
  } finally {
    xT.destroy();
    yT.destroy();
  }
}
