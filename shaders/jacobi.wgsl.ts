/**
 * Batched cyclic Jacobi eigen-decomposition of many small symmetric matrices: one workgroup per
 * matrix. Each sweep visits every pair (p, q) once in the round-robin ("chess tournament") order,
 * whose n/2 disjoint pairs per step are rotated in parallel (Brent & Luk, "The solution of
 * singular-value and symmetric eigenvalue problems on multiprocessor arrays", SIAM J. Sci. Stat.
 * Comput. 6, 1985). The rotation that zeroes a_pq is the symmetric Schur decomposition of
 * Golub & Van Loan, Matrix Computations, Alg. 8.5.1 (sym.schur2). Sweeps stop when the
 * off-diagonal Frobenius norm is at most tol·‖A‖_F. Eigenvalues are written in descending
 * order with eigenvectors as the matching columns of V (A = V·diag(λ)·Vᵀ). The rotation, its
 * application and the descending sort are shared by both variants (`shaders/common/jacobi.wgsl.ts`).
 *
 * The working copy of A and the accumulated V live in a storage scratch buffer (a 64 × 64 pair
 * would not fit the 16 KiB of workgroup memory WebGPU guarantees).
 *
 * `jacobiSerialWGSL` is the one-invocation-per-matrix variant (classical cyclic row-by-row order,
 * Golub & Van Loan Alg. 8.5.3, the same as the CPU reference): no barriers at all, which wins for
 * small n and on CPU implementations of WebGPU, where a workgroup barrier costs a context switch.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { jacobiCommonWGSL, jacobiFunctionsWGSL } from './common/jacobi.wgsl.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Largest matrix order the kernel accepts (n/2 rotation pairs per step in workgroup memory). */
export const JACOBI_MAX_N = 256;

export const jacobiParams = uniformLayout({
  n: 'u32', // matrix order
  batch: 'u32', // number of matrices
  max_sweeps: 'u32', // cap on sweeps
  tol: 'f32', // stop when ‖offdiag(A)‖_F ≤ tol·‖A‖_F
});

/** Declarations common to both variants: parameters, bindings and the shared Jacobi functions. */
function jacobiHeader(): string {
  return /* wgsl */ `${WGSL_LINEAR_INDEX}
${jacobiParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and stopping rule
@group(0) @binding(1) var<storage, read> a: array<f32>;             // symmetric inputs [batch, n, n]
@group(0) @binding(2) var<storage, read_write> values: array<f32>;  // eigenvalues [batch, n], descending
@group(0) @binding(3) var<storage, read_write> vectors: array<f32>; // eigenvectors [batch, n, n], column j ↔ values[j]
@group(0) @binding(4) var<storage, read_write> work: array<f32>;    // scratch [batch, 2, n, n]: working A, then V
@group(0) @binding(5) var<storage, read_write> sweeps: array<u32>;  // sweeps used per matrix (max_sweeps + 1: not converged)

${jacobiCommonWGSL}`;
}

