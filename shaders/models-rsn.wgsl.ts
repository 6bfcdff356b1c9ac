/**
 * Reservoir-sampler networks (Chen, Jiang, Rao & Shea-Brown, NeurIPS 2023; SEEDS.md §5):
 * the denoising-score-matching batch of one training step. Forward and backward passes are
 * batched GEMMs and elementwise maps from src/linalg; only drawing the noisy batch is a kernel of
 * its own.
 *
 * Row b of the batch takes data row k = ⌊u·n⌋ (u uniform) and noise ε ~ N(0, I_d):
 *   x̃ = x_k + σ ε (written with a trailing 1, so the hidden bias is the last column of W₂),
 *   q  = x̃ + target, target = (x_k − x̃)/σ² = −ε/σ,
 * so that the residual of the score s(x̃) = −x̃ + W₁φ(W₂x̃ + b₂) is W₁φ(·) − q.
 * Random numbers: Philox4x32-10, block (b, step, j, tag) gives ε_bj (first normal) for j < d and
 * the row index (first uniform) for j = d. The float64 twin is `dsmBatchReference` in
 * src/models/rsn/reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { philoxWGSL } from './common/philox.wgsl.js';

export const rsnBatchParams = uniformLayout({
  rows: 'u32', // data rows n
  dim: 'u32', // data dimension d
  batch: 'u32', // batch rows B
  step: 'u32', // training step (Philox counter word 1)
  tag: 'u32', // Philox counter word 3
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
  sigma: 'f32', // noise level σ
});

export function rsnBatchWGSL(): string {
  return wgsl`
${philoxWGSL}
${WGSL_LINEAR_INDEX}
${rsnBatchParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                // sizes, step, seed, σ
@group(0) @binding(1) var<storage, read> data: array<f32>;         // training set, n × d
@group(0) @binding(2) var<storage, read_write> noisy: array<f32>;  // x̃ with a trailing 1, B × (d + 1)
@group(0) @binding(3) var<storage, read_write> shifted: array<f32>; // q = x̃ − ε/σ, B × d

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let b = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (b >= params.batch) { return; }
  let key = vec2u(params.seed_lo, params.seed_hi);
  let d = params.dim;
  let u = philox_uniform(philox4x32_10(vec4u(b, params.step, d, params.tag), key).x);
  let k = min(u32(u * f32(params.rows)), params.rows - 1u);
  for (var j = 0u; j < d; j++) {
    let eps = philox_normal4(philox4x32_10(vec4u(b, params.step, j, params.tag), key)).x;
    let xt = data[k * d + j] + params.sigma * eps;
    noisy[b * (d + 1u) + j] = xt;
    shifted[b * d + j] = xt - eps / params.sigma;
  }
  noisy[b * (d + 1u) + d] = 1.0;
}
`;
}
