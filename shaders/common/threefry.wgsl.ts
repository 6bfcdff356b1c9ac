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
  const name = threefryFn(rounds);
  const parity = `0x${THREEFRY_KEY_PARITY32.toString(16).toUpperCase()}u`;
  // Rotations are written inline with constant shifts (no helper), so modules with two round counts
  // (the known-answer tests, the bench) declare nothing twice.
  return /* wgsl */ `
// Threefry-4x32 with ${rounds} rounds: four random 32-bit words of a 128-bit counter under a 128-bit key.
fn ${name}_key4(counter: vec4u, key: vec4u) -> vec4u {
  let ks0 = key.x;
  let ks1 = key.y;
  let ks2 = key.z;
  let ks3 = key.w;
  let ks4 = ${parity} ^ ks0 ^ ks1 ^ ks2 ^ ks3;   // Skein's key-schedule parity word
${threefryBody(rounds, false)}
}

// The same under wgneuro's two-word seed, key (seed.x, seed.y, 0, 0): philox4x32_10's signature.
// Written out again without the additions of the two zero key words (SwiftShader's JIT does not
// fold them): 12 fewer adds per call at 20 rounds.
fn ${name}(counter: vec4u, seed: vec2u) -> vec4u {
  let ks0 = seed.x;
  let ks1 = seed.y;
  let ks4 = ${parity} ^ ks0 ^ ks1;   // Skein's key-schedule parity word
${threefryBody(rounds, true)}
}
`;
}

/** The rounds and key injections on words x0…x3 from `counter` and key words ks0…ks4 in scope. */
function threefryBody(rounds: number, zeroKey23: boolean): string {
  /** `word += ks<j> (+ extra)`, leaving out key words 2 and 3 when they are known to be 0. */
  const add = (word: string, j: number, extra = ''): string => {
    const terms = [...(zeroKey23 && (j === 2 || j === 3) ? [] : [`ks${j}`]), ...(extra ? [extra] : [])];
    return terms.length ? `${word} += ${terms.join(' + ')};` : '';
  };
  const lines = [0, 1, 2, 3].map((j) => `  var x${j} = counter.${'xyzw'[j]}${zeroKey23 && j >= 2 ? '' : ` + ks${j}`};`);
  for (let r = 0; r < rounds; r++) {
    const [ra, rb] = THREEFRY4X32_ROTATIONS[r % 8]!;
    // Even rounds mix (x0, x1) and (x2, x3); odd rounds (x0, x3) and (x2, x1) (Threefish's permutation).
    const [a, b] = r % 2 === 0 ? ['x1', 'x3'] : ['x3', 'x1'];
    const rotl = (x: string, by: number): string => `((${x} << ${by}u) | (${x} >> ${32 - by}u))`;
    lines.push(`  x0 += ${a}; ${a} = ${rotl(a, ra)} ^ x0; x2 += ${b}; ${b} = ${rotl(b, rb)} ^ x2;`);
    if (r % 4 === 3) {
      // Key injection s: the schedule rotated by s, plus s in the last word.
      const s = (r + 1) / 4;
      lines.push(`  ${[add('x0', s % 5), add('x1', (s + 1) % 5), add('x2', (s + 2) % 5), add('x3', (s + 3) % 5, `${s}u`)].filter(Boolean).join(' ')}   // key injection ${s}`);
    }
  }
  lines.push('  return vec4u(x0, x1, x2, x3);');
  return lines.join('\n');
}
