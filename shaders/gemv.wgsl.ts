/**
 * GEMV  y = alpha · op(A) · x + beta · y  in f32 for a row-major rows × cols matrix A.
 *
 * GEMV is bandwidth-bound (2 flops per matrix element read), so both variants stream A exactly
 * once with contiguous accesses (the usual mapping, e.g. Nath et al., "An improved MAGMA GEMV",
 * 2010):
 * - `y = A x`: each workgroup owns ROWS rows; its WG_SIZE invocations split every row into
 *   strided partial dot products (neighbouring invocations read neighbouring elements), combined by
 *   a tree reduction in workgroup memory.
 * - `y = A x`, `rowPerInvocation`: each invocation owns one row (measured fastest on SwiftShader;
 *   the tuner in src/linalg/gemv.ts picks per adapter).
 * - `y = Aᵀ x`: each invocation owns one column and walks down the rows, so an invocation group
 *   reads one contiguous run of a row per step.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Compile-time variant of the GEMV kernel. */
export interface GemvShaderOptions {
  /** Compute Aᵀ x instead of A x. */
  trans: boolean;
  /**
   * A x only: one invocation per row, walking it with four partial sums, instead of a workgroup
   * per ROWS rows with a tree reduction. Suits CPU implementations, where each invocation streams
   * its own row through the cache and barriers are expensive fibre switches.
   */
  rowPerInvocation?: boolean;
}

/** Uniforms of the GEMV kernel. */
export const gemvParams = uniformLayout({
  rows: 'u32', // rows of A as stored
  cols: 'u32', // columns of A as stored
  alpha: 'f32', // scale of the product
  beta: 'f32', // scale of the previous y; 0 means y is not read (it may hold NaN)
});

/** WGSL of the GEMV kernel; overrides WG_SIZE = 64 (a power of two), ROWS = 4. */
export function gemvWGSL(options: GemvShaderOptions): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${gemvParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup (a power of two for the tree reduction)
override ROWS: u32 = 4u;       // rows per workgroup in the A x variant

@group(0) @binding(0) var<uniform> params: Params;              // sizes, alpha, beta
@group(0) @binding(1) var<storage, read> a: array<f32>;         // A, rows × cols, row-major
@group(0) @binding(2) var<storage, read> x: array<f32>;         // input vector
@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // output vector

#if ${!options.trans && options.rowPerInvocation === true}
@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  let cols4 = params.cols / 4u * 4u;
  var s = vec4f(0.0);   // four independent partial sums (latency hiding)
  for (var c = 0u; c < cols4; c += 4u) {
    s = fma(vec4f(a[base + c], a[base + c + 1u], a[base + c + 2u], a[base + c + 3u]),
            vec4f(x[c], x[c + 1u], x[c + 2u], x[c + 3u]), s);
  }
  var tail = 0.0;
  for (var c = cols4; c < params.cols; c++) { tail = fma(a[base + c], x[c], tail); }
  var value = params.alpha * ((s.x + s.y) + (s.z + s.w) + tail);
  if (params.beta != 0.0) { value += params.beta * y[row]; }
  y[row] = value;
}
#elif ${!options.trans}
var<workgroup> partial: array<f32, WG_SIZE * ROWS>;             // per-invocation partial sums, per row

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = wg_linear_index(wid, nwg) * ROWS;
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    var s = 0.0;
    if (row < params.rows) {
      let base = row * params.cols;
      for (var c = lid; c < params.cols; c += WG_SIZE) { s = fma(a[base + c], x[c], s); }
    }
    partial[r * WG_SIZE + lid] = s;
  }
${workgroupReduceWGSL({
    size: 'WG_SIZE',
    combine: (into, from) => `for (var r = 0u; r < ROWS; r++) { partial[r * WG_SIZE + ${into}] += partial[r * WG_SIZE + ${from}]; }`,
  })}
  if (lid < ROWS) {
    let row = row0 + lid;
    if (row < params.rows) {
      var value = params.alpha * partial[lid * WG_SIZE];
      if (params.beta != 0.0) { value += params.beta * y[row]; }
      y[row] = value;
    }
  }
}
#else
@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let col = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (col >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) { s = fma(a[r * params.cols + col], x[r], s); }
  var value = params.alpha * s;
  if (params.beta != 0.0) { value += params.beta * y[col]; }
  y[col] = value;
}
#endif
`;
}
