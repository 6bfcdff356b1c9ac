/**
 * The random-number path of the SDE kernel in isolation (part of `wgneuro bench sde`): Philox4x32-10
 * calls and Box–Muller transforms per second, each variant in its own kernel in the same run, with
 * the formulation wgneuro used before issue 16 kept here as the peer to beat:
 *  - Philox's high product words from 16-bit halves with the carry summed separately, rounds in a
 *    loop (before) against Hacker's Delight's `mulhu` partial sums with the rounds written out (now);
 *  - the precise transform with log's series to s^11, sincos to degree 11/12 and a switch over
 *    quadrants (before) against shorter series and selects (now), and the builtin `'fast'` transform;
 *  - Threefry-4x32-20 (`generator: 'threefry'`, no multiplications) against Philox4x32-10 as it is
 *    now, its peer here; and Threefry-4x32-13 words, to show what fewer rounds would save;
 *  - four Philox blocks computed together, each counter word a vec4u across the blocks (four
 *    independent dependency chains per instruction), against one block at a time: whether the JIT
 *    is bound by latency (then the interleaved form wins) or by instruction throughput (a tie).
 * Each invocation makes `calls` calls; the words or normals are summed and written so that no
 * compiler can drop them. Browser-safe (the lab's bench page runs it).
 */
import { philoxWGSL } from '../shaders/common/philox.wgsl.js';
import { threefryFn, threefryWGSL } from '../shaders/common/threefry.wgsl.js';
import type { Context } from '../src/core/context.js';
import { medianTimes } from './timing.js';

/** The generator and normal transform of wgneuro before issue 16 (names suffixed `_before`). */
const BEFORE_WGSL = /* wgsl */ `
fn philox_mulhi_before(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo;
  let lo_hi = a_lo * b_hi;
  let hi_lo = a_hi * b_lo;
  let carry = ((lo_lo >> 16u) + (lo_hi & 0xffffu) + (hi_lo & 0xffffu)) >> 16u;
  return a_hi * b_hi + (lo_hi >> 16u) + (hi_lo >> 16u) + carry;
}
fn philox_round_before(ctr: vec4u, key: vec2u) -> vec4u {
  let hi0 = philox_mulhi_before(PHILOX_M0, ctr.x);
  let lo0 = PHILOX_M0 * ctr.x;
  let hi1 = philox_mulhi_before(PHILOX_M1, ctr.z);
  let lo1 = PHILOX_M1 * ctr.z;
  return vec4u(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
}
fn philox4x32_10_before(counter: vec4u, seed: vec2u) -> vec4u {
  var ctr = counter;
  var key = seed;
  ctr = philox_round_before(ctr, key);
  for (var r = 1u; r < 10u; r++) {
    key += vec2u(PHILOX_W0, PHILOX_W1);
    ctr = philox_round_before(ctr, key);
  }
  return ctr;
}
fn precise_log_before(x: f32) -> f32 {
  let parts = frexp(x);
  var m = parts.fract;
  var e = f32(parts.exp);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666667 + s2 * (0.4 + s2 * (0.2857142857 + s2 * (0.2222222222 + s2 * 0.1818181818)))));
  return e * 0.69314718055994531 + series;
}
fn precise_sincospi_before(t: f32) -> vec2f {
  let k = round(2.0 * t);
  let x = 3.14159265358979 * (t - 0.5 * k);
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.6666666667e-1 + x2 * (8.3333333333e-3 + x2 * (-1.9841269841e-4 + x2 * (2.7557319224e-6 + x2 * -2.5052108385e-8)))));
  let c = 1.0 + x2 * (-0.5 + x2 * (4.1666666667e-2 + x2 * (-1.3888888889e-3 + x2 * (2.4801587302e-5 + x2 * (-2.7557319224e-7 + x2 * 2.0876756988e-9)))));
  let quadrant = (i32(k) + 4) % 4;
  switch (quadrant) {
    case 1: { return vec2f(c, -s); }
    case 2: { return vec2f(-s, -c); }
    case 3: { return vec2f(-c, s); }
    default: { return vec2f(s, c); }
  }
}
// Philox4x32-10 on four counters at once, structure of arrays: word w of block b is component b of
// c[w], so each statement below is four independent copies of one step of the scalar rounds.
fn philox_mulhi_x4(a: u32, b: vec4u) -> vec4u {
  let b_lo = b & vec4u(0xffffu);
  let b_hi = b >> vec4u(16u);
  let t = (a >> 16u) * b_lo + (((a & 0xffffu) * b_lo) >> vec4u(16u));
  let w = (a & 0xffffu) * b_hi + (t & vec4u(0xffffu));
  return (a >> 16u) * b_hi + (t >> vec4u(16u)) + (w >> vec4u(16u));
}
fn philox4x32_10_x4(counter: array<vec4u, 4>, seed: vec2u) -> array<vec4u, 4> {
  var c = counter;
  var key = seed;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { key += vec2u(PHILOX_W0, PHILOX_W1); }
    let hi0 = philox_mulhi_x4(PHILOX_M0, c[0]);
    let lo0 = PHILOX_M0 * c[0];
    let hi1 = philox_mulhi_x4(PHILOX_M1, c[2]);
    let lo1 = PHILOX_M1 * c[2];
    c = array<vec4u, 4>(hi1 ^ c[1] ^ vec4u(key.x), lo1, hi0 ^ c[3] ^ vec4u(key.y), lo0);
  }
  return c;
}
// Blocks 4c … 4c + 3 of this trial's stream, folded to one vec4f (keeps all 16 words alive).
fn philox_x4_words(trial: u32, c: u32, key: vec2u) -> vec4f {
  let r = philox4x32_10_x4(array<vec4u, 4>(vec4u(trial), vec4u(4u * c) + vec4u(0u, 1u, 2u, 3u), vec4u(0u), vec4u(0u)), key);
  return bitcast<vec4f>((r[0] ^ r[1] ^ r[2] ^ r[3]) & vec4u(0x3fffffffu));
}
fn philox_normal4_before(bits: vec4u) -> vec4f {
  let u = philox_uniform4(bits);
  let r0 = sqrt(-2.0 * precise_log_before(u.x));
  let r1 = sqrt(-2.0 * precise_log_before(u.z));
  let a0 = precise_sincospi_before(2.0 * u.y - 1.0);
  let a1 = precise_sincospi_before(2.0 * u.w - 1.0);
  return vec4f(r0 * a0.y, r0 * a0.x, r1 * a1.y, r1 * a1.x);
}
`;

