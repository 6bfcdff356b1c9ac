/**
 * Fused ensemble SDE integrators: one invocation per trial, many time steps per dispatch, the state
 * in registers, the model's equations injected as `model_*` functions (see src/sde/model.ts).
 *
 * Schemes (h = dt, ΔW ~ N(0, h) per Wiener process):
 *  - `em`: Euler–Maruyama (Kloeden & Platen 1992, §10.2). Strong 0.5, weak 1.
 *  - `milstein`: Milstein for diagonal noise (Kloeden & Platen §10.3). Strong 1, weak 1.
 *  - `weak2`: Platen's explicit weak order 2.0 scheme (Kloeden & Platen §15.1, eq. 15.1.1), applied
 *    per variable, which is exact in law to O(h²) when each g_i depends on x_i only.
 *  - `mala`: Metropolis-adjusted Langevin (Roberts & Tweedie 1996) on π ∝ exp(model_log_density).
 *  - `baoab`: underdamped Langevin, BAOAB splitting (Leimkuhler & Matthews 2013), unit mass.
 *  (ULA is `em` on a Langevin model, whose drift is ∇log π and diffusion √2.)
 *
 * Random numbers: a counter-based generator of Salmon et al. (2011), Philox4x32-10 by default or
 * Threefry-4x32-20 (`SdeKernelOptions.generator`); the text below says "Philox" for either, as both
 * map the same counter to four words. Each trial has its own stream of normals,
 * number q in lane q % 4 of the block with counter (trial, q / 4, 0, tag); fine step j's r-th active
 * Wiener process takes number j·a + r, a the number of active processes ({@link sdeNoiseStride}), so
 * every normal of every Philox call is used. A trial's path depends only on (seed, trial, step), so
 * any chunking of trials or steps per dispatch gives bit-identical results. With `refine = r` a
 * step's ΔW is the sum of r increments of the fine grid h/r, so runs at h and h/r share one
 * Brownian path (strong-order measurements).
 *
 * With refine 1 the step loop runs in groups of G = 4 / gcd(a, 4) steps, whose G·a normals are
 * exactly a/gcd(a, 4) whole Philox blocks, drawn unconditionally at the top of the group: no cache
 * and no branch, which matters on SwiftShader, where a branch costs its body whether taken or not (a
 * one-block cache measured as slow as a fresh call per step). Steps before the first group boundary
 * of a dispatch and after its last one draw their own normals the same way, to the same bits.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout, type UniformSchema } from '../src/core/layout.js';
import {
  SDE_FLAG_ABSORBED, SDE_FLAG_DIVERGED, SDE_TAG_ACCEPT, SDE_TAG_WIENER, sdeNoiseStride, sdeTrialStatus,
} from '../src/core/sde-status.js';
import { f32Literal } from '../src/expr/index.js';
import type { NormalTransform, RandomGenerator } from '../src/core/seed.js';
import { generatorBlockFn, generatorWGSL } from './common/generator.wgsl.js';
import { philoxNormal4Fn } from './common/philox.wgsl.js';

/** Integrator kernels available. */
export type SdeKernelScheme = 'em' | 'milstein' | 'weak2' | 'mala' | 'baoab';

/** Options of {@link sdeKernelWGSL}; the object is also the pipeline-cache key. */
export interface SdeKernelOptions {
  scheme: SdeKernelScheme;
  /** Model declarations from `SDEModel.wgsl`. */
  modelWGSL: string;
  /** State variable names in storage order. */
  state: readonly string[];
  /** Parameter names in storage order, and which of them are swept (read per trial). */
  params: readonly string[];
  swept: readonly number[];
  /** Number of Wiener processes, and those that draw random numbers (see `SDEModel.activeNoise`). */
  wiener: number;
  activeNoise: readonly number[];
  /** Event variable index, or -1. */
  eventIndex: number;
  /** Absorbing boundaries. */
  absorb: readonly { index: number; lower: number; upper: number }[];
  /** State indices written to snapshots (empty: no snapshots). */
  snapshot: readonly number[];
  /** How Philox words become normals (see `NormalTransform`). Default `'precise'`. */
  normals?: NormalTransform;
  /** Counter-based generator of the words (see `RandomGenerator`). Default `'philox'`. */
  generator?: RandomGenerator;
}

/**
 * Steps per noise group and Philox blocks per group for `active` processes at refine 1: the
 * smallest G with G·active a multiple of 4 (see the module comment).
 */
