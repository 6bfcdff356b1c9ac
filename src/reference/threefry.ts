/**
 * Threefry-4x32 in TypeScript, bit-identical to shaders/common/threefry.wgsl.ts: Salmon, Moraes,
 * Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11 — the Threefish-256
 * block cipher of Skein (Ferguson et al. 2010) on 32-bit words, with Random123's rotation constants
 * and key schedule. Only 32-bit add, rotate and xor, so JavaScript computes it exactly with `>>> 0`.
 */
import { THREEFRY4X32_ROTATIONS, THREEFRY_KEY_PARITY32, THREEFRY_ROUNDS } from '../core/seed.js';

/** Rotate a 32-bit word left by `r` (0 < r < 32). */
function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/**
 * Four 32-bit random words for `counter` (4 words) and `key` (2 or 4 words; missing words are 0,
 * which is how wgneuro's two-word seeds key it). `rounds` defaults to {@link THREEFRY_ROUNDS} (20);
 * other counts exist for Random123's known-answer vectors (13, 20 and 72 rounds are published).
 * Writes into `out` when given, to avoid allocation in hot loops.
 */
export function threefry4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  out: Uint32Array = new Uint32Array(4),
  rounds: number = THREEFRY_ROUNDS,
): Uint32Array {
  // Key schedule: the key words and their parity word ks4 = C240 ^ k0 ^ k1 ^ k2 ^ k3.
  const ks = [0, 1, 2, 3].map((j) => (key[j] ?? 0) >>> 0);
  ks.push((THREEFRY_KEY_PARITY32 ^ ks[0]! ^ ks[1]! ^ ks[2]! ^ ks[3]!) >>> 0);
  let x0 = (counter[0]! + ks[0]!) >>> 0;
  let x1 = (counter[1]! + ks[1]!) >>> 0;
  let x2 = (counter[2]! + ks[2]!) >>> 0;
  let x3 = (counter[3]! + ks[3]!) >>> 0;
  for (let r = 0; r < rounds; r++) {
    const [ra, rb] = THREEFRY4X32_ROTATIONS[r % 8]!;
    if (r % 2 === 0) {
      x0 = (x0 + x1) >>> 0; x1 = rotl(x1, ra) ^ x0;
      x2 = (x2 + x3) >>> 0; x3 = rotl(x3, rb) ^ x2;
    } else {
      x0 = (x0 + x3) >>> 0; x3 = rotl(x3, ra) ^ x0;
      x2 = (x2 + x1) >>> 0; x1 = rotl(x1, rb) ^ x2;
    }
    if (r % 4 === 3) {
      // Key injection s after every four rounds: the schedule rotated by s, plus s in the last word.
      const s = (r + 1) / 4;
      x0 = (x0 + ks[s % 5]!) >>> 0;
      x1 = (x1 + ks[(s + 1) % 5]!) >>> 0;
      x2 = (x2 + ks[(s + 2) % 5]!) >>> 0;
      x3 = (x3 + ks[(s + 3) % 5]! + s) >>> 0;
    }
  }
  out[0] = x0 >>> 0;
  out[1] = x1 >>> 0;
  out[2] = x2 >>> 0;
  out[3] = x3 >>> 0;
  return out;
}
