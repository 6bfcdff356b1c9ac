/**
 * Float64 CPU references of the eigen kernels: cyclic Jacobi for symmetric matrices (the batched
 * GPU kernel's twin, same output convention) and a plain power iteration (the bench's JS peer).
 */

/** Result of `jacobiEigReference` for one matrix. */
export interface SymmetricEig {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row-major n × n; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
  sweeps: number;
}

/**
 * Eigen-decomposition of a symmetric n × n row-major matrix by cyclic Jacobi with row-by-row pair
 * order (Golub & Van Loan, Alg. 8.5.3), in float64, until ‖offdiag‖_F ≤ tol·‖A‖_F (default 1e-14).
 */
export function jacobiEigReference(a: ArrayLike<number>, n: number, tol = 1e-14, maxSweeps = 100): SymmetricEig {
  const A = Float64Array.from({ length: n * n }, (_, e) => a[e]!);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let fro2 = 0;
  for (let e = 0; e < n * n; e++) fro2 += A[e]! * A[e]!;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off2 = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off2 += A[i * n + j]! ** 2;
    if (off2 <= tol * tol * fro2) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const tau = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let i = 0; i < n; i++) {
          const xp = A[i * n + p]!;
          const xq = A[i * n + q]!;
          A[i * n + p] = c * xp - s * xq;
          A[i * n + q] = s * xp + c * xq;
          const vp = V[i * n + p]!;
          const vq = V[i * n + q]!;
          V[i * n + p] = c * vp - s * vq;
          V[i * n + q] = s * vp + c * vq;
        }
        for (let j = 0; j < n; j++) {
          const xp = A[p * n + j]!;
          const xq = A[q * n + j]!;
          A[p * n + j] = c * xp - s * xq;
          A[q * n + j] = s * xp + c * xq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j]! - A[i * n + i]! || i - j);
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let r = 0; r < n; r++) vectors[r * n + dst] = V[r * n + src]!;
  });
  return { values, vectors, sweeps };
}

/** Result of `powerIterationReference`. */
export interface PowerReference {
  value: number;
  vector: Float64Array;
  iterations: number;
  residual: number;
}

/**
 * Plain power iteration on a row-major n × n matrix in float64 (no GPU): x ← A·x/‖A·x‖ until the
 * residual ‖A·x − θ·x‖ ≤ tol·|θ| (θ = xᵀA·x), checked every iteration. Converges only when one real
 * eigenvalue strictly dominates in magnitude.
 */
export function powerIterationReference(a: ArrayLike<number>, n: number, options: { tol?: number; maxIter?: number; seed?: number } = {}): PowerReference {
  const tol = options.tol ?? 1e-6;
  const maxIter = options.maxIter ?? 10_000;
  let s = (options.seed ?? 1) >>> 0;
  let x = Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  });
  const y = new Float64Array(n);
  const normalize = (v: Float64Array): void => {
    let t = 0;
    for (const e of v) t += e * e;
    t = Math.sqrt(t) || 1;
    for (let i = 0; i < n; i++) v[i]! /= t;
  };
  normalize(x);
  let theta = 0;
  let residual = Infinity;
  let it = 0;
  for (; it < maxIter; it++) {
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += a[i * n + j]! * x[j]!;
      y[i] = acc;
    }
    theta = 0;
    for (let i = 0; i < n; i++) theta += x[i]! * y[i]!;
    let r2 = 0;
    for (let i = 0; i < n; i++) r2 += (y[i]! - theta * x[i]!) ** 2;
    residual = Math.sqrt(r2);
    if (residual <= tol * Math.abs(theta)) break;
    x = Float64Array.from(y);
    normalize(x);
  }
  return { value: theta, vector: x, iterations: it + 1, residual };
}