export function sdeNoiseGroup(active: number): { steps: number; blocks: number } {
  if (active === 0) return { steps: 1, blocks: 0 };
  const steps = 4 / gcd(active, 4);
  return { steps, blocks: (steps * active) / 4 };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Fields of the per-dispatch uniform struct common to every model. */
const BASE_FIELDS = {
  trials: 'u32', // trials in this chunk
  trial_offset: 'u32', // global index of the chunk's first trial (generator counter word 0)
  step_begin: 'u32', // first global step of this dispatch
  step_count: 'u32', // steps in this dispatch
  seed_lo: 'u32', // generator key, low word
  seed_hi: 'u32', // generator key, high word
  refine: 'u32', // Brownian sub-increments per step
  refractory_steps: 'u32', // steps a spiking variable is held at reset
  snap_every: 'u32', // snapshot stride in steps (0: none)
  dt: 'f32', // time step h
  t0: 'f32', // time at step 0
  friction: 'f32', // BAOAB friction gamma
} as const satisfies UniformSchema;

/** The uniform layout of the integrator kernel for a model with these parameter names. */
export function sdeUniforms(params: readonly string[]) {
  const schema: Record<string, 'u32' | 'f32'> = { ...BASE_FIELDS };
  for (const p of params) schema[`p_${p}`] = 'f32'; // model parameter (scalar value)
  return uniformLayout(schema);
}


/** WGSL of the integrator kernel for one model and scheme. */
export function sdeKernelWGSL(o: SdeKernelOptions): string {
  const n = o.state.length;
  const m = o.wiener;
  const V = o.state.map((v) => `v_${v}`);
  /** One line per state variable (or velocity), for schemes written component-wise. */
  const each = (line: (v: string, i: number) => string): string => V.map((v, i) => `    ${line(v, i)}`).join('\n');
  const a = o.activeNoise.length;
  const stride = sdeNoiseStride(a);
  const sweepIndex = new Map(o.swept.map((k, j) => [k, j]));
  const paramInit = o.params.length
    ? o.params.map((p, k) => (sweepIndex.has(k) ? `sweep[${sweepIndex.get(k)}u * T + i]` : `u.p_${p}`)).join(', ')
    : '0.0';
  const stateRows = o.scheme === 'baoab' ? 2 * n : n;
  const hasEvent = o.eventIndex >= 0;
  const ev = hasEvent ? V[o.eventIndex]! : '';
  const hasSnap = o.snapshot.length > 0;
  const absorbChecks = o.absorb.map((b) => {
    const parts = [];
    if (Number.isFinite(b.lower)) parts.push(`next.${V[b.index]} <= ${f32Literal(Math.fround(b.lower))}`);
    if (Number.isFinite(b.upper)) parts.push(`next.${V[b.index]} >= ${f32Literal(Math.fround(b.upper))}`);
    return parts.join(' || ');
  }).filter(Boolean);
  const scheme = o.scheme;
  const isEm = scheme === 'em';
  const isMilstein = scheme === 'milstein';
  const isWeak2 = scheme === 'weak2';
  const isMala = scheme === 'mala';
  const isBaoab = scheme === 'baoab';
  const normal4 = philoxNormal4Fn(o.normals ?? 'precise');
  const generator = o.generator ?? 'philox';
  const blockFn = generatorBlockFn(generator);
  const group = sdeNoiseGroup(a);
  /**
   * Increments of step g of a group from the group's blocks g0, g1, …: bits equal to wiener_increment's.
   * A `let` built in one expression, not a `var` filled element by element (fewer stores on SwiftShader).
   */
  const groupIncrement = (g: number): string => `      let dW = array<f32, ${m}>(${Array.from({ length: m }, (_, k) => {
    const r = o.activeNoise.indexOf(k);
    if (r < 0) return '0.0';
    const q = g * a + r;
    return `g${q >> 2}[${q & 3}] * noise_scale`;
  }).join(', ')});`;
  /**
   * Schemes whose step touches nothing but `next`: they run unconditionally and a frozen trial keeps
   * its state through selects, instead of the whole step sitting under `if (st.flags == 0u)` (on
   * SwiftShader a branch costs its body anyway, plus the masking of every store inside it).
   */
  const branchFree = isEm || isMilstein || isWeak2;
  /** Philox words of the group's blocks from the hoisted round 1 (see philox4x32_10_rounds_2_to_10). */
  const hoistRound1 = generator === 'philox';
  const groupBlock = (b: number): string => (hoistRound1
    ? `philox4x32_10_rounds_2_to_10(vec4u((first_block + ${b}u) ^ seed.x, 0u, round1_hi, round1_lo), seed)`
    : `${blockFn}(vec4u(trial, first_block + ${b}u, 0u, ${SDE_TAG_WIENER}u), seed)`);

  /** One time step of the scheme on `s` with increments `dW`, at global step `step` (both in scope). */
  const stepBody = wgsl`
    let t = t0 + f32(step) * dt;
    ${branchFree ? '{ let live = st.flags == 0u;   // not frozen (diverged or absorbed)' : 'if (st.flags == 0u) {'}
      var next = s;
#if ${isEm}
      let drift = model_drift(t, s, p);
      let noise = model_noise(t, s, p, dW);   // G(t, x) dW
${each((v) => `next.${v} = s.${v} + drift.${v} * dt + noise.${v};`)}
#elif ${isMilstein}
      let drift = model_drift(t, s, p);
      let g = model_diffusion(t, s, p);
      let dg = model_diffusion_dx(t, s, p);
${each((v, j) => `next.${v} = s.${v} + drift.${v} * dt + g.${v} * dW[${j}] + 0.5 * g.${v} * dg.${v} * (dW[${j}] * dW[${j}] - dt);`)}
#elif ${isWeak2}
      let sdt = sqrt(dt);
      let drift = model_drift(t, s, p);
      let g = model_diffusion(t, s, p);
      var support = s;       // Y  = x + f h + g dW
      var support_p = s;     // Y+ = x + f h + g sqrt(h)
      var support_m = s;     // Y- = x + f h - g sqrt(h)
${each((v, j) => `support.${v} = s.${v} + drift.${v} * dt + g.${v} * dW[${j}];`)}
${each((v) => `support_p.${v} = s.${v} + drift.${v} * dt + g.${v} * sdt;`)}
${each((v) => `support_m.${v} = s.${v} + drift.${v} * dt - g.${v} * sdt;`)}
      let drift_y = model_drift(t + dt, support, p);
      let g_p = model_diffusion(t, support_p, p);
      let g_m = model_diffusion(t, support_m, p);
${each((v, j) => `next.${v} = s.${v} + 0.5 * (drift_y.${v} + drift.${v}) * dt + 0.25 * (g_p.${v} + g_m.${v} + 2.0 * g.${v}) * dW[${j}] + 0.25 * (g_p.${v} - g_m.${v}) * (dW[${j}] * dW[${j}] - dt) / sdt;`)}
#elif ${isMala}
      // proposal y = x + h grad log pi(x) + sqrt(2) dW, accepted with the Metropolis-Hastings ratio
      let noise = model_noise(t, s, p, dW);
      var y = s;
${each((v) => `y.${v} = s.${v} + score_s.${v} * dt + noise.${v};`)}
      let score_y = model_drift(t, y, p);
      let logp_y = model_log_density(t, y, p);
      var back = y;          // y + h grad log pi(y), the mean of the reverse proposal
${each((v) => `back.${v} = y.${v} + score_y.${v} * dt;`)}
      var fwd = s;           // x + h grad log pi(x), the mean of the forward proposal
${each((v) => `fwd.${v} = s.${v} + score_s.${v} * dt;`)}
      let log_alpha = logp_y - logp_s - (dist2(s, back) - dist2(y, fwd)) / (4.0 * dt);
      let accept_u = philox_uniform(${blockFn}(vec4u(trial, step, 0u, ${SDE_TAG_ACCEPT}u), seed).x);
      if (precise_log(accept_u) < log_alpha && state_finite(y)) {
        next = y;
        score_s = score_y;
        logp_s = logp_y;
        st.accepted += 1u;
      }
#elif ${isBaoab}
      let inv_sdt = 1.0 / sqrt(dt);
${each((v) => `vel.${v} = vel.${v} + 0.5 * dt * force.${v};`)}      // B
${each((v) => `next.${v} = s.${v} + 0.5 * dt * vel.${v};`)}      // A
${each((v, j) => `vel.${v} = c1 * vel.${v} + c2 * dW[${j}] * inv_sdt;`)}      // O
${each((v) => `next.${v} = next.${v} + 0.5 * dt * vel.${v};`)}      // A
      force = model_drift(t + dt, next, p);
${each((v) => `vel.${v} = vel.${v} + 0.5 * dt * force.${v};`)}      // B
#endif
#if ${hasEvent}
      ${branchFree ? 'if (live) {' : '{'}
      if (st.refractory_left > 0u) {
        next.${ev} = model_reset(t + dt, next, p);
        st.refractory_left -= 1u;
      } else if (next.${ev} >= model_threshold(t + dt, next, p)) {
        if (st.spikes == 0u) { st.first_spike = t + dt; }
        st.spikes += 1u;
        next.${ev} = model_reset(t + dt, next, p);
        st.refractory_left = refractory_steps;
      }
      }
#endif
${branchFree ? `      let finite = state_finite(next);
      if (live & !finite) {
        st.flags = st.flags | ${SDE_FLAG_DIVERGED}u;   // freeze at the last finite state
        st.stop_step = step + 1u;
      }
${each((v) => `  s.${v} = select(s.${v}, next.${v}, live & finite);`)}
${absorbChecks.length > 0 ? `      if (live & finite & (${absorbChecks.join(' || ')})) {
        st.flags = st.flags | ${SDE_FLAG_ABSORBED}u;
        st.stop_step = step + 1u;
      }` : ''}
    }` : `      if (!state_finite(next)) {
        st.flags = st.flags | ${SDE_FLAG_DIVERGED}u;   // freeze at the last finite state
        st.stop_step = step + 1u;
      } else {
        s = next;
${absorbChecks.length > 0 ? `        if (${absorbChecks.join(' || ')}) {
          st.flags = st.flags | ${SDE_FLAG_ABSORBED}u;
          st.stop_step = step + 1u;
        }` : ''}
      }
    }`}
#if ${hasSnap}
    if (u.snap_every > 0u && (step + 1u) % u.snap_every == 0u) {
      let base = ((step + 1u) / u.snap_every - 1u) * ${o.snapshot.length}u;
${o.snapshot.map((k, r) => `      snapshots[(base + ${r}u) * T + i] = s.${V[k]};`).join('\n')}
    }
#endif
`;

  return wgsl`
${generatorWGSL(generator)}
${WGSL_LINEAR_INDEX}
${o.modelWGSL}

${sdeUniforms(o.params).wgslStruct('SdeUniforms')}

// Per-trial bookkeeping carried across dispatches (src/core/sde-status.ts).
${sdeTrialStatus.wgslStruct('TrialStatus')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> u: SdeUniforms;                    // sizes, step range, seed, scalar params
@group(0) @binding(1) var<storage, read_write> state: array<f32>;    // [${stateRows} rows][trials], row-major by variable
@group(0) @binding(2) var<storage, read> sweep: array<f32>;          // swept params [${o.swept.length}][trials]
@group(0) @binding(3) var<storage, read_write> status: array<TrialStatus>; // one per trial
@group(0) @binding(4) var<storage, read_write> snapshots: array<f32>; // [snapshot][recorded var][trials]

// Normal number q of this trial's Wiener stream: lane q % 4 of Philox block q / 4, counter
// (trial, block, 0, tag). The last block is cached, so 4 consecutive normals cost one Philox call
// on a GPU (on SwiftShader the branch costs a call regardless); used only outside whole groups.
var<private> normal_cache: vec4f;
var<private> normal_block: u32 = 0xffffffffu;
fn wiener_normal(trial: u32, q: u32) -> f32 {
  let block = q >> 2u;
  if (block != normal_block) {
    normal_cache = ${normal4}(${blockFn}(vec4u(trial, block, 0u, ${SDE_TAG_WIENER}u), vec2u(u.seed_lo, u.seed_hi)));
    normal_block = block;
  }
  return normal_cache[q & 3u];
}

// Wiener increments over one step: the sum of u.refine fine increments of variance dt / refine;
// only the ${a} active process(es) draw numbers (${stride} per fine step), the others stay 0.
fn wiener_increment(trial: u32, step: u32) -> array<f32, ${m}> {
  var dw: array<f32, ${m}>;
${a === 0 ? '  _ = trial; _ = step;' : `  for (var j = 0u; j < u.refine; j++) {
    let q = (step * u.refine + j) * ${stride}u;
${stride % 4 === 0
    // whole blocks per fine step: no cache, no branch
    ? Array.from({ length: stride / 4 }, (_, b) => [
      `    let g${b} = ${normal4}(${blockFn}(vec4u(trial, (q >> 2u) + ${b}u, 0u, ${SDE_TAG_WIENER}u), vec2u(u.seed_lo, u.seed_hi)));`,
      ...o.activeNoise.slice(4 * b, 4 * b + 4).map((k, c) => `    dw[${k}] += g${b}[${c}];`),
    ].join('\n')).join('\n')
    : o.activeNoise.map((k, r) => `    dw[${k}] += wiener_normal(trial, q + ${r}u);`).join('\n')}
  }
  let scale = sqrt(u.dt / f32(u.refine));
