/**
 * Statistics of the shaping experiments on the GPU (host side: `src/models/shaping/metrics.ts`):
 * - `moments`: per-workgroup partial sums of the centred powers d, d², d³, d⁴ of each of the N
 *   columns of a [P, N] array and of the cross products d_j d_l (j < l); the host adds the few
 *   hundred partials in float64. Invocations stride through their workgroup's chunk, then combine
 *   in workgroup memory by a halving tree (Harris, "Optimizing parallel reduction in CUDA", 2007).
 * - `histogram2d`: the joint histogram of pairs (x, y) on a 0.5-wide grid, bins ⌊x/0.5⌋ − x₀ and
 *   ⌊y/0.5⌋ − y₀, one atomic increment per used pair (every `step`-th).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Quantities per partial of the moments kernel for N columns: 4N powers, then N(N−1)/2 products. */
export function momentQuantities(n: number): number {
  return 4 * n + (n * (n - 1)) / 2;
}

/** Uniforms of the moments kernel. */
export const momentsParams = uniformLayout({
  samples: 'u32', // rows P
  chunk: 'u32', // rows per workgroup
  shift0: 'f32', // value subtracted from column 0 (its mean), and so on
  shift1: 'f32',
  shift2: 'f32',
  shift3: 'f32',
});

/** WGSL of the moments kernel for N ≤ 4 columns; override WG_SIZE = 64 (a power of two). */
export function momentsWGSL(n: number): string {
  const q = momentQuantities(n);
  return wgsl`
${WGSL_LINEAR_INDEX}
${momentsParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup
const N: u32 = ${n}u;          // columns
const Q: u32 = ${q}u;          // quantities per partial

@group(0) @binding(0) var<uniform> params: Params;                 // sizes and shifts
@group(0) @binding(1) var<storage, read> data: array<f32>;         // P × N row-major
@group(0) @binding(2) var<storage, read_write> partials: array<f32>; // groups × Q

var<workgroup> acc: array<f32, WG_SIZE * Q>;  // per-invocation partial sums

@compute @workgroup_size(WG_SIZE)
fn moments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let group = wg_linear_index(wid, nwg);
  let shifts = array<f32, 4>(params.shift0, params.shift1, params.shift2, params.shift3);
  var mine = array<f32, Q>();
  let start = group * params.chunk;
  let stop = min(start + params.chunk, params.samples);
  for (var p = start + lid; p < stop; p += WG_SIZE) {
    var d: array<f32, N>;
    for (var j = 0u; j < N; j++) { d[j] = data[p * N + j] - shifts[j]; }
    var c = 4u * N;
    for (var j = 0u; j < N; j++) {
      let d2 = d[j] * d[j];
      mine[4u * j] += d[j];
      mine[4u * j + 1u] += d2;
      mine[4u * j + 2u] += d2 * d[j];
      mine[4u * j + 3u] += d2 * d2;
      for (var l = j + 1u; l < N; l++) { mine[c] += d[j] * d[l]; c++; }
    }
  }
  for (var k = 0u; k < Q; k++) { acc[lid * Q + k] = mine[k]; }
  workgroupBarrier();
  for (var stride = WG_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      for (var k = 0u; k < Q; k++) { acc[lid * Q + k] += acc[(lid + stride) * Q + k]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    for (var k = 0u; k < Q; k++) { partials[group * Q + k] = acc[k]; }
  }
}
`;
}

/** Uniforms of the 2-D histogram kernel. */
export const histogramParams = uniformLayout({
  pairs: 'u32', // rows of the [P, 2] array
  step: 'u32', // use every step-th pair
  bins_x: 'u32', // bins along x
  bins_y: 'u32', // bins along y
  origin_x: 'i32', // ⌊x/0.5⌋ of bin 0
  origin_y: 'i32', // ⌊y/0.5⌋ of bin 0
});

/** WGSL of the 2-D histogram kernel; override WG_SIZE = 64. */
export function histogram2dWGSL(): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${histogramParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                       // sizes and grid origin
@group(0) @binding(1) var<storage, read> pairs: array<vec2f>;            // (x, y) per row
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>; // bins_x × bins_y, row-major

@compute @workgroup_size(WG_SIZE)
fn histogram2d(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let used = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  let p = used * params.step;
  if (p >= params.pairs) { return; }
  let v = pairs[p];
  // ⌊x/0.5⌋ = ⌊2x⌋ exactly in f32 (doubling is exact); clamped so a value outside the range the
  // host measured (it cannot happen, but a NaN would) lands in an edge bin instead of out of bounds.
  let bx = clamp(i32(floor(2.0 * v.x)) - params.origin_x, 0, i32(params.bins_x) - 1);
  let by = clamp(i32(floor(2.0 * v.y)) - params.origin_y, 0, i32(params.bins_y) - 1);
  atomicAdd(&counts[u32(bx) * params.bins_y + u32(by)], 1u);
}
`;
}
