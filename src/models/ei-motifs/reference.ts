/**
 * Float64 CPU reference for excitatory–inhibitory networks with pairwise connectivity motifs
 * (Shao, Dahmen, Recanatesi, Shea-Brown & Ostojic, arXiv:2411.06802; shared/papers/SEEDS.md §3).
 *
 * Generative model (SEEDS §3.2): neuron k carries an in-factor n_k and an out-factor o_k, standard
 * normal with corr(n_k, o_k) = c_{p(k)}; ξ_ij are standard normals with corr(ξ_ij, ξ_ji) = ρ. Then
 *   J_ij = J0_{pq} + (1/√N)[a_{pq} ξ_ij + b_{pq} n_i + d_{pq} o_j],   p = p(i), q = q(j),
 * so for one population with a = g√(1−τcon−τdiv), b = g√τcon, d = g√τdiv:
 * σ² = g²/N, τ^con = Cov(J_ij,J_ik)/σ², τ^div = Cov(J_ij,J_kj)/σ², τ^chn = c√(τcon τdiv) = Cov(J_ij,J_jk)/σ²,
 * τ^rec = (1−τcon−τdiv)ρ + 2τ^chn.
 *
 * Also here: the reduced (1+2P)×(1+2P) matrix K whose eigenvalues predict the outliers (§3.3), the
 * one-population outlier equation λ² − λ₀λ − N g² τ^chn = 0, the bulk radius, and the population
 * response to extra input into I with its low-rank (Woodbury) prediction (§3.4).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { normal4FromBits, philox4x32_10 } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';

/** Philox counter word 3 of the connectivity draws. */
export const MOTIF_RNG_TAG = 0x4d6f; // 'Mo'

/** A complex number (im = 0 for real values). */
export interface ComplexValue {
  re: number;
  im: number;
}

/**
 * A network with P ≤ 2 populations: neurons [0, sizes[0]) are population 0 (E), the rest population 1 (I).
 * Block matrices are indexed [post p][pre q].
 */
export interface MotifNetwork {
  /** Neurons per population. */
  sizes: number[];
  /** Mean of every entry in block (p, q). */
  j0: number[][];
  /** Loading of the i.i.d. bulk ξ_ij in block (p, q). */
  a: number[][];
  /** Loading of the postsynaptic in-factor n_i in block (p, q) (convergent motifs). */
  b: number[][];
  /** Loading of the presynaptic out-factor o_j in block (p, q) (divergent motifs). */
  d: number[][];
  /** corr(n_k, o_k) for neurons of population p (chain motifs). */
  corr: number[];
  /** corr(ξ_ij, ξ_ji) of the bulk (reciprocal motifs beyond those chains induce). Default 0. */
  rho?: number;
}

/** Motif statistics of a one-population network. */
export interface OnePopulationMotifs {
  N: number;
  /** Scale: Var(J_ij) = g²/N. */
  g: number;
  /** Mean of every entry; λ₀ = N·J0. */
  J0: number;
  tauCon: number;
  tauDiv: number;
  tauChain: number;
  /** Bulk reciprocal correlation ρ (τ^rec = (1 − τcon − τdiv)ρ + 2τ^chn). Default 0. */
  rho?: number;
}

/** Total neurons. */
export function networkSize(net: MotifNetwork): number {
  return net.sizes.reduce((s, x) => s + x, 0);
}

/** Population of neuron i. */
export function populationOf(net: MotifNetwork, i: number): number {
  return i < net.sizes[0]! ? 0 : 1;
}

/**
 * Loadings of a one-population network with the given motif statistics; throws a RangeError when
 * they are not admissible (τcon, τdiv ≥ 0, τcon + τdiv ≤ 1, |τchn| ≤ √(τcon τdiv), |ρ| ≤ 1).
 */
