/**
 * Building blocks of the Krylov eigensolvers (power, subspace, Arnoldi/Lanczos) for a batch of
 * dense matrices: matrix–vector products, Gram–Schmidt coefficients, projection, normalization and
 * basis recombination. Everything works on a "basis" buffer V of shape [batch, rows, n] whose rows
 * are vectors, so one Arnoldi step is gemv → gram → project → (gram → project) → normalize:
 * classical Gram–Schmidt applied twice (CGS2; Giraud, Langou & Rozložník, "The loss of
 * orthogonality in the Gram–Schmidt orthogonalization process", Comput. Math. Appl. 2005), which
 * keeps the f32 basis orthogonal to working precision.
 *
 * Reductions over n use one workgroup per output value and a tree reduction in workgroup memory
 * (the textbook shared-memory reduction, Harris, "Optimizing parallel reduction in CUDA", 2007).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { uniformLayout } from '../src/core/layout.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Uniforms of `eigGemvWGSL`: Y = A·X − shift·X for `count` vectors of one basis buffer. */
export const eigGemvParams = uniformLayout({
  n: 'u32', // matrix order
  rows: 'u32', // rows (vectors) per batch member in the basis buffer
  src: 'u32', // first source row of the basis
  dst: 'u32', // first destination row of the basis
  shift: 'f32', // σ in (A − σI)·x
  first_member: 'u32', // batch member of workgroup z = 0 (to run a step on one member only)
});

/**
 * y = (A − σI)·x: invocation (r, c, b) computes row r of A[b] times basis row src + c and writes
 * element r of basis row dst + c. Source and destination rows must not overlap. One invocation
 * per row and no workgroup barriers: barriers dominate the cost on CPU implementations
 * (SwiftShader), and on GPUs the row's consecutive addresses stay in L1 across iterations.
 */
export function eigGemvWGSL(options: { vec4: boolean }): string {
  // With n % 4 == 0 every row of A and of the basis starts on a vec4 boundary.
  const vec4 = options.vec4;
  return wgsl`
${eigGemvParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes, rows and shift
#if ${vec4}
@group(0) @binding(1) var<storage, read> a: array<vec4f>;           // matrices [batch, n, n / 4], row-major
@group(0) @binding(2) var<storage, read_write> basis: array<vec4f>; // vectors [batch, rows, n / 4]
#else
@group(0) @binding(1) var<storage, read> a: array<f32>;             // matrices [batch, n, n], row-major
@group(0) @binding(2) var<storage, read_write> basis: array<f32>;   // vectors [batch, rows, n]
#endif

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
#if ${vec4}
  // Invocation q computes rows 4q..4q+3, so each x load serves four rows and the output is one vec4.
  let n = params.n;
  let n4 = n / 4u;
  let q = wid.x * WG_SIZE + lid;
  let vec = wid.y;
  let b = wid.z + params.first_member;
  if (q >= n4) { return; }
  let a0 = (b * n + 4u * q) * n4;
  let x = (b * params.rows + params.src + vec) * n4;
  var s0 = vec4f(0.0);
  var s1 = vec4f(0.0);
  var s2 = vec4f(0.0);
  var s3 = vec4f(0.0);
  for (var c = 0u; c < n4; c++) {
    let xc = basis[x + c];
    s0 += a[a0 + c] * xc;
    s1 += a[a0 + n4 + c] * xc;
    s2 += a[a0 + 2u * n4 + c] * xc;
    s3 += a[a0 + 3u * n4 + c] * xc;
  }
  let dots = vec4f(dot(s0, vec4f(1.0)), dot(s1, vec4f(1.0)), dot(s2, vec4f(1.0)), dot(s3, vec4f(1.0)));
  let y = (b * params.rows + params.dst + vec) * n4;
  basis[y + q] = dots - params.shift * basis[x + q];
#else
  let n = params.n;
  let row = wid.x * WG_SIZE + lid;
  let vec = wid.y;
  let b = wid.z + params.first_member;
  if (row >= n) { return; }
  let a_row = (b * n + row) * n;
  let x = (b * params.rows + params.src + vec) * n;
  // Four independent partial sums: shorter dependency chains, slightly better rounding.
  var s = vec4f(0.0);
  let n4 = n & ~3u;
  for (var col = 0u; col < n4; col += 4u) {
    s += vec4f(a[a_row + col], a[a_row + col + 1u], a[a_row + col + 2u], a[a_row + col + 3u]) *
         vec4f(basis[x + col], basis[x + col + 1u], basis[x + col + 2u], basis[x + col + 3u]);
  }
  for (var col = n4; col < n; col++) { s.x += a[a_row + col] * basis[x + col]; }
  let y = (b * params.rows + params.dst + vec) * n;
  basis[y + row] = (s.x + s.y) + (s.z + s.w) - params.shift * basis[x + row];
#endif
}
`;
}

