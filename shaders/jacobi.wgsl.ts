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
 * `jacobiPrivateWGSL` keeps that invocation's matrices in private memory, and `jacobiSlotsWGSL`
 * (generated per even order) runs the parallel round-robin order with every index a constant.
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

/** Entry point of the one-invocation-per-matrix kernels, up to `b` (this invocation's matrix) and `n`. */
const perMatrixEntry = /* wgsl */ `@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (b >= params.batch) { return; }
  let n = params.n;`;

/** One invocation per matrix: cyclic-by-row Jacobi without barriers (same bindings as `jacobiWGSL`). */
export function jacobiSerialWGSL(): string {
  return /* wgsl */ `
${jacobiHeader()}

${perMatrixEntry}
  let nn = n * n;
  let src = b * nn;
  let wa = b * 2u * nn;
  let wv = wa + nn;
${serialJacobiBody('work')}}
`;
}

/** Declarations of the private-memory variants: as `jacobiHeader` without the scratch binding (`sweeps` is binding 4). */
function privateHeader(maxN: number): string {
  return /* wgsl */ `${WGSL_LINEAR_INDEX}
${jacobiParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and stopping rule (n ≤ ${maxN})
@group(0) @binding(1) var<storage, read> a: array<f32>;             // symmetric inputs [batch, n, n]
@group(0) @binding(2) var<storage, read_write> values: array<f32>;  // eigenvalues [batch, n], descending
@group(0) @binding(3) var<storage, read_write> vectors: array<f32>; // eigenvectors [batch, n, n], column j ↔ values[j]
@group(0) @binding(4) var<storage, read_write> sweeps: array<u32>;  // sweeps used per matrix (max_sweeps + 1: not converged)
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
  return /* wgsl */ `${privateHeader(maxN)}
var<private> pw: array<f32, ${2 * maxN * maxN}>;  // working A at 0, accumulated V at n², both n × n row-major

${jacobiFunctionsWGSL('pw')}

${perMatrixEntry}
  let nn = n * n;
  let src = b * nn;
  let wa = 0u;
  let wv = nn;
${serialJacobiBody('pw')}}
`;
}

/** Largest order the fixed-slot variant accepts (its A and V fill WGSL's 8 KiB of private memory). */
export const JACOBI_SLOTS_MAX_N = 32;

/**
 * The round-robin tournament as a fixed permutation of slots: pairs are always the slots
 * (2k, 2k + 1); after each step the player in slot i moves to slot `next[i]`. Player 0 stays in
 * slot 0 and the others walk a ring (the "circle method" of round-robin scheduling), so in `m − 1`
 * steps every pair of players meets exactly once and every player is back in its own slot.
 */
export function jacobiSlotSchedule(m: number): number[] {
  if (!Number.isInteger(m) || m < 2 || m % 2 !== 0) throw new Error(`jacobiSlotSchedule: m must be even and ≥ 2, got ${m}`);
  const h = m / 2;
  // Ring position r (0 … m − 2) → slot: ring 0 faces the fixed player in slot 1, ring k faces ring m − 1 − k.
  const slotOfRing = new Array<number>(m - 1);
  slotOfRing[0] = 1;
  for (let k = 1; k < h; k++) {
    slotOfRing[k] = 2 * k;
    slotOfRing[m - 1 - k] = 2 * k + 1;
  }
  const next = new Array<number>(m);
  next[0] = 0;
  for (let r = 0; r < m - 1; r++) next[slotOfRing[r]!] = slotOfRing[(r + 1) % (m - 1)]!;
  return next;
}

/**
 * Cycles of a permutation of `size` cells given as `to(cell)`, fixed points left out: moving every
 * cell's content to `to(cell)` in place takes one temporary per cycle.
 */
function permutationCycles(size: number, to: (cell: number) => number): number[][] {
  const seen = new Uint8Array(size);
  const cycles: number[][] = [];
  for (let start = 0; start < size; start++) {
    if (seen[start]) continue;
    const cycle: number[] = [];
    for (let c = start; !seen[c]; c = to(c)) {
      seen[c] = 1;
      cycle.push(c);
    }
    if (cycle.length > 1) cycles.push(cycle);
  }
  return cycles;
}

/** In-place moves of `arr[cell] → arr[to(cell)]` along each cycle (walked backwards, one temporary). */
function emitPermutation(arr: string, cycles: number[][]): string[] {
  const lines: string[] = [];
  for (const cycle of cycles) {
    // content of cycle[i] goes to cycle[i + 1]; save the last, shift backwards, drop it into the first.
    const last = cycle[cycle.length - 1]!;
    lines.push(`    { let keep = ${arr}[${last}];`);
    for (let i = cycle.length - 1; i > 0; i--) lines.push(`      ${arr}[${cycle[i]!}] = ${arr}[${cycle[i - 1]!}];`);
    lines.push(`      ${arr}[${cycle[0]!}] = keep; }`);
  }
  return lines;
}

/**
 * One invocation per matrix, like `jacobiPrivateWGSL`, generated for one even order `m` (n = m or
 * m − 1, or any smaller n: rows and columns n … m − 1 are zero padding, which every rotation
 * leaves exactly zero since its a_pq = 0 gives c = 1, s = 0). The parallel round-robin order of
 * `jacobiWGSL` (Brent & Luk 1985) is realised by moving the data rather than the indices: each
 * step rotates the fixed slot pairs (2k, 2k + 1) and then permutes rows and columns by
 * `jacobiSlotSchedule` (A ← PᵀAP, V ← VP). Every private-array index is therefore a constant.
 * Why: SwiftShader runs four invocations as SIMD lanes and turns a dynamically indexed private or
 * storage access into a per-lane gather/scatter, while a constant index into the lane-interleaved
 * private array is one vector load or store; the kernel is all constant-index loads, stores and
 * FMAs. Only the upper triangle of A is stored (entry (i, j), i ≤ j, at i·m + j). Bindings as
 * `jacobiPrivateWGSL`.
 */
export function jacobiSlotsWGSL(m: number): string {
  if (!Number.isInteger(m) || m < 2 || m % 2 !== 0 || m > JACOBI_SLOTS_MAX_N) {
    throw new Error(`jacobiSlotsWGSL: m must be even, 2–${JACOBI_SLOTS_MAX_N}, got ${m}`);
  }
  const h = m / 2;
  const next = jacobiSlotSchedule(m);
  const up = (i: number, j: number): number => (i <= j ? i * m + j : j * m + i);
  const A = (i: number, j: number): string => `pa[${up(i, j)}]`;
  const V = (i: number, j: number): string => `pv[${i * m + j}]`;
  const step: string[] = [];
  // Angles of all pairs from the A before the step (the pairs are disjoint, so this is one parallel step).
  for (let k = 0; k < h; k++) {
    step.push(`    let r${k} = jacobi_pair(${A(2 * k, 2 * k)}, ${A(2 * k + 1, 2 * k + 1)}, ${A(2 * k, 2 * k + 1)});`,
      `    let c${k} = r${k}.x; let s${k} = r${k}.y;`);
  }
  // A ← JᵀAJ block by block: block (I, J) of rows 2I, 2I + 1 and columns 2J, 2J + 1 needs only its
  // own old entries and the rotations of pairs I (rows) and J (columns).
  for (let I = 0; I < h; I++) {
    const p = 2 * I;
    const q = p + 1;
    // Diagonal block: a_pq is annihilated; the diagonal moves by t·a_pq (Golub & Van Loan 8.5.1).
    step.push(`    ${A(p, p)} -= r${I}.z * ${A(p, q)}; ${A(q, q)} += r${I}.z * ${A(p, q)}; ${A(p, q)} = 0.0;`);
    for (let J = I + 1; J < h; J++) {
      const x = 2 * J;
      const y = x + 1;
      step.push(`    { let b = rotate_block(r${I}.xy, r${J}.xy, vec4f(${A(p, x)}, ${A(p, y)}, ${A(q, x)}, ${A(q, y)}));`,
        `      ${A(p, x)} = b.x; ${A(p, y)} = b.y; ${A(q, x)} = b.z; ${A(q, y)} = b.w; }`);
    }
  }
  // V ← V·J: columns 2J, 2J + 1 of every row.
  for (let J = 0; J < h; J++) {
    for (let i = 0; i < m; i++) {
      const [x, y] = [V(i, 2 * J), V(i, 2 * J + 1)];
      step.push(`    { let x = ${x}; let y = ${y}; ${x} = c${J} * x - s${J} * y; ${y} = s${J} * x + c${J} * y; }`);
    }
  }
  // Move players to their next slots: A ← PᵀAP on the upper triangle, V ← VP.
  const upperCells = m * m;
  const aCycles = permutationCycles(upperCells, (cell) => {
    const i = Math.floor(cell / m);
    const j = cell % m;
    return i <= j ? up(next[i]!, next[j]!) : cell;
  });
  const vCycles = permutationCycles(m * m, (cell) => Math.floor(cell / m) * m + next[cell % m]!);
  step.push(...emitPermutation('pa', aCycles), ...emitPermutation('pv', vCycles));
  const offTerms: string[] = [];
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) offTerms.push(`${A(i, j)} * ${A(i, j)}`);
  const offLines: string[] = [];
  for (let i = 0; i < offTerms.length; i += 8) offLines.push(`    off2 += ${offTerms.slice(i, i + 8).join(' + ')};`);

  return /* wgsl */ `${privateHeader(m)}