export function onePopulationNetwork(m: OnePopulationMotifs): MotifNetwork {
  const { N, g, J0, tauCon, tauDiv, tauChain } = m;
  const rho = m.rho ?? 0;
  if (!(tauCon >= 0 && tauDiv >= 0 && tauCon + tauDiv <= 1)) {
    throw new RangeError(`motifs need tauCon, tauDiv ≥ 0 and tauCon + tauDiv ≤ 1, got ${tauCon}, ${tauDiv}`);
  }
  const bound = Math.sqrt(tauCon * tauDiv);
  if (Math.abs(tauChain) > bound + 1e-12) {
    throw new RangeError(`|tauChain| = ${Math.abs(tauChain)} exceeds √(tauCon·tauDiv) = ${bound}`);
  }
  if (!(Math.abs(rho) <= 1)) throw new RangeError(`rho must be in [-1, 1], got ${rho}`);
  return {
    sizes: [N],
    j0: [[J0]],
    a: [[g * Math.sqrt(1 - tauCon - tauDiv)]],
    b: [[g * Math.sqrt(tauCon)]],
    d: [[g * Math.sqrt(tauDiv)]],
    corr: [bound > 0 ? Math.max(-1, Math.min(1, tauChain / bound)) : 0],
    rho,
  };
}

/** Weights (α, β) with ξ_ij = α z_ij + β z_ji: α² + β² = 1 and 2αβ = ρ. */
export function reciprocalMixing(rho: number): { alpha: number; beta: number } {
  const p = Math.sqrt(1 + rho);
  const q = Math.sqrt(1 - rho);
  return { alpha: (p + q) / 2, beta: (p - q) / 2 };
}

/** Raw standard normal z_ij of the bulk, exactly as the GPU generator addresses it. */
function bulkNormal(i: number, j: number, rowBlocks: number, stream: number, key: [number, number], words: Uint32Array, z: Float64Array): number {
  philox4x32_10([i * rowBlocks + (j >> 2), 0, stream, MOTIF_RNG_TAG], key, words);
  normal4FromBits(words, z);
  return z[j & 3]!;
}

/** Per-neuron factors (n_k, o_k) interleaved, as the GPU generator draws them. */
export function motifFactorsReference(net: MotifNetwork, seed: number, stream: number): Float64Array {
  const N = networkSize(net);
  const key = seedToKey(seed);
  const words = new Uint32Array(4);
  const z = new Float64Array(4);
  const out = new Float64Array(2 * N);
  for (let k = 0; k < N; k++) {
    philox4x32_10([k, 1, stream, MOTIF_RNG_TAG], key, words);
    normal4FromBits(words, z);
    const c = net.corr[populationOf(net, k)]!;
    out[2 * k] = z[0]!;
    out[2 * k + 1] = c * z[0]! + Math.sqrt(Math.max(0, 1 - c * c)) * z[1]!;
  }
  return out;
}

/** The connectivity J (row-major N×N, row = postsynaptic) of realization `stream` under `seed`. */
export function motifConnectivityReference(net: MotifNetwork, seed: number, stream: number): { J: Float64Array; factors: Float64Array } {
  const N = networkSize(net);
  const key = seedToKey(seed);
  const rowBlocks = Math.ceil(N / 4);
  const { alpha, beta } = reciprocalMixing(net.rho ?? 0);
  const factors = motifFactorsReference(net, seed, stream);
  const words = new Uint32Array(4);
  const z = new Float64Array(4);
  const J = new Float64Array(N * N);
  const invSqrtN = 1 / Math.sqrt(N);
  for (let i = 0; i < N; i++) {
    const p = populationOf(net, i);
    for (let j = 0; j < N; j++) {
      const q = populationOf(net, j);
      let xi = bulkNormal(i, j, rowBlocks, stream, key, words, z);
      if (beta !== 0 && i !== j) xi = alpha * xi + beta * bulkNormal(j, i, rowBlocks, stream, key, words, z);
      J[i * N + j] = net.j0[p]![q]! + invSqrtN * (net.a[p]![q]! * xi + net.b[p]![q]! * factors[2 * i]! + net.d[p]![q]! * factors[2 * j + 1]!);
    }
  }
  return { J, factors };
}

/** Empirical motif statistics of a one-population J with entry mean J0 (SEEDS §3.2 definitions). */
export interface MotifStatistics {
  variance: number;
  tauCon: number;
  tauDiv: number;
  tauChain: number;
  /** Only when the full matrix was available. */
  tauRec?: number;
}