export function jacobiWGSL(): string {
  return /* wgsl */ `
${jacobiHeader()}

var<workgroup> rot: array<vec2f, ${JACOBI_MAX_N / 2}>;   // (c, s) of each pair of the current step
var<workgroup> red: array<f32, WG_SIZE>;                  // reduction scratch
var<workgroup> stop: u32;                                 // 1 once converged (read uniformly)
var<workgroup> rank: array<u32, ${JACOBI_MAX_N}>;        // sorted position of each eigenvalue

// Make every invocation's writes to work (storage) and rot (workgroup) visible to all.
fn sync() {
  storageBarrier();
  workgroupBarrier();
}

// Pair k of round-robin step r over m (even) players; the player m - 1 is a dummy when n is odd.
fn pair_of(r: u32, k: u32, m: u32) -> vec2u {
  var p: u32;
  var q: u32;
  if (k == 0u) {
    p = r; q = m - 1u;
  } else {
    p = (r + k) % (m - 1u);
    q = (r + m - 1u - k) % (m - 1u);
  }
  return vec2u(min(p, q), max(p, q));
}

// Sum over the workgroup of each invocation's value; every invocation gets the total.
fn workgroup_sum(x: f32, lid: u32) -> f32 {
  red[lid] = x;
${workgroupReduceWGSL({ size: 'WG_SIZE', combine: (into, from) => `red[${into}] += red[${from}];` })}
  let total = red[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = wg_linear_index(wid, nwg);
  if (b >= params.batch) { return; }  // uniform: the whole workgroup leaves together
  let n = params.n;
  let nn = n * n;
  let src = b * nn;        // this matrix in a
  let wa = b * 2u * nn;    // working copy of A in work
  let wv = wa + nn;        // accumulated rotations V in work
  let m = n + (n & 1u);    // players in the round robin
  let half = m / 2u;

  var fro = 0.0;
  for (var e = lid; e < nn; e += WG_SIZE) {
    let x = a[src + e];
    work[wa + e] = x;
    work[wv + e] = select(0.0, 1.0, e / n == e % n);
    fro += x * x;
  }
  let fro2 = workgroup_sum(fro, lid);
  storageBarrier();

  var used = params.max_sweeps + 1u;
  for (var sweep = 0u; sweep <= params.max_sweeps; sweep++) {
    var off = 0.0;
    for (var e = lid; e < nn; e += WG_SIZE) {
      if (e / n != e % n) { let x = work[wa + e]; off += x * x; }
    }
    let off2 = workgroup_sum(off, lid);
    if (lid == 0u) { stop = select(0u, 1u, off2 <= params.tol * params.tol * fro2); }
    if (workgroupUniformLoad(&stop) == 1u) { used = sweep; break; }
    if (sweep == params.max_sweeps) { break; }

    for (var r = 0u; r + 1u < m; r++) {
      // Rotation angles of this step's disjoint pairs, from the current A.
      for (var k = lid; k < half; k += WG_SIZE) {
        let pq = pair_of(r, k, m);
        var cs = vec2f(1.0, 0.0);
        if (pq.y < n) { cs = jacobi_rotation(wa, n, pq.x, pq.y); }
        rot[k] = cs;
      }
      sync();
      // A ← A·J and V ← V·J: columns p and q of every row.
      for (var e = lid; e < n * half; e += WG_SIZE) {
        let i = e / half;
        let k = e % half;
        let pq = pair_of(r, k, m);
        if (pq.y < n) {
          jacobi_rotate(rot[k], wa + i * n + pq.x, wa + i * n + pq.y);
          jacobi_rotate(rot[k], wv + i * n + pq.x, wv + i * n + pq.y);
        }
      }
      sync();
      // A ← Jᵀ·A: rows p and q of every column.
      for (var e = lid; e < n * half; e += WG_SIZE) {
        let k = e / n;
        let j = e % n;
        let pq = pair_of(r, k, m);
        if (pq.y < n) { jacobi_rotate(rot[k], wa + pq.x * n + j, wa + pq.y * n + j); }
      }
      sync();
    }
  }

  // Descending order; ties broken by index so the ranks form a permutation.
  for (var i = lid; i < n; i += WG_SIZE) {
    let pos = jacobi_descending_rank(wa, n, i);
    rank[i] = pos;
    values[b * n + pos] = work[wa + i * n + i];
  }
  workgroupBarrier();
  for (var e = lid; e < nn; e += WG_SIZE) {
    let row = e / n;
    let col = e % n;
    vectors[src + row * n + rank[col]] = work[wv + e];
  }
  if (lid == 0u) { sweeps[b] = used; }
}
`;
}

/**
 * The body of the one-matrix-per-invocation cyclic Jacobi kernels after `b`, `n`, `nn`, `src`, `wa`
 * and `wv` are set: copy A in and V = I into `m` (at `wa` and `wv`), sweep until the off-diagonal
 * mass is below tol·‖A‖_F, then write values in descending order with their vectors. `m` is the
 * working array (the storage scratch or the private copy); `jacobiFunctionsWGSL(m)` must be present.
 */