var<private> pa: array<f32, ${m * m}>;  // working A, ${m} × ${m} zero-padded, upper triangle (i ≤ j) at i·${m} + j
var<private> pv: array<f32, ${m * m}>;  // accumulated rotations V, ${m} × ${m} row-major

// (c, s, t) of the rotation that zeroes a_pq (Golub & Van Loan, Alg. 8.5.1, as jacobi_rotation).
// Branch-free (selects), since it is inlined ${h} times per step and every branch is a mask
// juggle on SIMD lanes. a_pq = 0 gives t = 0, hence exactly (1, 0, 0): padding stays untouched.
fn jacobi_pair(app: f32, aqq: f32, apq: f32) -> vec3f {
  let zero = apq == 0.0;
  let tau = (aqq - app) / (2.0 * select(apq, 1.0, zero));
  let big = abs(tau) > 1e15;
  let root = select(abs(tau) + sqrt(1.0 + tau * tau), 1.0, big);
  var t = select(select(-1.0, 1.0, tau >= 0.0) / root, 0.5 / tau, big);
  t = select(t, 0.0, zero);
  let c = 1.0 / sqrt(1.0 + t * t);
  return vec3f(c, t * c, t);
}

// (x, y) ← (c x − s y, s x + c y).
fn rotate_pair(cs: vec2f, x: f32, y: f32) -> vec2f {
  return vec2f(cs.x * x - cs.y * y, cs.y * x + cs.x * y);
}