${o.activeNoise.map((k) => `  dw[${k}] *= scale;`).join('\n')}`}
  return dw;
}

// Whether every component is finite (no NaN/Inf): exponent bits not all ones. Non-short-circuit &
// (a chain of && is a chain of branches).
fn state_finite(s: ModelState) -> bool {
  return ${V.map((v) => `((bitcast<u32>(s.${v}) & 0x7f800000u) != 0x7f800000u)`).join(' & ')};
}

#if ${isMala}
// ||a - b||^2 over the state components
fn dist2(a: ModelState, b: ModelState) -> f32 {
  var d = 0.0;
${V.map((v) => `  d += (a.${v} - b.${v}) * (a.${v} - b.${v});`).join('\n')}
  return d;
}
#endif

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  let T = u.trials;
  _ = arrayLength(&sweep);       // keep every binding in the layout, used or not by this model
  _ = arrayLength(&snapshots);
  if (i >= T) { return; }
  let trial = u.trial_offset + i;
  let dt = u.dt;
  let p = ModelParams(${paramInit});
  var s = ModelState(${o.state.map((_, k) => `state[${k}u * T + i]`).join(', ')});
#if ${isBaoab}
  var vel = ModelState(${o.state.map((_, k) => `state[${n + k}u * T + i]`).join(', ')});  // velocities
  let c1 = exp(-u.friction * dt);
  let c2 = sqrt(1.0 - c1 * c1);
  var force = model_drift(u.t0 + f32(u.step_begin) * dt, s, p);   // grad log pi at the current state
#endif
#if ${isMala}
  var score_s = model_drift(u.t0 + f32(u.step_begin) * dt, s, p);
  var logp_s = model_log_density(u.t0 + f32(u.step_begin) * dt, s, p);
#endif
  var st = status[i];
  let grouped = u.refine == 1u;   // groups share blocks across steps only on the unrefined grid
  let head = select(u.step_count, min(u.step_count, (${group.steps}u - u.step_begin % ${group.steps}u) % ${group.steps}u), grouped);
#if ${a > 0}
  let noise_scale = sqrt(u.dt / f32(u.refine));   // the same expression as in wiener_increment, for the same bits
#endif
  // uniforms read once here rather than in every step
  let seed = vec2u(u.seed_lo, u.seed_hi);
  let t0 = u.t0;
  let refractory_steps = u.refractory_steps;
  _ = seed; _ = t0; _ = refractory_steps;
#if ${hoistRound1 && a > 0}
  // round 1 of every Wiener block, whose counter (trial, block, 0, tag) varies in the block word only
  let round1_hi = philox_mulhi(PHILOX_M0, trial) ^ ${SDE_TAG_WIENER}u ^ seed.y;
  let round1_lo = PHILOX_M0 * trial;
#endif
  var k = 0u;
  // steps before the first group boundary (or all of them when refine > 1)
  for (; k < head; k++) {
    let step = u.step_begin + k;
    let dW = wiener_increment(trial, step);
    {
${stepBody}
    }
  }
  // whole groups: ${group.steps} step(s) on ${group.blocks} Philox block(s) drawn up front
  for (; grouped && k + ${group.steps}u <= u.step_count; k += ${group.steps}u) {
    let first_block = (u.step_begin + k) / ${group.steps}u * ${group.blocks}u;
${Array.from({ length: group.blocks }, (_, b) => `    let g${b} = ${normal4}(${groupBlock(b)});`).join('\n')}
${Array.from({ length: group.steps }, (_, g) => `    {
      let step = u.step_begin + k + ${g}u;
${groupIncrement(g)}
${stepBody}
    }`).join('\n')}
  }
  // the rest after the last group boundary
  for (; k < u.step_count; k++) {
    let step = u.step_begin + k;
    let dW = wiener_increment(trial, step);
    {
${stepBody}
    }
  }
${o.state.map((_, k) => `  state[${k}u * T + i] = s.${V[k]};`).join('\n')}
#if ${isBaoab}
${o.state.map((_, k) => `  state[${n + k}u * T + i] = vel.${V[k]};`).join('\n')}
#endif
  status[i] = st;
}
`;
}
