/**
 * Elementwise kernels: a generated map `out[i] = f(in_0[i], in_1[i], …; params)` (axpy, scale and
 * user expressions), an identity fill for batches of square matrices, and a per-matrix scaling
 * `out[i] = x[i] · s[i / per]^power` (used to normalise and un-normalise Newton–Schulz).
 * One invocation per element on a 1-D grid (folded by the scheduler when it is large).
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout, type UniformLayout, type UniformSchema } from '../src/core/layout.js';

/** What the generated elementwise map computes. */
export interface MapShaderOptions {
  /** Input names in binding order; each is read as `v_<name>`. */
  inputs: readonly string[];
  /** Inputs that share the output's buffer (in-place): read from `out` instead of a binding. */
  inPlace: readonly string[];
  /** Uniform layout: `count` plus one `p_<name>` f32 per parameter. */
  layout: UniformLayout<UniformSchema>;
  /** The WGSL expression over `v_<name>` and `params.p_<name>`. */
  expression: string;
  /** Module-scope WGSL the expression needs (the equation language's helpers), or ''. */
  declarations?: string;
}

/** WGSL of an elementwise map; override WG_SIZE = 64. */
export function mapWGSL(o: MapShaderOptions): string {
  const bound = o.inputs.filter((name) => !o.inPlace.includes(name));
  const bindings = bound
    .map((name, i) => `@group(0) @binding(${i + 2}) var<storage, read> in_${name}: array<f32>; // input '${name}'`)
    .join('\n');
  const reads = o.inputs
    .map((name) => `  let v_${name} = ${o.inPlace.includes(name) ? 'out' : `in_${name}`}[i];`)
    .join('\n');
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${o.layout.wgslStruct('Params')}
${o.declarations ?? ''}
override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // element count and parameters
@group(0) @binding(1) var<storage, read_write> out: array<f32>; // result (may also be an input)
${bindings}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
${reads}
  out[i] = ${o.expression};
}
`;
}

/** Uniforms of the identity fill. */
export const identityParams = uniformLayout({
  count: 'u32', // elements in the batch of matrices
  n: 'u32', // order of each square matrix
});

/** Fill a batch of n × n matrices with identity matrices. */
export function identityWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${identityParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // sizes
@group(0) @binding(1) var<storage, read_write> out: array<f32>; // batch of n × n matrices

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let e = i % (params.n * params.n);
  out[i] = select(0.0, 1.0, e / params.n == e % params.n);
}
`;
}

/** Uniforms of the per-group scaling. */
export const scaleByParams = uniformLayout({
  count: 'u32', // elements of x
  per: 'u32', // consecutive elements that share one scale factor
  power: 'f32', // exponent applied to each scale factor
});

/** `out[i] = x[i] · s[i / per]^power` for positive s (power 1, -1, ±0.5 are exact paths). */
export function scaleByWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${scaleByParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // sizes and exponent
@group(0) @binding(1) var<storage, read> x: array<f32>;         // values to scale
@group(0) @binding(2) var<storage, read> s: array<f32>;         // one scale factor per group
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // scaled values

fn scale_factor(v: f32) -> f32 {
  if (params.power == 1.0) { return v; }
  if (params.power == -1.0) { return 1.0 / v; }
  if (params.power == 0.5) { return sqrt(v); }
  if (params.power == -0.5) { return 1.0 / sqrt(v); }
  return pow(v, params.power);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  out[i] = x[i] * scale_factor(s[i / params.per]);
}
`;
}
