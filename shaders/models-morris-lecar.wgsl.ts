/**
 * Morris–Lecar neurons at constant current, one invocation per neuron, many time steps per
 * dispatch: the semi-implicit update of Hazelden et al. (arXiv:2311.10869; SEEDS.md §6.3) with a
 * hysteresis spike detector for f–I curves.
 *
 * The update is a map, not an Euler step of drift and diffusion: w is advanced by the trapezoidal
 * rule on its linear ODE (w∞, τ_w frozen at the old V) and V by the same rule with the new w. It
 * could be rewritten as Euler on a dt-dependent "drift", but then the model would no longer read
 * as its equations and a change of dt would silently change the model; so it is a named built-in.
 * `ML_STEP_WGSL` is the one WGSL copy of the update (the networks reuse it); its float64 twin is
 * `mlStep` in src/models/morris-lecar/reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { storageRecordLayout, uniformLayout } from '../src/core/layout.js';

/** Neuron constants as uniform fields, in the order of `MlParams` in WGSL. */
export const mlNeuronSchema = {
  c_m: 'f32', // membrane capacitance C, μF/cm²
  g_ca: 'f32', // Ca²⁺ conductance, mS/cm²
  g_k: 'f32', // K⁺ conductance
  g_l: 'f32', // leak conductance
  e_ca: 'f32', // reversal potentials, mV
  e_k: 'f32',
  e_l: 'f32',
  phi: 'f32', // rate factor of the K⁺ gate
  v1: 'f32', // m∞ midpoint and slope, mV
  v2: 'f32',
  v3: 'f32', // w∞ midpoint and slope, mV
  v4: 'f32',
  dt: 'f32', // time step, ms
} as const;

/**
 * The semi-implicit update of one neuron: `ml_step(p, v, w, i_tot)` returns the new (V, w).
 * `p` is any struct with the fields of {@link mlNeuronSchema}.
 */
export function mlStepWGSL(paramsType: string): string {
  return /* wgsl */ `
// Morris–Lecar semi-implicit step (SEEDS.md §6.3): trapezoidal rule on w with w∞, τ_w at the old V,
// then on V with the new w; returns vec2(V, w).
fn ml_step(p: ${paramsType}, v: f32, w: f32, i_tot: f32) -> vec2f {
  let dt = p.dt;
  let tau = 1.0 / (p.phi * cosh((v - p.v3) / (2.0 * p.v4)));
  let w_inf = 0.5 * (1.0 + tanh((v - p.v3) / p.v4));
  let w_new = (w_inf * dt + (tau - 0.5 * dt) * w) / (tau + 0.5 * dt);
  let m_inf = 0.5 * (1.0 + tanh((v - p.v1) / p.v2));
  let g = (p.g_ca * m_inf + p.g_k * w_new + p.g_l) / p.c_m;
  let e = (p.g_ca * p.e_ca * m_inf + p.g_k * p.e_k * w_new + p.g_l * p.e_l) / p.c_m;
  let v_new = (v * (1.0 - 0.5 * dt * g) + dt * (e + i_tot / p.c_m)) / (1.0 + 0.5 * dt * g);
  return vec2f(v_new, w_new);
}
`;
}

export const mlParams = uniformLayout({
  ...mlNeuronSchema,
  trials: 'u32', // neurons (one current each)
  steps: 'u32', // steps in this dispatch
  step_offset: 'u32', // global index of this dispatch's first step
  warmup_steps: 'u32', // spikes of steps before this index are not counted
  spike_mv: 'f32', // spike: upward crossing of this voltage ...
  rearm_mv: 'f32', // ... after V was below this one since the last spike
});

/** Per-neuron state carried across dispatches. */
export const mlNeuronRecord = storageRecordLayout({
  v: 'f32',
  w: 'f32',
  spikes: 'u32',
  armed: 'u32',
}, {
  v: 'membrane potential, mV',
  w: 'K⁺ gating variable',
  spikes: 'spikes counted after the warm-up',
  armed: '1 once V fell below rearm_mv since the last spike',
});

/** The f–I kernel: `steps` updates of every neuron at its own constant current. */
export function mlConstantCurrentWGSL(): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${mlParams.wgslStruct('MlParams')}
${mlNeuronRecord.wgslStruct('MlNeuron')}
${mlStepWGSL('MlParams')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: MlParams;                   // neuron constants, sizes, step range
@group(0) @binding(1) var<storage, read> current: array<f32>;          // I_tot per neuron, μA/cm²
@group(0) @binding(2) var<storage, read_write> neurons: array<MlNeuron>; // state per neuron

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (i >= params.trials) { return; }
  var s = neurons[i];
  let i_tot = current[i];
  var vw = vec2f(s.v, s.w);
  for (var k = 0u; k < params.steps; k++) {
    let before = vw.x;
    vw = ml_step(params, vw.x, vw.y, i_tot);
    if (vw.x < params.rearm_mv) { s.armed = 1u; }
    if (s.armed == 1u && before < params.spike_mv && vw.x >= params.spike_mv) {
      s.armed = 0u;
      if (params.step_offset + k >= params.warmup_steps) { s.spikes += 1u; }
    }
  }
  s.v = vw.x;
  s.w = vw.y;
  neurons[i] = s;
}
`;
}
