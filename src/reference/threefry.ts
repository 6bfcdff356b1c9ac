/**
 * Threefry-4x32 in TypeScript, bit-identical to shaders/common/threefry.wgsl.ts: Salmon, Moraes,
 * Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11 — the Threefish-256
 * block cipher of Skein (Ferguson et al. 2010) on 32-bit words, with Random123's rotation constants
 * and key schedule. Only 32-bit add, rotate and xor, so JavaScript computes it exactly with `>>> 0`.
 */
import { THREEFRY4X32_ROTATIONS, THREEFRY_KEY_PARITY32, THREEFRY_ROUNDS } from '../core/seed.js';

/** `rotl(v, r)` on 32-bit words held as int32 (0 < r < 32). */
function rotl(v: number, r: number): number {
  return (v << r) | (v >>> (32 - r));
}

/**
 * Four 32-bit random words for `counter` (4 words) and `key` (2 or 4 words; missing words are 0,
 * which is how wgneuro's two-word seeds key it). `rounds` defaults to {@link THREEFRY_ROUNDS} (20);
 * other counts exist for Random123's known-answer vectors (13, 20 and 72 rounds are published).
 * Writes into `out` when given, to avoid allocation in hot loops (the plain-JS bench runs it).
 */
export function threefry4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  out: Uint32Array = new Uint32Array(4),
  rounds: number = THREEFRY_ROUNDS,
): Uint32Array {
  const k0 = key[0]! | 0;
  const k1 = key[1]! | 0;
  const k2 = key.length > 2 ? key[2]! | 0 : 0;
  const k3 = key.length > 3 ? key[3]! | 0 : 0;
  return rounds === 20 ? threefry20(counter, k0, k1, k2, k3, out) : threefryRounds(counter, [k0, k1, k2, k3], out, rounds);
}

/**
 * The default 20 rounds written out, words as int32 (`| 0` wraps sums mod 2^32; `>>>` and `^` see
 * the same 32 bits) with the rotations inline (V8 stops inlining 40 calls of a helper): about 3×
 * faster than the loop below, which matters for the plain-JS peer of `wgneuro bench sde`. Tests
 * check it against the loop and the published vectors.
 */