/**
 * Motif statistics from the sums a GPU can reduce cheaply: row sums r and column sums c of
 * X = J − J0, ΣX and ΣX². Pairs sharing an index are counted without the coinciding terms:
 * Σ_{i; j≠k} X_ij X_ik = Σ r_i² − ΣX² (and likewise for columns); chains use Σ_j c_j r_j, whose
 * O(N²) terms with coinciding indices are negligible against its N³.
 */
export function motifStatisticsFromSums(N: number, rowSums: ArrayLike<number>, colSums: ArrayLike<number>, sum: number, sumSquares: number): MotifStatistics {
  const pairs = N * N;
  const mean = sum / pairs;
  const variance = sumSquares / pairs - mean * mean;
  let rr = 0;
  let cc = 0;
  let cr = 0;
  for (let i = 0; i < N; i++) {
    rr += rowSums[i]! ** 2;
    cc += colSums[i]! ** 2;
    cr += colSums[i]! * rowSums[i]!;
  }
  const triples = N * N * (N - 1);
  // Subtracting the squared mean removes the contribution of a common offset.
  return {
    variance,
    tauCon: ((rr - sumSquares) / triples - mean * mean) / variance,
    tauDiv: ((cc - sumSquares) / triples - mean * mean) / variance,
    tauChain: (cr / (N * N * N) - mean * mean) / variance,
  };
}

/** Motif statistics of a full one-population matrix, including τ^rec. */
export function motifStatistics(J: ArrayLike<number>, N: number, J0: number): MotifStatistics {
  const rows = new Float64Array(N);
  const cols = new Float64Array(N);
  let sum = 0;
  let sq = 0;
  let rec = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const x = J[i * N + j]! - J0;
      rows[i]! += x;
      cols[j]! += x;
      sum += x;
      sq += x * x;
      if (i !== j) rec += x * (J[j * N + i]! - J0);
    }
  }
  const stats = motifStatisticsFromSums(N, rows, cols, sum, sq);
  const mean = sum / (N * N);
  return { ...stats, tauRec: (rec / (N * (N - 1)) - mean * mean) / stats.variance };
}

// ------------------------------------------------------------------ predictions

/** Eigenvalues of a small dense real matrix (rows of numbers). */
export function denseEigenvalues(rows: number[][]): ComplexValue[] {
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: false });
  return evd.realEigenvalues.map((re, i) => ({ re, im: evd.imaginaryEigenvalues[i]! }));
}

/**
 * One population (SEEDS §3.3): the outliers solve λ² − λ₀λ − N g² τ^chn = 0 with λ₀ = N·J0, i.e.
 * λ± = [λ₀ ± √(λ₀² + 4N g² τ^chn)]/2 (a complex pair when the discriminant is negative).
 */
export function onePopulationOutliers(N: number, J0: number, g: number, tauChain: number): ComplexValue[] {
  const lambda0 = N * J0;
  const disc = lambda0 * lambda0 + 4 * N * g * g * tauChain;
  if (disc >= 0) {
    const r = Math.sqrt(disc);
    return [{ re: (lambda0 + r) / 2, im: 0 }, { re: (lambda0 - r) / 2, im: 0 }];
  }
  const r = Math.sqrt(-disc);
  return [{ re: lambda0 / 2, im: r / 2 }, { re: lambda0 / 2, im: -r / 2 }];
}

/** Columns of U and V (structured part L = U Vᵀ), as index ranges: 0 = u/v, 1..P = n^(q) / e_q, P+1..2P = e_p / o^(p). */
function reducedSize(net: MotifNetwork): number {
  return 1 + 2 * net.sizes.length;
}

/** Per-neuron value of the unit-rank mean: J0 = u vᵀ with u = 1 needs J0 to depend on the presynaptic population only. */
function meanVector(net: MotifNetwork): number[] {
  const P = net.sizes.length;
  const v: number[] = [];
  for (let q = 0; q < P; q++) {
    for (let p = 1; p < P; p++) {
      if (Math.abs(net.j0[p]![q]! - net.j0[0]![q]!) > 1e-12 * Math.abs(net.j0[0]![q]!)) {
        throw new RangeError('the reduced matrix K assumes a unit-rank mean J0 = 1 vᵀ (J0 depends on the presynaptic population only)');
      }
    }
    v.push(net.j0[0]![q]!);
  }
  return v;
}

