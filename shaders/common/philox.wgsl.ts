/**
 * Philox4x32-10 counter-based random numbers in WGSL.
 *
 * Salmon, Moraes, Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11.
 * A pure function of a 128-bit counter and a 64-bit key, so every random number in a simulation is
 * addressed by (seed, trial, step, stream) and any chunking or dispatch split reproduces it exactly.
 *
 * WGSL has no 64-bit integers, so the high word of each 32×32→64 product is assembled from four
 * 16×16-bit products with the carry folded into the partial sums (Warren, "Hacker's Delight", 2nd
 * ed., §8-2 `mulhu`), and the ten rounds are unrolled: together 1.4× fewer instructions per call than
 * the carry-by-sum form with a round loop, measured on SwiftShader (bench/README.md, "random numbers").
 * The TypeScript twin in src/reference/philox.ts computes bit-identical words.
 *
 * Counter convention used across wgneuro: `vec4u(index, step, stream, tag)` and key
 * `vec2u(seed_lo, seed_hi)`, where `index` is a trial or element number.
 *
 * The word → uniform and word → normal functions below (named philox_* for history) serve any
 * generator's words, Threefry-4x32's too (./threefry.wgsl.ts, ./generator.wgsl.ts).
 * Normals come in two transforms of the same uniforms (see {@link NormalTransform}):
 * `philox_normal4` (precise: our own log and sincos, a few ulp on every device, the default) and
 * `philox_normal4_fast` (the platform's builtin log/cos/sin, whose error WGSL bounds only loosely).
 */
