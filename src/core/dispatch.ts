/**
 * Workgroup-count arithmetic: folding a 1-D grid that exceeds `maxComputeWorkgroupsPerDimension`
 * into 2-D/3-D, and the matching WGSL that recovers the linear index.
 */
import { LimitError } from '../gpu/errors.js';

/** Largest linear invocation index a kernel can address with a u32. */
export const MAX_LINEAR_INVOCATIONS = 2 ** 32;

/**
 * Fold `count` workgroups into `[x, y, z]` with every entry ≤ `maxPerDimension`, x·y·z ≥ count and
 * as little overshoot as possible; kernels recover `wg_linear_index` and guard against overshoot.
 */
export function foldWorkgroups(
  count: number,
  maxPerDimension: number,
  label = 'dispatch',
): [number, number, number] {
  if (!Number.isInteger(count) || count < 0) {
    throw new LimitError(label, 'a whole, non-negative workgroup count', count, maxPerDimension);
  }
  if (count <= maxPerDimension) return [Math.max(count, 1), 1, 1];
  const y = Math.ceil(count / maxPerDimension);
  if (y <= maxPerDimension) return [Math.ceil(count / y), y, 1];
  const z = Math.ceil(count / (maxPerDimension * maxPerDimension));
  if (z > maxPerDimension) {
    throw new LimitError(label, 'workgroups', count, maxPerDimension ** 3, 'Split the problem into chunks.');
  }
  const perSlice = Math.ceil(count / z);
  const y2 = Math.ceil(perSlice / maxPerDimension);
  return [Math.ceil(perSlice / y2), y2, z];
}

/**
 * WGSL helper every 1-D kernel uses to undo `foldWorkgroups`:
 * `let i = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;`.
 */
export const WGSL_LINEAR_INDEX = /* wgsl */ `
// Linear workgroup index of a 1-D grid folded into up to three dimensions by the scheduler.
fn wg_linear_index(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + nwg.x * (wid.y + nwg.y * wid.z);
}
`;