/**
 * The reduced matrix K = VᵀU (SEEDS §3.3) with the random inner products replaced by their
 * expectations; its non-zero eigenvalues predict the outliers of J.
 */
export function reducedMatrixExpected(net: MotifNetwork): number[][] {
  const P = net.sizes.length;
  const N = networkSize(net);
  const sq = Math.sqrt(N);
  const v = meanVector(net);
  const size = reducedSize(net);
  const K = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  K[0]![0] = net.sizes.reduce((s, Nq, q) => s + Nq * v[q]!, 0);
  for (let p = 0; p < P; p++) K[0]![1 + P + p] = net.sizes[p]! * v[p]!;
  for (let q = 0; q < P; q++) {
    K[1 + q]![0] = net.sizes[q]! / sq;
    K[1 + q]![1 + P + q] = net.sizes[q]! / sq;
  }
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < P; q++) {
      let s = 0;
      for (let r = 0; r < P; r++) s += net.sizes[r]! * net.d[p]![r]! * net.b[r]![q]! * net.corr[r]!;
      K[1 + P + p]![1 + q] = s / sq;
    }
  }
  return K;
}

/**
 * Columns of U and V of the structured part L = U Vᵀ of one realization (factors interleaved n_k, o_k):
 * U = [u = 1, n^(q) (q < P), e_p (p < P)], V = [v, e_q/√N, o^(p)/√N], with n^(q)_i = b_{p(i)q} n_i,
 * o^(p)_j = d_{p q(j)} o_j and e_p the indicator of population p.
 */
export function structuredFactors(net: MotifNetwork, factors: ArrayLike<number>): { U: Float64Array[]; V: Float64Array[] } {
  const P = net.sizes.length;
  const N = networkSize(net);
  const sq = Math.sqrt(N);
  const v = meanVector(net);
  const U: Float64Array[] = [];
  const V: Float64Array[] = [];
  U.push(new Float64Array(N).fill(1));
  for (let q = 0; q < P; q++) U.push(Float64Array.from({ length: N }, (_, i) => net.b[populationOf(net, i)]![q]! * factors[2 * i]!));
  for (let p = 0; p < P; p++) U.push(Float64Array.from({ length: N }, (_, i) => (populationOf(net, i) === p ? 1 : 0)));
  V.push(Float64Array.from({ length: N }, (_, j) => v[populationOf(net, j)]!));
  for (let q = 0; q < P; q++) V.push(Float64Array.from({ length: N }, (_, j) => (populationOf(net, j) === q ? 1 / sq : 0)));
  for (let p = 0; p < P; p++) V.push(Float64Array.from({ length: N }, (_, j) => (net.d[p]![populationOf(net, j)]! * factors[2 * j + 1]!) / sq));
  return { U, V };
}

