/**
 * Connectivity of an E–I network with pairwise motifs (Shao, Dahmen, Recanatesi, Shea-Brown &
 * Ostojic, arXiv:2411.06802; generative model of shared/papers/SEEDS.md §3.2):
 *   J_ij = J0_pq + (1/√N)[a_pq ξ_ij + b_pq n_i + d_pq o_j],  p = pop(i), q = pop(j),
 * with per-neuron in/out factors (n_k, o_k), corr(n_k, o_k) = c_pop(k) (chain motifs), and
 * ξ_ij = α z_ij + β z_ji, corr(ξ_ij, ξ_ji) = 2αβ = ρ (reciprocal motifs).
 *
 * `motifFactorsWGSL` draws (n_k, o_k) per neuron; `motifWGSL` writes four consecutive entries of a
 * row per invocation from one Philox block (z_ij is word j mod 4 of counter
 * (i·⌈N/4⌉ + ⌊j/4⌋, 0, stream, tag)), so every realization is addressed by its stream and the
 * float64 twin `motifConnectivityReference` (src/models/ei-motifs/reference.ts) reproduces it.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { philoxWGSL } from './common/philox.wgsl.js';

export interface MotifKernelOptions {
  /** Whether ξ is symmetrised (ρ ≠ 0): four more Philox blocks per invocation for z_ji. */
  reciprocal: boolean;
}

export const motifParams = uniformLayout({
  n: 'u32', // neurons N
  n_first: 'u32', // neurons of population 0 (E); the rest are population 1 (I)
  row_blocks: 'u32', // ⌈N/4⌉: Philox blocks per row
  stream: 'u32', // realization: Philox counter word 2
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
  tag: 'u32', // Philox counter word 3
  alpha: 'f32', // weight of z_ij in ξ_ij
  beta: 'f32', // weight of z_ji in ξ_ij
  inv_sqrt_n: 'f32', // 1/√N
  corr0: 'f32', // corr(n_k, o_k) in population 0
  corr1: 'f32', // corr(n_k, o_k) in population 1
});

/** Per-neuron factors (n_k, o_k): one invocation per neuron. */
export function motifFactorsWGSL(): string {
  return /* wgsl */ `
${philoxWGSL}
${WGSL_LINEAR_INDEX}

${motifParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes, seed, stream, correlations
@group(0) @binding(1) var<storage, read_write> factors: array<f32>; // (n_k, o_k) interleaved, 2N

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let k = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (k >= params.n) { return; }
  let key = vec2u(params.seed_lo, params.seed_hi);
  let z = philox_normal4(philox4x32_10(vec4u(k, 1u, params.stream, params.tag), key));
  let c = select(params.corr1, params.corr0, k < params.n_first);
  factors[2u * k] = z.x;
  factors[2u * k + 1u] = c * z.x + sqrt(max(0.0, 1.0 - c * c)) * z.y;
}
`;
}

/** The connectivity J from the factors: one invocation per four consecutive entries of a row. */
export function motifWGSL(options: MotifKernelOptions): string {
  return wgsl`
${philoxWGSL}
${WGSL_LINEAR_INDEX}

${motifParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes, seed, stream, mixing weights
@group(0) @binding(1) var<storage, read> blocks: array<vec4f>;      // per block p*2+q: (J0, a, b, d)
@group(0) @binding(2) var<storage, read> factors: array<f32>;       // (n_k, o_k) interleaved, 2N
@group(0) @binding(3) var<storage, read_write> conn: array<f32>;    // J, N×N row-major (row = postsynaptic)

fn population(i: u32) -> u32 {
  return select(1u, 0u, i < params.n_first);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let block = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  let n = params.n;
  if (block >= n * params.row_blocks) { return; }
  let i = block / params.row_blocks;
  let j0 = (block % params.row_blocks) * 4u;
  let key = vec2u(params.seed_lo, params.seed_hi);
  let z = philox_normal4(philox4x32_10(vec4u(block, 0u, params.stream, params.tag), key));
  let p = population(i);
  let n_i = factors[2u * i];
  for (var q4 = 0u; q4 < 4u; q4++) {
    let j = j0 + q4;
    if (j >= n) { break; }
    var xi = z[q4];
#if ${options.reciprocal}
    if (j != i) {
      // z_ji: word (i mod 4) of row j's block holding column i.
      let zt = philox_normal4(philox4x32_10(vec4u(j * params.row_blocks + i / 4u, 0u, params.stream, params.tag), key));
      xi = params.alpha * xi + params.beta * zt[i % 4u];
    }
#endif
    let w = blocks[p * 2u + population(j)];
    conn[i * n + j] = w.x + params.inv_sqrt_n * (w.y * xi + w.z * n_i + w.w * factors[2u * j + 1u]);
  }
}
`;
}