/** Cheap distinct words per call for the transform-only variants (a Weyl sequence, not random). */
const WEYL = 'vec4u(trial * 2654435761u + c * 0x9E3779B9u) ^ vec4u(0u, 0x1234567u, 0x2345678u, 0x3456789u)';
const PHILOX = (fn: string): string => `${fn}(vec4u(trial, c, 0u, 0u), key)`;
const THREEFRY = PHILOX(threefryFn());

/** The variants timed: what one call computes, as a WGSL expression of `trial`, `c` and `key`. */
const VARIANTS: readonly { name: string; expr: string; before?: string; blocks?: number }[] = [
  { name: 'loop only (baseline)', expr: 'vec4f(f32(c))' },
  { name: 'Philox4x32-10 words, before', expr: `bitcast<vec4f>(${PHILOX('philox4x32_10_before')} & vec4u(0x3fffffffu))` },
  { name: 'Philox4x32-10 words, now', expr: `bitcast<vec4f>(${PHILOX('philox4x32_10')} & vec4u(0x3fffffffu))`, before: 'Philox4x32-10 words, before' },
  { name: '4 normals from words, precise before', expr: `philox_normal4_before(${WEYL})` },
  { name: '4 normals from words, precise now', expr: `philox_normal4(${WEYL})`, before: '4 normals from words, precise before' },
  { name: '4 normals from words, fast (builtins)', expr: `philox_normal4_fast(${WEYL})`, before: '4 normals from words, precise before' },
  { name: 'Philox + precise normals, before', expr: `philox_normal4_before(${PHILOX('philox4x32_10_before')})` },
  { name: 'Philox + precise normals, now', expr: `philox_normal4(${PHILOX('philox4x32_10')})`, before: 'Philox + precise normals, before' },
  { name: 'Philox + fast normals, now', expr: `philox_normal4_fast(${PHILOX('philox4x32_10')})`, before: 'Philox + precise normals, before' },
  { name: 'Threefry4x32-20 words', expr: `bitcast<vec4f>(${THREEFRY} & vec4u(0x3fffffffu))`, before: 'Philox4x32-10 words, now' },
  { name: 'Threefry4x32-13 words', expr: `bitcast<vec4f>(${PHILOX(threefryFn(13))} & vec4u(0x3fffffffu))`, before: 'Philox4x32-10 words, now' },
  { name: 'Philox4x32-10 words, 4 blocks interleaved', expr: 'philox_x4_words(trial, c, key)', blocks: 4, before: 'Philox4x32-10 words, now' },
  { name: 'Threefry + precise normals', expr: `philox_normal4(${THREEFRY})`, before: 'Philox + precise normals, now' },
  { name: 'Threefry + fast normals', expr: `philox_normal4_fast(${THREEFRY})`, before: 'Philox + fast normals, now' },
];