/** Uniforms of `eigGramWGSL`: C[i, c] = ⟨V_(first+i), V_(right+c)⟩. */
export const eigGramParams = uniformLayout({
  n: 'u32', // vector length
  rows: 'u32', // rows per batch member in the basis buffer
  first: 'u32', // first left row
  left: 'u32', // number of left rows
  right: 'u32', // first right row
  cols: 'u32', // number of right rows
  first_member: 'u32', // batch member of workgroup z = 0
});

/**
 * Dot products of a block of basis rows with another block: C[b, i, c], one invocation each
 * (serial over n, no barriers; vec4 loads when n % 4 == 0). The blocks are small (≤ ncv rows), so
 * each dot product is a short sequential sweep over contiguous memory.
 */
export function eigGramWGSL(options: { vec4: boolean }): string {
  const vec4 = options.vec4;
  return wgsl`
${eigGramParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and row ranges
#if ${vec4}
@group(0) @binding(1) var<storage, read> basis: array<vec4f>;       // vectors [batch, rows, n / 4]
#else
@group(0) @binding(1) var<storage, read> basis: array<f32>;         // vectors [batch, rows, n]
#endif
@group(0) @binding(2) var<storage, read_write> coef: array<f32>;    // dot products [batch, left, cols]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x * WG_SIZE + lid;
  let c = wid.y;
  let b = wid.z + params.first_member;
  if (i >= params.left || c >= params.cols) { return; }
#if ${vec4}
  let len = params.n / 4u;
#else
  let len = params.n;
#endif
  let u = (b * params.rows + params.first + i) * len;
  let v = (b * params.rows + params.right + c) * len;
#if ${vec4}
  var s = vec4f(0.0);
  for (var k = 0u; k < len; k++) { s += basis[u + k] * basis[v + k]; }
  coef[(b * params.left + i) * params.cols + c] = (s.x + s.y) + (s.z + s.w);
#else
  var s = 0.0;
  for (var k = 0u; k < len; k++) { s += basis[u + k] * basis[v + k]; }
  coef[(b * params.left + i) * params.cols + c] = s;
#endif
}
`;
}

/** Uniforms of `eigProjectWGSL`. */
export const eigProjectParams = uniformLayout({
  n: 'u32', // vector length
  rows: 'u32', // rows per batch member in the basis buffer
  first: 'u32', // first row projected out
  count: 'u32', // number of rows projected out (the coefficients in coef[b, 0..count))
  target_row: 'u32', // row that is updated in place
  ldh: 'u32', // leading dimension of H (0: do not accumulate into H)
  h_stride: 'u32', // elements of H per batch member
  h_col: 'u32', // column of H that accumulates the coefficients (rows first..first+count)
  first_member: 'u32', // batch member of workgroup y = 0
});

/**
 * V_target −= Σ_i coef[i]·V_(first+i), over a 2-D grid (element blocks × batch). When `ldh > 0`
 * the coefficients are also added to H[first + i, h_col], so H holds the sum of both CGS passes.
 */