function dotF(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/**
 * The same K = VᵀU with the inner products of one realization's factors (interleaved n_k, o_k):
 * its non-zero eigenvalues are exactly those of the structured part of that realization.
 */
export function reducedMatrixRealized(net: MotifNetwork, factors: ArrayLike<number>): number[][] {
  const { U, V } = structuredFactors(net, factors);
  return V.map((vr) => U.map((uc) => dotF(vr, uc)));
}

/**
 * The low-rank response prediction of `lowRankResponse` with one realization's inner products
 * (exact for J = L, i.e. without the bulk).
 */
export function lowRankResponseRealized(net: MotifNetwork, factors: ArrayLike<number>): { rEI: number; rII: number } {
  if (net.sizes.length !== 2) throw new RangeError('lowRankResponseRealized needs two populations');
  const { U, V } = structuredFactors(net, factors);
  const K = V.map((vr) => U.map((uc) => dotF(vr, uc)));
  const P = net.sizes.length;
  const eI = U[1 + P + 1]!;
  const eE = U[1 + P]!;
  const vte = V.map((vr) => dotF(vr, eI));
  const z = solveDense(K.map((row, r) => row.map((x, c) => (r === c ? 1 : 0) - x)), vte);
  const response = (e: Float64Array, pop: number): number => {
    let s = 0;
    U.forEach((uc, c) => {
      s += dotF(e, uc) * z[c]!;
    });
    return (pop === 1 ? 1 : 0) + s / net.sizes[pop]!;
  };
  return { rEI: response(eE, 0), rII: response(eI, 1) };
}

/**
 * Radius of the bulk: the i.i.d. part has variance a²_{pq}/N in block (p, q), so its spectrum fills
 * a disc of radius √(largest eigenvalue of [a²_{pq} N_q/N]) (Rajan & Abbott 2006, for blocks); for
 * one population it is g√(1 − τcon − τdiv). With ρ ≠ 0 this is the disc's ellipse mean semi-axis.
 */
export function bulkRadius(net: MotifNetwork): number {
  const P = net.sizes.length;
  const N = networkSize(net);
  const rows = Array.from({ length: P }, (_, p) => Array.from({ length: P }, (_, q) => (net.a[p]![q]! ** 2 * net.sizes[q]!) / N));
  const ev = denseEigenvalues(rows);
  return Math.sqrt(Math.max(...ev.map((e) => Math.hypot(e.re, e.im))));
}

/** The eigenvalues of K that lie outside the disc of radius `radius` (the visible outliers). */
export function outliersOutside(values: ComplexValue[], radius: number): ComplexValue[] {
  return values.filter((z) => Math.hypot(z.re, z.im) > radius).sort((x, y) => y.re - x.re || y.im - x.im);
}

/**
 * Mean-field response of population P to extra input into I, [(I − W)⁻¹]_{P,I}, with the
 * population coupling W_pq = N_q·J0_pq (no motifs). For two populations R_II ∝ (1 − w_EE)/det(I − W),
 * so a stable network is paradoxical iff w_EE > 1.
 */
export function meanFieldResponse(net: MotifNetwork): { rEI: number; rII: number } {
  const W = net.j0.map((row) => row.map((x, q) => x * net.sizes[q]!));
  if (W.length !== 2) throw new RangeError('meanFieldResponse needs two populations');
  const a = 1 - W[0]![0]!;
  const b = -W[0]![1]!;
  const c = -W[1]![0]!;
  const d = 1 - W[1]![1]!;
  const det = a * d - b * c;
  return { rEI: -b / det, rII: a / det };
}

/** Solve a small dense system A x = y (Gaussian elimination with partial pivoting). */
function solveDense(A: number[][], y: number[]): number[] {
  const n = y.length;
  const m = A.map((row, i) => [...row, y[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * Low-rank prediction of the responses to extra input into I (SEEDS §3.4): Woodbury gives
 * (I − UVᵀ)⁻¹ = I + U(I − K)⁻¹Vᵀ, so with expected inner products
 * R_PI = δ_PI + (1/N_P) e_Pᵀ U (I − K)⁻¹ Vᵀ e_I.
 */
export function lowRankResponse(net: MotifNetwork): { rEI: number; rII: number } {
  const P = net.sizes.length;
  if (P !== 2) throw new RangeError('lowRankResponse needs two populations');
  const N = networkSize(net);
  const sq = Math.sqrt(N);
  const v = meanVector(net);
  const K = reducedMatrixExpected(net);
  const size = K.length;
  const IminusK = K.map((row, r) => row.map((x, c) => (r === c ? 1 : 0) - x));
  const NI = net.sizes[1]!;
  // Vᵀe_I: v·e_I = N_I v_I; (e_q/√N)·e_I = δ_qI N_I/√N; (o^(p)/√N)·e_I → 0.
  const vte = new Array<number>(size).fill(0);
  vte[0] = NI * v[1]!;
  vte[1 + 1] = NI / sq;
  const z = solveDense(IminusK, vte);
  // e_Pᵀ U: u → N_P, n^(q) → 0, e_p → δ N_P.
  const response = (pop: number): number => {
    const Np = net.sizes[pop]!;
    return (pop === 1 ? 1 : 0) + (Np * z[0]! + Np * z[1 + P + pop]!) / Np;
  };
  return { rEI: response(0), rII: response(1) };
}