function serialJacobiBody(m: string): string {
  return /* wgsl */ `  var fro2 = 0.0;
  for (var e = 0u; e < nn; e++) {
    let x = a[src + e];
    ${m}[wa + e] = x;
    ${m}[wv + e] = select(0.0, 1.0, e / n == e % n);
    fro2 += x * x;
  }
  var used = params.max_sweeps + 1u;
  for (var sweep = 0u; sweep <= params.max_sweeps; sweep++) {
    var off2 = 0.0;
    for (var i = 0u; i < n; i++) {
      for (var j = 0u; j < n; j++) {
        if (i != j) { let x = ${m}[wa + i * n + j]; off2 += x * x; }
      }
    }
    if (off2 <= params.tol * params.tol * fro2) { used = sweep; break; }
    if (sweep == params.max_sweeps) { break; }
    for (var p = 0u; p + 1u < n; p++) {
      for (var q = p + 1u; q < n; q++) {
        if (${m}[wa + p * n + q] == 0.0) { continue; }
        let cs = jacobi_rotation(wa, n, p, q);
        for (var i = 0u; i < n; i++) {
          jacobi_rotate(cs, wa + i * n + p, wa + i * n + q);
          jacobi_rotate(cs, wv + i * n + p, wv + i * n + q);
        }
        for (var j = 0u; j < n; j++) { jacobi_rotate(cs, wa + p * n + j, wa + q * n + j); }
      }
    }
  }
  // Descending order; ties broken by index so the ranks form a permutation.
  for (var i = 0u; i < n; i++) {
    let pos = jacobi_descending_rank(wa, n, i);
    values[b * n + pos] = ${m}[wa + i * n + i];
    for (var row = 0u; row < n; row++) { vectors[src + row * n + pos] = ${m}[wv + row * n + i]; }
  }
  sweeps[b] = used;
`;
}

/** One invocation per matrix: cyclic-by-row Jacobi without barriers (same bindings as `jacobiWGSL`). */
export function jacobiSerialWGSL(): string {
  return /* wgsl */ `
${jacobiHeader()}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (b >= params.batch) { return; }
  let n = params.n;
  let nn = n * n;
  let src = b * nn;
  let wa = b * 2u * nn;
  let wv = wa + nn;
${serialJacobiBody('work')}}
`;
}

/**
 * Largest order the private-memory variant accepts: its two n × n matrices live in each
 * invocation, and WGSL allows 8192 bytes of private variables per shader (2 · 32² f32).
 */
export const JACOBI_PRIVATE_MAX_N = 32;

/**
 * One invocation per matrix like `jacobiSerialWGSL`, with the working A and V in the invocation's
 * private memory (sized for `maxN`) instead of the storage scratch buffer. Every invocation walks
 * the same (p, q, i) sequence, so on CPU implementations that run invocations as SIMD lanes
 * (SwiftShader) the private arrays are indexed uniformly across lanes, where storage addresses
 * 2n² apart would be gathered lane by lane; on GPUs private arrays this large may spill. Bindings
 * as `jacobiWGSL` without the scratch buffer: `sweeps` is binding 4.
 */
export function jacobiPrivateWGSL(maxN: number): string {
  if (!Number.isInteger(maxN) || maxN < 2 || maxN > JACOBI_PRIVATE_MAX_N) {
    throw new Error(`jacobiPrivateWGSL: maxN must be 2–${JACOBI_PRIVATE_MAX_N}, got ${maxN}`);
  }
  return /* wgsl */ `${WGSL_LINEAR_INDEX}
${jacobiParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and stopping rule (n ≤ ${maxN})
@group(0) @binding(1) var<storage, read> a: array<f32>;             // symmetric inputs [batch, n, n]
@group(0) @binding(2) var<storage, read_write> values: array<f32>;  // eigenvalues [batch, n], descending
@group(0) @binding(3) var<storage, read_write> vectors: array<f32>; // eigenvectors [batch, n, n], column j ↔ values[j]
@group(0) @binding(4) var<storage, read_write> sweeps: array<u32>;  // sweeps used per matrix (max_sweeps + 1: not converged)

var<private> pw: array<f32, ${2 * maxN * maxN}>;  // working A at 0, accumulated V at n², both n × n row-major

${jacobiFunctionsWGSL('pw')}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (b >= params.batch) { return; }
  let n = params.n;
  let nn = n * n;
  let src = b * nn;
  let wa = 0u;
  let wv = nn;
${serialJacobiBody('pw')}}
`;
}