/** One measured variant of the random-number path. */
export interface RngBenchRow {
  variant: string;
  /** Calls (one Philox block or one 4-normal transform) per second, end to end with one readback. */
  callsPerSecond: number;
  /**
   * This variant's rate over its peer's: the matching "before" formulation, or for Threefry rows
   * the same with Philox as it is now (1 for baselines and "before" rows).
   */
  speedupOverBefore: number;
  /** With `cpuTime`: the same by process CPU time. */
  callsPerCpuSecond?: number;
  speedupOverBeforeCpu?: number;
}

/** Time every variant on `invocations` × `calls` calls; median of `reps` after a warm-up. */
export async function runRngBench(ctx: Context, o: { invocations: number; calls: number; reps: number; cpuTime?: boolean }): Promise<RngBenchRow[]> {
  const workgroups = Math.ceil(o.invocations / 64);
  const out = ctx.tensor([workgroups * 64 * 4], { label: 'bench.rng.out' });
  try {
    const invocations = workgroups * 64;
    const rates = new Map<string, number>();
    const cpuRates = new Map<string, number>();
    for (const v of VARIANTS) {
      const code = `${philoxWGSL}\n${BEFORE_WGSL}\n${threefryWGSL()}\n${threefryWGSL(13)}
@group(0) @binding(0) var<storage, read_write> sums: array<vec4f>;   // per invocation, keeps the work alive
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let trial = id.x;
  let key = vec2u(0x2545f491u, 0x9e3779b9u);
  var acc = vec4f(0.0);
  for (var c = 0u; c < ${o.calls}u; c++) { acc += ${v.expr}; }
  sums[trial] = acc;
}`;
      const pipeline = await ctx.kernel({ label: 'bench.rng', code });
      const t = await medianTimes(o.reps, async () => {
        ctx.dispatch({ label: 'bench.rng', pipeline, bindings: [out], workgroups: [workgroups] });
        await out.read();
      }, o.cpuTime);
      // a call of an interleaved variant computes `blocks` blocks: rates count blocks, like the others
      const calls = invocations * o.calls * (v.blocks ?? 1);
      rates.set(v.name, calls / (t.ms / 1000));
      if (t.cpuMs !== undefined) cpuRates.set(v.name, calls / (t.cpuMs / 1000));
    }
    return VARIANTS.map((v) => {
      const rate = rates.get(v.name)!;
      const row: RngBenchRow = { variant: v.name, callsPerSecond: rate, speedupOverBefore: v.before ? rate / rates.get(v.before)! : 1 };
      const cpuRate = cpuRates.get(v.name);
      if (cpuRate !== undefined) {
        row.callsPerCpuSecond = cpuRate;
        row.speedupOverBeforeCpu = v.before ? cpuRate / cpuRates.get(v.before)! : 1;
      }
      return row;
    });
  } finally {
    out.destroy();
  }
}
