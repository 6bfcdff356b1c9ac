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

/**
 * How Philox uniforms become standard normals (Box–Muller, both the same numbers in exact arithmetic):
 * - `'precise'` (the default everywhere): our own log and sincos in WGSL, within a few ulp of the
 *   float64 transform on every device, so GPU runs match their CPU twins to f32 rounding;
 * - `'fast'`: the platform's builtin log/cos/sin, cheaper (GPUs have hardware for them) but only as
 *   accurate as the platform makes them (WGSL allows 2^-11 absolute error in cos/sin).
 */
export type NormalTransform = 'precise' | 'fast';
