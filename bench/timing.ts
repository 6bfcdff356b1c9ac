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

/** CPU time of this process so far (ms, all threads: on a CPU adapter that includes the "GPU"), or undefined outside Node. */
export function cpuNowMs(): number | undefined {
  const usage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process?.cpuUsage?.();
  return usage ? (usage.user + usage.system) / 1000 : undefined;
}

/**
 * Median wall time of `reps` awaited calls after one warm-up, and with `cpu` also their median
 * process CPU time. On a CPU adapter the CPU time is the work itself, summed over threads, and other
 * jobs on a shared machine inflate it far less than wall time; on a GPU it is only the host's share.
 */
export async function medianTimes(reps: number, body: () => Promise<unknown>, cpu = false): Promise<{ ms: number; cpuMs?: number }> {
  await body();
  const wall: number[] = [];
  const cpuSamples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpu ? cpuNowMs() : undefined;
    const t0 = performance.now();
    await body();
    wall.push(performance.now() - t0);
    if (c0 !== undefined) cpuSamples.push(cpuNowMs()! - c0);
  }
  return cpuSamples.length ? { ms: median(wall), cpuMs: median(cpuSamples) } : { ms: median(wall) };
}
