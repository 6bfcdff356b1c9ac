/**
 * Float64 CPU references of the linalg kernels (tests, CLI checks, small-problem fallback).
 * Matrices are row-major flat arrays; batched arrays hold `batch` matrices back to back.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { compileExpression } from '../expr/index.js';
import { gramSchmidtAppend, matmulDense } from './dense.js';

/** Options of {@link matmulRef}, mirroring `matmul`. */
export interface MatmulRefOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Previous C (needed when beta ≠ 0). */
  c?: ArrayLike<number>;
  /** Matrices in A (1 broadcasts). Default 1. */
  batchA?: number;
  /** Matrices in B (1 broadcasts). Default 1. */
  batchB?: number;
}

/** `alpha · op(A) · op(B) + beta · C` in float64 for op(A) m × k and op(B) k × n (batched). */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  o: MatmulRefOptions = {},
): Float64Array {
  const batchA = o.batchA ?? 1;
  const batchB = o.batchB ?? 1;
  const batch = Math.max(batchA, batchB);
  const alpha = o.alpha ?? 1;
  const beta = o.beta ?? 0;
  const out = new Float64Array(batch * m * n);
  const member = (x: ArrayLike<number>, count: number, t: number, size: number): ArrayLike<number> =>
    count === 1 ? x : Array.prototype.slice.call(x, t * size, (t + 1) * size);
  for (let t = 0; t < batch; t++) {
    const product = matmulDense(member(a, batchA, t, m * k), member(b, batchB, t, k * n), m, k, n, o);
    for (let q = 0; q < m * n; q++) {
      const idx = t * m * n + q;
      out[idx] = alpha * product[q]! + (beta !== 0 ? beta * o.c![idx]! : 0);
    }
  }
  return out;
}

/** `alpha · op(A) · x + beta · y` for A stored rows × cols (op(A) = Aᵀ when `trans`). */
export function gemvRef(
  a: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  o: { trans?: boolean; alpha?: number; beta?: number; y?: ArrayLike<number> } = {},
): Float64Array {
  const alpha = o.alpha ?? 1;
  const beta = o.beta ?? 0;
  const outLen = o.trans ? cols : rows;
  const out = new Float64Array(outLen);
  for (let i = 0; i < outLen; i++) {
    let s = 0;
    if (o.trans) for (let r = 0; r < rows; r++) s += a[r * cols + i]! * x[r]!;
    else for (let c = 0; c < cols; c++) s += a[i * cols + c]! * x[c]!;
    out[i] = alpha * s + (beta !== 0 ? beta * o.y![i]! : 0);
  }
  return out;
}

/** Reduction kinds of {@link reduceRef}. */
export type ReduceRefOp = 'sum' | 'max' | 'min' | 'norm2' | 'sumsq' | 'dot';

/**
 * Reduce a `[outer, len, inner]` array over its middle axis (float64). `dot` needs `other` of the
 * same shape; `norm2` is the Euclidean norm.
 */
export function reduceRef(
  x: ArrayLike<number>,
  outer: number,
  len: number,
  inner: number,
  op: ReduceRefOp,
  other?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
      for (let l = 0; l < len; l++) {
        const idx = (o * len + l) * inner + i;
        const v = x[idx]!;
        if (op === 'max') acc = Math.max(acc, v);
        else if (op === 'min') acc = Math.min(acc, v);
        else if (op === 'dot') acc += v * other![idx]!;
        else if (op === 'norm2' || op === 'sumsq') acc += v * v;
        else acc += v;
      }
      out[o * inner + i] = op === 'norm2' ? Math.sqrt(acc) : acc;
    }
  }
  return out;
}

/** Symmetric matrix function via an eigen-decomposition: V · diag(f(λ)) · Vᵀ (float64, n × n). */
export function symmetricFunctionRef(c: ArrayLike<number>, n: number, f: (lambda: number) => number): Float64Array {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(0.5 * (c[i * n + j]! + c[j * n + i]!));
    rows.push(row);
  }
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const V = eig.eigenvectorMatrix;
  const lambda = eig.realEigenvalues;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += V.get(i, l) * f(lambda[l]!) * V.get(j, l);
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Principal square root of an SPD matrix (eigen-decomposition, float64). */
export function sqrtmRef(c: ArrayLike<number>, n: number): Float64Array {
  return symmetricFunctionRef(c, n, (l) => Math.sqrt(Math.max(l, 0)));
}

/** Inverse principal square root of an SPD matrix (eigen-decomposition, float64). */
export function invSqrtmRef(c: ArrayLike<number>, n: number): Float64Array {
  return symmetricFunctionRef(c, n, (l) => 1 / Math.sqrt(l));
}

/** Eigenvalues of a symmetric matrix, ascending (float64). */
export function symmetricEigenvaluesRef(c: ArrayLike<number>, n: number): number[] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: n }, (_, j) => 0.5 * (c[i * n + j]! + c[j * n + i]!)));
  return [...new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues].sort((x, y) => x - y);
}

/**
 * Gram–Schmidt orthonormalization of the columns of an m × k matrix (float64), the reference for
 * `orthonormalize` (same span of every leading set of columns, positive diagonal of R). A column
 * that depends on the ones before it comes out NaN.
 */
export function orthonormalizeRef(q: ArrayLike<number>, m: number, k: number): Float64Array {
  const columns: Float64Array[] = [];
  const out = new Float64Array(m * k).fill(Number.NaN);
  for (let j = 0; j < k; j++) {
    const column = Float64Array.from({ length: m }, (_, i) => q[i * k + j]!);
    if (!gramSchmidtAppend(columns, column)) continue;
    for (let i = 0; i < m; i++) out[i * k + j] = column[i]!;
  }
  return out;
}

/** Float64 CPU evaluation of the same expression (reference for `mapExpr`). */
export function mapExprRef(expr: string, inputs: Record<string, ArrayLike<number>>, params: Record<string, number> = {}): Float64Array {
  const names = Object.keys(inputs);
  const paramNames = Object.keys(params);
  const compiled = compileExpression(expr, names, paramNames, 'mapExprRef');
  const columns = names.map((name) => inputs[name]!);
  const p = paramNames.map((name) => params[name]!);
  const n = columns.length ? columns[0]!.length : 0;
  const out = new Float64Array(n);
  const v = new Float64Array(names.length);
  for (let i = 0; i < n; i++) {
    columns.forEach((column, k) => (v[k] = column[i]!));
    out[i] = compiled.evaluate(v, p);
  }
  return out;
}

/** Gram matrix G[i, j] = ⟨x_i, x_j⟩ of the `count` rows (each `dim` long) of `x`, in float64. */
export function gramRows(x: ArrayLike<number>, count: number, dim: number): Float64Array {
  const G = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i; j < count; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[i * dim + k]! * x[j * dim + k]!;
      G[i * count + j] = s;
      G[j * count + i] = s;
    }
  }
  return G;
}

/**
 * (tr G)² / tr(G²) of a symmetric n × n matrix: the participation ratio (Σλ)²/Σλ² of its
 * eigenvalues, without computing them; 0 for the zero matrix.
 */
export function traceParticipationRatio(G: ArrayLike<number>, n: number): number {
  let t1 = 0;
  let t2 = 0;
  for (let i = 0; i < n; i++) t1 += G[i * n + i]!;
  for (let i = 0; i < n * n; i++) t2 += G[i]! * G[i]!;
  return t2 > 0 ? (t1 * t1) / t2 : 0;
}
