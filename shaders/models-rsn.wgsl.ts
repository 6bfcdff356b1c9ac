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

/** Largest output dimension d of the sampler kernel (its per-chain x and ξ live in registers). */
export const RSN_MAX_DIM = 4;

export const rsnSampleParams = uniformLayout({
  chains: 'u32', // independent chains C
  hidden: 'u32', // reservoir units N
  dim: 'u32', // output units d ≤ RSN_MAX_DIM
  steps: 'u32', // steps in this dispatch
  step_offset: 'u32', // global index of the first step (Philox counter word 1)
  tag: 'u32', // Philox counter word 3
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
  dt: 'f32', // time step
  noise_scale: 'f32', // √(2 dt)
});

/** Options of {@link rsnSampleWGSL} (its pipeline-cache key). */
export interface RsnSampleKernelOptions {
  /** φ of the reservoir; `'linear'` is the identity (exact Gaussian oracles). */
  activation: 'relu' | 'tanh' | 'linear';
}

/**
 * Firing-rate dynamics of the reservoir, one invocation per chain, `steps` steps per dispatch:
 *   h ← h + dt·(−h + φ(W_rec h + b)) + √(2dt)·Σξ,   ξ ~ N(0, I_d),
 * with W_rec = W₂W₁ applied in its factored form (x = W₁h first: N·d work instead of N²) and
 * Σ = W₁ᵀ(W₁W₁ᵀ)⁻¹, so the readout x = W₁h performs exact Euler–Maruyama Langevin steps on the
 * learned score. Random numbers: Philox block (chain, step, 0, tag), its first d normals.
 */
export function rsnSampleWGSL(options: RsnSampleKernelOptions): string {
  const phi = options.activation === 'relu' ? 'max(u, 0.0)' : options.activation === 'tanh' ? 'tanh(u)' : 'u';
  return wgsl`
${philoxWGSL}
${WGSL_LINEAR_INDEX}
${rsnSampleParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;
const MAX_DIM: u32 = ${RSN_MAX_DIM}u;

@group(0) @binding(0) var<uniform> params: Params;               // sizes, step range, seed, dt
@group(0) @binding(1) var<storage, read> w1: array<f32>;          // W₁ = W_out, d × N
@group(0) @binding(2) var<storage, read> w2a: array<f32>;         // [W₂ | b], N × (d + 1)
@group(0) @binding(3) var<storage, read> noise_map: array<f32>;   // Σ = W₁ᵀ(W₁W₁ᵀ)⁻¹, N × d
@group(0) @binding(4) var<storage, read_write> h: array<f32>;     // reservoir rates, C × N

fn phi(u: f32) -> f32 { return ${phi}; }

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (c >= params.chains) { return; }
  let key = vec2u(params.seed_lo, params.seed_hi);
  let n = params.hidden;
  let d = params.dim;
  let base = c * n;
  for (var k = 0u; k < params.steps; k++) {
    var x: array<f32, MAX_DIM>;
    for (var j = 0u; j < d; j++) {
      var acc = 0.0;
      for (var i = 0u; i < n; i++) { acc += w1[j * n + i] * h[base + i]; }
      x[j] = acc;
    }
    let xi = philox_normal4(philox4x32_10(vec4u(c, params.step_offset + k, 0u, params.tag), key));
    for (var i = 0u; i < n; i++) {
      var u = w2a[i * (d + 1u) + d];
      var kick = 0.0;
      for (var j = 0u; j < d; j++) {
        u += w2a[i * (d + 1u) + j] * x[j];
        kick += noise_map[i * d + j] * xi[j];
      }
      let hi = h[base + i];
      h[base + i] = hi + params.dt * (phi(u) - hi) + params.noise_scale * kick;
    }
  }
}
`;
}