export function eigProjectWGSL(): string {
  return /* wgsl */ `
${eigProjectParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes, rows, H placement
@group(0) @binding(1) var<storage, read_write> basis: array<f32>;   // vectors [batch, rows, n]
@group(0) @binding(2) var<storage, read> coef: array<f32>;          // coefficients [batch, count]
@group(0) @binding(3) var<storage, read_write> h: array<f32>;       // projected matrices [batch, h_stride]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = wid.x * WG_SIZE + lid;
  let b = wid.y + params.first_member;
  let count = params.count;
  if (params.ldh > 0u && k < count) {
    let at = b * params.h_stride + (params.first + k) * params.ldh + params.h_col;
    h[at] += coef[b * count + k];
  }
  if (k >= params.n) { return; }
  var acc = 0.0;
  for (var i = 0u; i < count; i++) {
    acc += coef[b * count + i] * basis[(b * params.rows + params.first + i) * params.n + k];
  }
  basis[(b * params.rows + params.target_row) * params.n + k] -= acc;
}
`;
}

/** Uniforms of `eigNormalizeWGSL`. */
export const eigNormalizeParams = uniformLayout({
  n: 'u32', // vector length
  rows: 'u32', // rows per batch member in the basis buffer
  target_row: 'u32', // row normalized in place
  h_stride: 'u32', // elements of `norms` per batch member
  h_index: 'u32', // where the norm is written within a batch member's slice of `norms`
  first_member: 'u32', // batch member of workgroup x = 0
});

/** V_target ← V_target / ‖V_target‖ with the norm stored in `norms`; one workgroup per batch member. */
export function eigNormalizeWGSL(): string {
  return /* wgsl */ `
${eigNormalizeParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and where to store the norm
@group(0) @binding(1) var<storage, read_write> basis: array<f32>;   // vectors [batch, rows, n]
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;   // norm output [batch, h_stride]

var<workgroup> partial: array<f32, WG_SIZE>;                         // per-invocation sums of squares
var<workgroup> scale_max: array<f32, WG_SIZE>;                       // per-invocation max |x| (overflow guard)

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = params.n;
  let b = wid.x + params.first_member;
  let base = (b * params.rows + params.target_row) * n;
  // Scale by the largest entry first so the sum of squares neither overflows nor underflows.
  var m = 0.0;
  for (var k = lid; k < n; k += WG_SIZE) { m = max(m, abs(basis[base + k])); }
  scale_max[lid] = m;
${workgroupReduceWGSL({ size: 'WG_SIZE', combine: (into, from) => `scale_max[${into}] = max(scale_max[${into}], scale_max[${from}]);` })}
  let big = scale_max[0];
  let inv_big = select(0.0, 1.0 / big, big > 0.0);
  var sum = 0.0;
  for (var k = lid; k < n; k += WG_SIZE) {
    let x = basis[base + k] * inv_big;
    sum += x * x;
  }
  partial[lid] = sum;
${workgroupReduceWGSL({ size: 'WG_SIZE', combine: (into, from) => `partial[${into}] += partial[${from}];` })}
  let norm = big * sqrt(partial[0]);
  let inv = select(0.0, 1.0 / norm, norm > 0.0);
  for (var k = lid; k < n; k += WG_SIZE) { basis[base + k] *= inv; }
  if (lid == 0u) { norms[b * params.h_stride + params.h_index] = norm; }
}
`;
}

/** Uniforms of `eigCombineWGSL`. */
export const eigCombineParams = uniformLayout({
  n: 'u32', // vector length
  rows_in: 'u32', // rows per batch member of the input basis
  rows_out: 'u32', // rows per batch member of the output basis
  used: 'u32', // input rows combined (0..used)
  cols: 'u32', // output rows written (0..cols)
});

/** W[b, j, :] = Σ_l Q[b, l, j]·V[b, l, :] for j < cols: the basis times a small [used, cols] matrix. */
export function eigCombineWGSL(): string {
  return /* wgsl */ `
${eigCombineParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes
@group(0) @binding(1) var<storage, read> basis: array<f32>;         // input vectors [batch, rows_in, n]
@group(0) @binding(2) var<storage, read> q: array<f32>;             // combination [batch, used, cols]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;     // output vectors [batch, rows_out, n]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = wid.x * WG_SIZE + lid;
  let j = wid.y;
  let b = wid.z;
  if (k >= params.n || j >= params.cols) { return; }
  var acc = 0.0;
  for (var l = 0u; l < params.used; l++) {
    acc += q[(b * params.used + l) * params.cols + j] * basis[(b * params.rows_in + l) * params.n + k];
  }
  out[(b * params.rows_out + j) * params.n + k] = acc;
}
`;
}
