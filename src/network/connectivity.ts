/**
 * Connectivity: the fixed-probability generator, and the presynaptic-major synapse lists that spike
 * propagation walks (one list per presynaptic neuron, as GeNN and Brian2CUDA store them), with the
 * weights in the fixed point the accumulators use.
 */
import { seedToKey } from '../core/seed.js';
import { philox4x32_10, uniformFromBits } from '../reference/philox.js';
import { NETWORK_CONNECT_TAG, type ProjectionPlan } from '../reference/network.js';

/** Compressed sparse rows: row i (postsynaptic) holds indices[indptr[i] .. indptr[i+1]) (presynaptic). */
export interface CSR {
  indptr: Uint32Array;
  indices: Uint32Array;
  data: Float64Array;
}

/**
 * Each pair (i, j) is connected with probability p, independently, with weight `weight`. The coin
 * of pair (i, j) is lane j & 3 of the Philox block (i, j >> 2, 0, CONNECT_TAG) under `seed`, so a
 * network is the same on every machine and does not depend on the simulation seed.
 */
export function fixedProbabilityCSR(rows: number, cols: number, p: number, weight: number, seed: number, noAutapses: boolean): CSR {
  const key = seedToKey(seed);
  const words = new Uint32Array(4);
  const indptr = new Uint32Array(rows + 1);
  const indices: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let jb = 0; jb < cols; jb += 4) {
      philox4x32_10([i, jb >> 2, 0, NETWORK_CONNECT_TAG], key, words);
      for (let l = 0; l < 4 && jb + l < cols; l++) {
        const j = jb + l;
        if (noAutapses && i === j) continue;
        if (uniformFromBits(words[l]!) < p) indices.push(j);
      }
    }
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Uint32Array.from(indices), data: new Float64Array(indices.length).fill(weight) };
}

/**
 * The fixed-point scale for accumulators whose one-step sum is bounded by `bound` in absolute
 * value: the largest power of 2 with bound · scale ≤ 2^30 (a factor 2 of headroom below i32 for
 * rounding), at most 2^40.
 */
export function quantizationScale(bound: number): number {
  if (!(bound > 0)) return 1;
  return 2 ** Math.min(40, Math.floor(Math.log2(2 ** 30 / bound)));
}

function quantize(w: number, scale: number): number {
  return Math.round(w * scale);
}

/** Presynaptic-major lists from dense weights [rows = post][cols = pre]; zero weights are left out. */
export function outgoingFromDense(dense: Float64Array, rows: number, cols: number, scale: number): NonNullable<ProjectionPlan['outgoing']> {
  const offsets = new Uint32Array(cols + 1);
  const post: number[] = [];
  const wq: number[] = [];
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      const q = quantize(dense[i * cols + j]!, scale);
      if (q !== 0) {
        post.push(i);
        wq.push(q);
      }
    }
    offsets[j + 1] = post.length;
  }
  return { offsets, post: Uint32Array.from(post), wq: Int32Array.from(wq) };
}

/** Presynaptic-major lists from CSR (a transpose); within one presynaptic neuron, targets ascend. */
export function outgoingFromCSR(csr: CSR, cols: number, scale: number): NonNullable<ProjectionPlan['outgoing']> {
  const rows = csr.indptr.length - 1;
  const counts = new Uint32Array(cols + 1);
  for (const j of csr.indices) counts[j + 1] = counts[j + 1]! + 1;
  for (let j = 0; j < cols; j++) counts[j + 1] = counts[j + 1]! + counts[j]!;
  const offsets = counts.slice();
  const fill = counts.slice(0, cols);
  const post = new Uint32Array(csr.indices.length);
  const wq = new Int32Array(csr.indices.length);
  for (let i = 0; i < rows; i++) {
    for (let e = csr.indptr[i]!; e < csr.indptr[i + 1]!; e++) {
      const j = csr.indices[e]!;
      const at = fill[j]!;
      fill[j] = at + 1;
      post[at] = i;
      wq[at] = quantize(csr.data[e]!, scale);
    }
  }
  return { offsets, post, wq };
}
