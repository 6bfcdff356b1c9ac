/**
 * The small dense side of the Krylov solvers, in float64 on the CPU: eigenpairs of the projected
 * matrix (ml-matrix's EigenvalueDecomposition: Householder reduction to Hessenberg form and the
 * shifted real-Schur QR iteration of EISPACK hqr2, via JAMA), selection of the wanted Ritz pairs
 * without splitting complex-conjugate pairs, and orthonormal real bases of Ritz subspaces.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { gramSchmidtAppend, norm } from '../reference/dense.js';

/** Which eigenvalues a solver returns first. */
export type Which = 'LM' | 'LR' | 'SR';

/** One eigenpair of a small real matrix; the vector is vr + i·vi with ‖vr‖² + ‖vi‖² = 1. */
export interface SmallPair {
  re: number;
  im: number;
  vr: Float64Array;
  vi: Float64Array;
}

/** Eigenpairs of the m×m row-major matrix `h` (symmetrized first when `symmetric`). */
export function smallEig(h: Float64Array, m: number, symmetric: boolean): SmallPair[] {
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row = new Array<number>(m);
    for (let j = 0; j < m; j++) row[j] = symmetric ? 0.5 * (h[i * m + j]! + h[j * m + i]!) : h[i * m + j]!;
    rows.push(row);
  }
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: symmetric });
  const re = evd.realEigenvalues;
  const im = evd.imaginaryEigenvalues;
  const V = evd.eigenvectorMatrix;
  const pairs: SmallPair[] = [];
  for (let j = 0; j < m; j++) {
    const vr = new Float64Array(m);
    const vi = new Float64Array(m);
    if (!symmetric && im[j] !== 0) {
      // JAMA stores a complex pair as columns j (real part) and j+1 (imaginary part) for re + i·im, im > 0.
      const sign = im[j]! > 0 ? 1 : -1;
      const cr = im[j]! > 0 ? j : j - 1;
      for (let i = 0; i < m; i++) {
        vr[i] = V.get(i, cr);
        vi[i] = sign * V.get(i, cr + 1);
      }
    } else {
      for (let i = 0; i < m; i++) vr[i] = V.get(i, j);
    }
    let s = 0;
    for (let i = 0; i < m; i++) s += vr[i]! * vr[i]! + vi[i]! * vi[i]!;
    s = Math.sqrt(s) || 1;
    for (let i = 0; i < m; i++) {
      vr[i]! /= s;
      vi[i]! /= s;
    }
    pairs.push({ re: re[j]!, im: symmetric ? 0 : im[j]!, vr, vi });
  }
  return pairs;
}

/** Sort key: larger first. Conjugate pairs tie, so the one with im > 0 goes first. */
function key(which: Which, p: { re: number; im: number }): number {
  if (which === 'LM') return Math.hypot(p.re, p.im);
  if (which === 'LR') return p.re;
  return -p.re;
}

/** Sort eigenvalues by `which` (a copy), keeping each conjugate pair together (im > 0 first). */
export function sortByWhich<T extends { re: number; im: number }>(pairs: readonly T[], which: Which): T[] {
  return [...pairs].sort((a, b) => {
    const d = key(which, b) - key(which, a);
    const scale = Math.max(Math.abs(key(which, a)), Math.abs(key(which, b)), 1e-300);
    if (Math.abs(d) > 1e-12 * scale) return d;
    // Ties: keep conjugates adjacent (group by real part, then larger imaginary part first).
    if (a.re !== b.re) return b.re - a.re;
    return b.im - a.im;
  });
}

/**
 * How many of the sorted pairs to take so that at least `k` are included and no conjugate pair is
 * split (k or k + 1).
 */
export function takeWithoutSplitting(sorted: readonly { im: number }[], k: number): number {
  if (k >= sorted.length) return sorted.length;
  const last = sorted[k - 1]!;
  const next = sorted[k]!;
  return last.im > 0 && next.im < 0 ? k + 1 : k;
}

/**
 * Orthonormal real basis (m × p, row-major) of span{vr_j, vi_j} of the given pairs: one column per
 * real eigenvector, two per conjugate pair (only the member with im > 0 contributes). Modified
 * Gram–Schmidt applied twice; columns that vanish (dependent vectors) are dropped.
 */
export function realBasis(pairs: readonly SmallPair[], m: number): { q: Float64Array; p: number } {
  const cols: Float64Array[] = [];
  for (const pair of pairs) {
    if (pair.im < 0) continue;
    cols.push(Float64Array.from(pair.vr));
    if (pair.im > 0) cols.push(Float64Array.from(pair.vi));
  }
  const kept: Float64Array[] = [];
  for (const c of cols) gramSchmidtAppend(kept, c, 1e-10); // a dependent vector is dropped
  const p = kept.length;
  const q = new Float64Array(m * p);
  kept.forEach((c, j) => {
    for (let i = 0; i < m; i++) q[i * p + j] = c[i]!;
  });
  return { q, p };
}

/** Frobenius norm of an array of numbers. */
export function frobenius(a: ArrayLike<number>): number {
  return norm(a);
}
