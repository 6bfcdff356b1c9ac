/**
 * The one mapping from a user's integer seed to the counter-based generators' key words, shared by
 * the GPU kernels (random, sde, models) and their CPU twins in src/reference so both draw the same
 * numbers; and the published constants of Threefry-4x32, which the WGSL generator and its CPU twin
 * both read from here.
 */

/**
 * Split a non-negative integer seed below 2^53 into two key words (low, high): Philox4x32-10's
 * whole key, and the first two of Threefry-4x32's four (the other two are 0).
 */
export function seedToKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer below 2^53, got ${seed}`);
  }
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

/**
 * How Philox uniforms become standard normals (Box–Muller, both the same numbers in exact arithmetic):
 * - `'precise'` (the default everywhere): our own log and sincos in WGSL, within a few ulp of the
 *   float64 transform on every device, so GPU runs match their CPU twins to f32 rounding;
 * - `'fast'`: the platform's builtin log/cos/sin, cheaper (GPUs have hardware for them) but only as
 *   accurate as the platform makes them (WGSL allows 2^-11 absolute error in cos/sin).
 */
export type NormalTransform = 'precise' | 'fast';

/**
 * The counter-based generator behind a kernel's random numbers. Both are from Salmon, Moraes, Dror &
 * Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3" (SC'11), map the same 128-bit counter
 * `(index, step, stream, tag)` and seed to four 32-bit words, and pass TestU01's BigCrush there:
 * - `'philox'` (the default everywhere): Philox4x32-10, ten rounds of two 32×32→64-bit products;
 *   WGSL has no 64-bit integers, so each high product word is emulated from 16-bit halves;
 * - `'threefry'`: Threefry-4x32-20, twenty rounds of add, rotate and xor (no multiplication), the
 *   Threefish-256 round function of Skein with 32-bit words and Random123's rotation constants.
 * The two give different numbers for the same seed (both equally valid streams).
 */
export type RandomGenerator = 'philox' | 'threefry';

/** The generators' names, for validation and option lists. */
export const RANDOM_GENERATORS: readonly RandomGenerator[] = ['philox', 'threefry'];

/**
 * Threefry-4x32's rotation constants, round r using pair r mod 8 (Random123's `R_32x4_*`, from
 * Salmon et al. 2011, table 4): even rounds mix words (0, 1) and (2, 3), odd rounds (0, 3) and (2, 1).
 */
export const THREEFRY4X32_ROTATIONS: readonly (readonly [number, number])[] = [
  [10, 26], [11, 21], [13, 27], [23, 5], [6, 20], [17, 11], [25, 10], [18, 20],
];

/** Threefish's key-schedule parity word for 32-bit words (Random123's `SKEIN_KS_PARITY32`). */
export const THREEFRY_KEY_PARITY32 = 0x1bd11bda;

/**
 * Rounds of wgneuro's Threefry-4x32: Random123's default, 20. Random123's documentation knows of no
 * statistical flaw with 12 or more rounds of Threefry4x32 (13 for Threefry2x32) and calls 20 "a
 * considerable safety margin"; we keep that margin, as it does.
 */
export const THREEFRY_ROUNDS = 20;
