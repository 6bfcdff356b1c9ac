/**
 * Threefry-4x32 counter-based random numbers in WGSL: Salmon, Moraes, Dror & Shaw (2011), "Parallel
 * random numbers: as easy as 1, 2, 3", SC'11 — the Threefish-256 block cipher of Skein (Ferguson et
 * al. 2010) on 32-bit words, with Random123's rotation constants and key schedule
 * (src/core/seed.ts). A pure function of a 128-bit counter and a key, like Philox4x32-10
 * (./philox.wgsl.ts), on the same counter convention `vec4u(index, step, stream, tag)` with key
 * `vec4u(seed_lo, seed_hi, 0, 0)`; the TypeScript twin in src/reference/threefry.ts computes
 * bit-identical words.
 *
 * Why it is here: each round is two 32-bit adds, two rotations and two xors, so twenty rounds cost
 * no multiplication at all, where Philox's ten rounds need twenty 32×32→64-bit products that WGSL,
 * lacking 64-bit integers, must emulate from 16-bit halves (bench/README.md, "The random-number path").
 * The rounds and key injections are written out (generated below): SwiftShader's JIT keeps loops.
 */
import { THREEFRY4X32_ROTATIONS, THREEFRY_KEY_PARITY32, THREEFRY_ROUNDS } from '../../src/core/seed.js';

/** Name of the WGSL function `(counter: vec4u, seed: vec2u) -> vec4u` declared by {@link threefryWGSL}. */
export function threefryFn(rounds: number = THREEFRY_ROUNDS): string {
  return `threefry4x32_${rounds}`;
}

/**
 * WGSL declaring `threefry4x32_<rounds>_key4(counter: vec4u, key: vec4u) -> vec4u` (the full
 * four-word key, as Random123's known-answer vectors use it) and `threefry4x32_<rounds>(counter,
 * seed: vec2u)` (key `(seed, 0, 0)`, the signature of `philox4x32_10`). Default 20 rounds, the only
 * count the kernels use; tests also build 13 and 72 for the published vectors.
 */
export function threefryWGSL(rounds: number = THREEFRY_ROUNDS): string {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 72) throw new RangeError(`Threefry rounds must be a whole number in [1, 72], got ${rounds}`);
  const lines: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const [ra, rb] = THREEFRY4X32_ROTATIONS[r % 8]!;
    // Even rounds mix (x0, x1) and (x2, x3); odd rounds (x0, x3) and (x2, x1) (Threefish's permutation).
    const [a, b, c, d] = r % 2 === 0 ? ['x1', 'x3', 'x1', 'x3'] : ['x3', 'x1', 'x3', 'x1'];
    lines.push(`  x0 += ${a}; ${c} = threefry_rotl(${c}, ${ra}u) ^ x0; x2 += ${b}; ${d} = threefry_rotl(${d}, ${rb}u) ^ x2;`);
    if (r % 4 === 3) {
      const s = (r + 1) / 4;
      lines.push(`  x0 += ks${s % 5}; x1 += ks${(s + 1) % 5}; x2 += ks${(s + 2) % 5}; x3 += ks${(s + 3) % 5} + ${s}u;   // key injection ${s}`);
    }
  }
  const name = threefryFn(rounds);
  return /* wgsl */ `
fn threefry_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

// Threefry-4x32 with ${rounds} rounds: four random 32-bit words of a 128-bit counter under a 128-bit key.
fn ${name}_key4(counter: vec4u, key: vec4u) -> vec4u {
  let ks0 = key.x;
  let ks1 = key.y;
  let ks2 = key.z;
  let ks3 = key.w;
  let ks4 = 0x${THREEFRY_KEY_PARITY32.toString(16).toUpperCase()}u ^ ks0 ^ ks1 ^ ks2 ^ ks3;   // Skein's key-schedule parity word
  var x0 = counter.x + ks0;
  var x1 = counter.y + ks1;
  var x2 = counter.z + ks2;
  var x3 = counter.w + ks3;
${lines.join('\n')}
  return vec4u(x0, x1, x2, x3);
}

// The same under wgneuro's two-word seed (key words 2 and 3 are 0): philox4x32_10's signature.
fn ${name}(counter: vec4u, seed: vec2u) -> vec4u {
  return ${name}_key4(counter, vec4u(seed, 0u, 0u));
}
`;
}