function threefry20(counter: ArrayLike<number>, k0: number, k1: number, k2: number, k3: number, out: Uint32Array): Uint32Array {
  const k4 = THREEFRY_KEY_PARITY32 ^ k0 ^ k1 ^ k2 ^ k3;   // Skein's key-schedule parity word
  let x0 = (counter[0]! + k0) | 0;
  let x1 = (counter[1]! + k1) | 0;
  let x2 = (counter[2]! + k2) | 0;
  let x3 = (counter[3]! + k3) | 0;
  // Rotation pairs R[r mod 8] (src/core/seed.ts); even rounds mix (x0, x1), (x2, x3), odd ones
  // (x0, x3), (x2, x1); key injection s after every fourth round.
  x0 = (x0 + x1) | 0; x1 = (x1 << 10 | x1 >>> 22) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 26 | x3 >>> 6) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 11 | x3 >>> 21) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 21 | x1 >>> 11) ^ x2;
  x0 = (x0 + x1) | 0; x1 = (x1 << 13 | x1 >>> 19) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 27 | x3 >>> 5) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 23 | x3 >>> 9) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 5 | x1 >>> 27) ^ x2;
  x0 = (x0 + k1) | 0; x1 = (x1 + k2) | 0; x2 = (x2 + k3) | 0; x3 = (x3 + k4 + 1) | 0;
  x0 = (x0 + x1) | 0; x1 = (x1 << 6 | x1 >>> 26) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 20 | x3 >>> 12) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 17 | x3 >>> 15) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 11 | x1 >>> 21) ^ x2;
  x0 = (x0 + x1) | 0; x1 = (x1 << 25 | x1 >>> 7) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 10 | x3 >>> 22) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 18 | x3 >>> 14) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 20 | x1 >>> 12) ^ x2;
  x0 = (x0 + k2) | 0; x1 = (x1 + k3) | 0; x2 = (x2 + k4) | 0; x3 = (x3 + k0 + 2) | 0;
  x0 = (x0 + x1) | 0; x1 = (x1 << 10 | x1 >>> 22) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 26 | x3 >>> 6) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 11 | x3 >>> 21) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 21 | x1 >>> 11) ^ x2;
  x0 = (x0 + x1) | 0; x1 = (x1 << 13 | x1 >>> 19) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 27 | x3 >>> 5) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 23 | x3 >>> 9) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 5 | x1 >>> 27) ^ x2;
  x0 = (x0 + k3) | 0; x1 = (x1 + k4) | 0; x2 = (x2 + k0) | 0; x3 = (x3 + k1 + 3) | 0;
  x0 = (x0 + x1) | 0; x1 = (x1 << 6 | x1 >>> 26) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 20 | x3 >>> 12) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 17 | x3 >>> 15) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 11 | x1 >>> 21) ^ x2;
  x0 = (x0 + x1) | 0; x1 = (x1 << 25 | x1 >>> 7) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 10 | x3 >>> 22) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 18 | x3 >>> 14) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 20 | x1 >>> 12) ^ x2;
  x0 = (x0 + k4) | 0; x1 = (x1 + k0) | 0; x2 = (x2 + k1) | 0; x3 = (x3 + k2 + 4) | 0;
  x0 = (x0 + x1) | 0; x1 = (x1 << 10 | x1 >>> 22) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 26 | x3 >>> 6) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 11 | x3 >>> 21) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 21 | x1 >>> 11) ^ x2;
  x0 = (x0 + x1) | 0; x1 = (x1 << 13 | x1 >>> 19) ^ x0; x2 = (x2 + x3) | 0; x3 = (x3 << 27 | x3 >>> 5) ^ x2;
  x0 = (x0 + x3) | 0; x3 = (x3 << 23 | x3 >>> 9) ^ x0; x2 = (x2 + x1) | 0; x1 = (x1 << 5 | x1 >>> 27) ^ x2;
  x0 = (x0 + k0) | 0; x1 = (x1 + k1) | 0; x2 = (x2 + k2) | 0; x3 = (x3 + k3 + 5) | 0;
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
  return out;
}

/** Any number of rounds, as a loop over the spec's tables (the known-answer vectors' 13 and 72). */
function threefryRounds(counter: ArrayLike<number>, key: readonly number[], out: Uint32Array, rounds: number): Uint32Array {
  // Key schedule: the key words and their parity word ks4 = C240 ^ k0 ^ k1 ^ k2 ^ k3.
  const ks = [...key, THREEFRY_KEY_PARITY32 ^ key[0]! ^ key[1]! ^ key[2]! ^ key[3]!];
  const x = [0, 1, 2, 3].map((j) => (counter[j]! + ks[j]!) | 0);
  for (let r = 0; r < rounds; r++) {
    const [ra, rb] = THREEFRY4X32_ROTATIONS[r % 8]!;
    // Even rounds mix words (0, 1) and (2, 3); odd rounds (0, 3) and (2, 1) (Threefish's permutation).
    const [a, b] = r % 2 === 0 ? [1, 3] : [3, 1];
    x[0] = (x[0]! + x[a]!) | 0;
    x[a] = rotl(x[a]!, ra) ^ x[0]!;
    x[2] = (x[2]! + x[b]!) | 0;
    x[b] = rotl(x[b]!, rb) ^ x[2]!;
    if (r % 4 === 3) {
      // Key injection s after every four rounds: the schedule rotated by s, plus s in the last word.
      const s = (r + 1) / 4;
      for (let j = 0; j < 4; j++) x[j] = (x[j]! + ks[(s + j) % 5]! + (j === 3 ? s : 0)) | 0;
    }
  }
  out.set(x);
  return out;
}
