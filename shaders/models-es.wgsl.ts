/**
 * Gaussian-smoothing ("SONG", OpenAI-ES-type) gradient estimation, for training by
 * forward passes only (Hazelden et al., arXiv:2311.10869; SEEDS.md §6.3–6.6):
 *
 * - `es_perturb`: θ_s = θ + σ z_s for s = 1 … S−1 and θ_0 = θ (ε_0 = 0), from standard normals z.
 * - `es_gradient`: ĝ_i = Σ_{s≥1} (L_s − L_0) σ z_si / ((S − 1) σ²), the Monte-Carlo form of
 *   ∇L_σ(θ) = E[L(θ + ε) ε]/σ² with the unperturbed loss as baseline (E[ε] = 0 keeps it unbiased).
 * (Adam, which the ES trainers use on the estimate, is in shaders/optim.wgsl.ts.)
 *
 * Float64 twins: src/models/es/reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

export const esPerturbParams = uniformLayout({
  dim: 'u32', // parameters per copy
  samples: 'u32', // S copies (row 0 unperturbed)
  sigma: 'f32', // perturbation scale σ
});

export function esPerturbWGSL(): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${esPerturbParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;              // sizes and σ
@group(0) @binding(1) var<storage, read> theta: array<f32>;      // θ, dim
@group(0) @binding(2) var<storage, read> z: array<f32>;          // standard normals, S × dim (row 0 unused)
@group(0) @binding(3) var<storage, read_write> copies: array<f32>; // θ_s, S × dim

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let idx = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (idx >= params.dim * params.samples) { return; }
  let i = idx % params.dim;
  let s = idx / params.dim;
  copies[idx] = theta[i] + select(params.sigma * z[idx], 0.0, s == 0u);
}
`;
}

export const esGradientParams = uniformLayout({
  dim: 'u32', // parameters
  samples: 'u32', // S ≥ 2
  inv_sigma: 'f32', // 1/σ: ĝ = Σ (L_s − L_0) z_s / ((S − 1) σ)
});

export function esGradientWGSL(): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${esGradientParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;           // sizes and 1/σ
@group(0) @binding(1) var<storage, read> losses: array<f32>;  // L_s, S (L_0: unperturbed)
@group(0) @binding(2) var<storage, read> z: array<f32>;       // standard normals, S × dim
@group(0) @binding(3) var<storage, read_write> grad: array<f32>; // ĝ, dim

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (i >= params.dim) { return; }
  let base = losses[0];
  var acc = 0.0;
  for (var s = 1u; s < params.samples; s++) {
    acc += (losses[s] - base) * z[s * params.dim + i];
  }
  grad[i] = acc * params.inv_sigma / f32(params.samples - 1u);
}
`;
}
