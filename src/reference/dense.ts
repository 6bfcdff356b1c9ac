/**
 * Small float64 dense kernels on the CPU, shared by the CPU twins, the experiments' theory, the
 * eigensolvers' host-side steps and the test matrices: one triple-loop product and one
 * Gram–Schmidt step, so each is written (and checked) once.
 */

/** Σ a[i]·b[i] over the length of `a`. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm of a vector. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Options of {@link matmulDense}. */
export interface DenseProductOptions {
  /** Read A as stored transposed (k × m row-major). Default false. */
  transA?: boolean;
  /** Read B as stored transposed (n × k row-major). Default false. */
  transB?: boolean;
}

/**
 * C = op(A)·op(B) in float64 for row-major operands: op(A) is m × k and op(B) is k × n (see
 * {@link DenseProductOptions}). Returns a new row-major m × n array.
 */
export function matmulDense(
  a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, o: DenseProductOptions = {},
): Float64Array {
  const c = new Float64Array(m * n);
  // Element strides of op(A) along (row, inner) and of op(B) along (inner, column).
  const [aRow, aInner] = o.transA ? [1, m] : [k, 1];
  const [bInner, bCol] = o.transB ? [1, k] : [n, 1];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * aRow + l * aInner]! * b[l * bInner + j * bCol]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/**
 * One step of Gram–Schmidt: remove from `x` (in place) its components along the orthonormal
 * vectors of `basis`, by modified Gram–Schmidt applied twice ("twice is enough": Giraud, Langou &
 * Rozložník 2005), then normalize it and append it to `basis`.
 *
 * Returns false, leaving `basis` as it was, when what remains of `x` is at most `relTol` times its
 * original norm (x depends on the basis, or is zero). Default `relTol` 0: only an exact zero fails.
 */
export function gramSchmidtAppend(basis: Float64Array[], x: Float64Array, relTol = 0): boolean {
  const before = norm(x);
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = dot(q, x);
      for (let e = 0; e < x.length; e++) x[e]! -= c * q[e]!;
    }
  }
  const after = norm(x);
  if (!(after > relTol * before)) return false;
  for (let e = 0; e < x.length; e++) x[e]! /= after;
  basis.push(x);
  return true;
}
