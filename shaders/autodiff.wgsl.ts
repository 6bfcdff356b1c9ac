/**
 * Kernels of the reverse-mode tape (src/autodiff) that the other layers do not already provide:
 * `expand` (the adjoint of a sum over one axis: copy each element along a new axis) and a row-wise
 * log-softmax (the numerically stable form, log pᵢ = zᵢ − max z − log Σ exp(z − max z)).
 * Matrix products, elementwise maps and sums come from src/linalg.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Uniforms of `expand`: the output viewed as [outer, len, inner], the input as [outer, inner]. */
export const expandParams = uniformLayout({
  count: 'u32', // output elements, outer · len · inner
  len: 'u32', // extent of the new axis
  inner: 'u32', // product of the extents after the new axis
});

/** `out[o, j, i] = x[o, i]`; one invocation per output element; override WG_SIZE = 64. */
export function expandWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${expandParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // sizes
@group(0) @binding(1) var<storage, read> x: array<f32>;         // input [outer, inner]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // output [outer, len, inner]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let inner = i % params.inner;
  let outer = i / (params.inner * params.len);
  out[i] = x[outer * params.inner + inner];
}
`;
}

/** Uniforms of the row-wise log-softmax. */
export const logSoftmaxParams = uniformLayout({
  rows: 'u32', // rows (every axis but the last)
  cols: 'u32', // length of the last axis, over which the softmax normalises
});

/**
 * `out[r, j] = z[r, j] − max_k z[r, k] − log Σ_k exp(z[r, k] − max_k z[r, k])`: one invocation
 * per row, three passes over it (rows are class scores, short). Subtracting the maximum keeps
 * every exponent ≤ 0, so nothing overflows (the usual log-sum-exp shift).
 */
export function logSoftmaxWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${logSoftmaxParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // sizes
@group(0) @binding(1) var<storage, read> z: array<f32>;         // scores [rows, cols]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // log-probabilities [rows, cols]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let r = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (r >= params.rows) { return; }
  let base = r * params.cols;
  var top = z[base];
  for (var j = 1u; j < params.cols; j++) { top = max(top, z[base + j]); }
  var total = 0.0;
  for (var j = 0u; j < params.cols; j++) { total += exp(z[base + j] - top); }
  let shift = top + log(total);
  for (var j = 0u; j < params.cols; j++) { out[base + j] = z[base + j] - shift; }
}
`;
}
