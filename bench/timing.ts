/**
 * Wall-clock timing shared by the benchmarks, for work whose result ends on the CPU (peers such as
 * TF.js or plain JS, and whole wgneuro calls that read back). GPU-only work is timed with
 * `measure` (src/linalg/peak.ts), which uses timestamp queries when the adapter has them.
 */
import { median } from '../src/internal.js';

const now = (): number => performance.now();

/** Milliseconds one awaited call of `body` takes. */
export async function wallMs(body: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = now();
  await body();
  return now() - t0;
}

/**
 * Median milliseconds of `reps` awaited calls of `body`, after `warmup` untimed calls (pipeline
 * compilation, allocation, JIT). Default 1 warm-up.
 */
export async function medianWallMs(reps: number, body: () => Promise<unknown> | unknown, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await body();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await wallMs(body));
  return median(samples);
}