import type { NormalTransform } from '../../src/core/seed.js';
export const philoxWGSL = /* wgsl */ `
const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;  // golden ratio, Weyl key increment
const PHILOX_W1: u32 = 0xBB67AE85u;  // sqrt(3) - 1, Weyl key increment

// High 32 bits of the 64-bit product a * b (Hacker's Delight §8-2): t and w never overflow because
// (2^16 - 1)^2 + 2 (2^16 - 1) < 2^32, so the carries out of the middle column ride along in their
// high halves instead of being summed and shifted separately.
fn philox_mulhi(a: u32, b: u32) -> u32 {
  return philox_mulhi_halves(a & 0xffffu, a >> 16u, b);
}

// The same with a's 16-bit halves given: for a constant a they are constant expressions, which WGSL
// compilers fold, while SwiftShader's JIT would split the constant again in every call.
fn philox_mulhi_halves(a_lo: u32, a_hi: u32, b: u32) -> u32 {
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let t = a_hi * b_lo + ((a_lo * b_lo) >> 16u);
  let w = a_lo * b_hi + (t & 0xffffu);
  return a_hi * b_hi + (t >> 16u) + (w >> 16u);
}

fn philox_round(ctr: vec4u, key: vec2u) -> vec4u {
  let hi0 = philox_mulhi_halves(PHILOX_M0 & 0xffffu, PHILOX_M0 >> 16u, ctr.x);
  let lo0 = PHILOX_M0 * ctr.x;
  let hi1 = philox_mulhi_halves(PHILOX_M1 & 0xffffu, PHILOX_M1 >> 16u, ctr.z);
  let lo1 = PHILOX_M1 * ctr.z;
  return vec4u(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
}

// Philox4x32 with 10 rounds: four independent 32-bit random words. The rounds are written out
// because SwiftShader's JIT keeps the loop (measured 1.15× slower); GPU compilers unroll either form.
fn philox4x32_10(counter: vec4u, seed: vec2u) -> vec4u {
  return philox4x32_10_rounds_2_to_10(philox_round(counter, seed), seed);
}

// Rounds 2 to 10 on the output c1 of round 1: for callers that compute round 1 once for many
// counters (the SDE kernel: counter (trial, block, 0, tag) varies only in the block word, and round 1
// of such a counter is (block ^ seed.x, 0, mulhi(M0, trial) ^ tag ^ seed.y, M0 * trial)).
fn philox4x32_10_rounds_2_to_10(c1: vec4u, seed: vec2u) -> vec4u {
  let w = vec2u(PHILOX_W0, PHILOX_W1);
  let c2 = philox_round(c1, seed + w);
  let c3 = philox_round(c2, seed + 2u * w);
  let c4 = philox_round(c3, seed + 3u * w);
  let c5 = philox_round(c4, seed + 4u * w);
  let c6 = philox_round(c5, seed + 5u * w);
  let c7 = philox_round(c6, seed + 6u * w);
  let c8 = philox_round(c7, seed + 7u * w);
  let c9 = philox_round(c8, seed + 8u * w);
  return philox_round(c9, seed + 9u * w);
}

// Uniform in (0, 1) from the top 23 bits: (k + 0.5) / 2^23 is exact in f32 and never 0 or 1.
fn philox_uniform(bits: u32) -> f32 {
  return (f32(bits >> 9u) + 0.5) * 1.1920928955078125e-7;
}

fn philox_uniform4(bits: vec4u) -> vec4f {
  return (vec4f(bits >> vec4u(9u)) + vec4f(0.5)) * 1.1920928955078125e-7;
}

// Natural log of x > 0 to about 1 ulp, independent of the platform's log() (WGSL allows builtin
// log/cos/sin errors up to ~2^-11 absolute, which SwiftShader shows): frexp splits off the binary
// exponent and log(m) = 2 atanh((m - 1) / (m + 1)) is summed as an odd series with |s| < 0.172,
// truncated after s^9 (the next term is below 3e-9 relative).
fn precise_log(x: f32) -> f32 {
  let parts = frexp(x);
  // m = fract in [0.5, 1), moved to [sqrt(1/2), sqrt(2)) by selects, not a branch
  let low = parts.fract < 0.70710678;
  let m = select(parts.fract, parts.fract * 2.0, low);
  let e = select(f32(parts.exp), f32(parts.exp) - 1.0, low);
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666667 + s2 * (0.4 + s2 * (0.2857142857 + s2 * 0.2222222222))));
  return e * 0.69314718055994531 + series;
}

// (sin(pi t), cos(pi t)) for |t| <= 1, accurate to about 1 ulp: the quarter-period k = round(2t)
// is removed exactly (t is on a 2^-23 grid), and the remainder |x| <= pi/4 goes through Taylor
// polynomials to degree 9/10 (next terms below 2e-9). The quarter turns are applied with selects,
// not a switch, so lanes in different quadrants never take different branches.
fn precise_sincospi(t: f32) -> vec2f {
  let k = round(2.0 * t);
  let x = 3.14159265358979 * (t - 0.5 * k);
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.6666666667e-1 + x2 * (8.3333333333e-3 + x2 * (-1.9841269841e-4 + x2 * 2.7557319224e-6))));
  let c = 1.0 + x2 * (-0.5 + x2 * (4.1666666667e-2 + x2 * (-1.3888888889e-3 + x2 * (2.4801587302e-5 + x2 * -2.7557319224e-7))));
  // quadrant q: (sin, cos) of x + q pi/2 is (s, c), (c, -s), (-s, -c), (-c, s) for q = 0, 1, 2, 3
  let q = u32(i32(k) + 4) & 3u;
  let turned = select(vec2f(s, c), vec2f(c, s), (q & 1u) == 1u);
  return vec2f(select(turned.x, -turned.x, q >= 2u), select(turned.y, -turned.y, q == 1u || q == 2u));
}

// Four standard normals by the Box–Muller transform (Box & Muller 1958) on two pairs of uniforms,
// with angle pi * (2u - 1) in (-pi, pi). Uses the precise log/sincos above so every device (and the
// CPU twin) produces the same normals to within a few ulp.
fn philox_normal4(bits: vec4u) -> vec4f {
  let u = philox_uniform4(bits);
  let r0 = sqrt(-2.0 * precise_log(u.x));
  let r1 = sqrt(-2.0 * precise_log(u.z));
  let a0 = precise_sincospi(2.0 * u.y - 1.0);
  let a1 = precise_sincospi(2.0 * u.w - 1.0);
  return vec4f(r0 * a0.y, r0 * a0.x, r1 * a1.y, r1 * a1.x);
}

// The same four normals as philox_normal4 in exact arithmetic, through the platform's builtin
// log/cos/sin: about 2.5× cheaper than the precise transform on SwiftShader, and on GPUs these map
// to special-function units. Their error is the platform's (WGSL: log within 2^-21 absolute on
// [0.5, 2] and 3 ulp elsewhere, cos/sin within 2^-11 absolute on [-pi, pi]); 2u - 1 is exact, so
// the angle is rounded once.
fn philox_normal4_fast(bits: vec4u) -> vec4f {
  let u = philox_uniform4(bits);
  let r = sqrt(-2.0 * log(u.xz));
  let a = 3.14159265358979 * (2.0 * u.yw - vec2f(1.0));
  return vec4f(r.x * cos(a.x), r.x * sin(a.x), r.y * cos(a.y), r.y * sin(a.y));
}
`;

/** Name of the WGSL function (declared by {@link philoxWGSL}) that maps four Philox words to four normals. */
export function philoxNormal4Fn(transform: NormalTransform): 'philox_normal4' | 'philox_normal4_fast' {
  return transform === 'fast' ? 'philox_normal4_fast' : 'philox_normal4';
}