// Rows (p, q) by the rotation rows, then columns (x, y) by cols, of the block (a_px, a_py, a_qx, a_qy).
fn rotate_block(rows: vec2f, cols: vec2f, blk: vec4f) -> vec4f {
  let left_x = rotate_pair(rows, blk.x, blk.z);  // column x: (a_px, a_qx)
  let left_y = rotate_pair(rows, blk.y, blk.w);  // column y: (a_py, a_qy)
  let top = rotate_pair(cols, left_x.x, left_y.x);
  let bottom = rotate_pair(cols, left_x.y, left_y.y);
  return vec4f(top.x, top.y, bottom.x, bottom.y);
}

${perMatrixEntry}
  let src = b * n * n;
  var fro2 = 0.0;
  for (var i = 0u; i < n; i++) {
    pv[i * ${m + 1}u] = 1.0;
    for (var j = i; j < n; j++) {
      let x = a[src + i * n + j];
      pa[i * ${m}u + j] = x;
      fro2 += select(2.0, 1.0, i == j) * x * x;
    }
  }
  for (var i = n; i < ${m}u; i++) { pv[i * ${m + 1}u] = 1.0; }
  var used = params.max_sweeps + 1u;
  for (var sweep = 0u; sweep <= params.max_sweeps; sweep++) {
    var off2 = 0.0;
${offLines.join('\n')}
    if (2.0 * off2 <= params.tol * params.tol * fro2) { used = sweep; break; }
    if (sweep == params.max_sweeps) { break; }
    // After m − 1 steps every player is back in its own slot.
    for (var s = 0u; s < ${m - 1}u; s++) {
${step.join('\n')}
    }
  }
  // Descending order; ties broken by index so the ranks form a permutation.
  for (var i = 0u; i < n; i++) {
    let di = pa[i * ${m + 1}u];
    var pos = 0u;
    for (var j = 0u; j < n; j++) {
      let dj = pa[j * ${m + 1}u];
      if (dj > di || (dj == di && j < i)) { pos++; }
    }
    values[b * n + pos] = di;
    for (var row = 0u; row < n; row++) { vectors[src + row * n + pos] = pv[row * ${m}u + i]; }
  }
  sweeps[b] = used;
}
`;
}
