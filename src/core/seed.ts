/**
 * The one mapping from a user's integer seed to Philox4x32-10's two key words, shared by the GPU
 * kernels (random, sde, models) and their CPU twins in src/reference so both draw the same numbers.
 */

/** Split a non-negative integer seed below 2^53 into Philox's two key words (low, high). */
export function seedToKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer below 2^53, got ${seed}`);
  }
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}
