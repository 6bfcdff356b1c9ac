/**
 * How the Worker splits a playground run (kept apart from worker.ts, which starts a GPU context
 * when loaded, so tests can import it).
 */

/** Trials per batch: the whole run when small, else about 16 batches (≥ 4096 trials each). */
export function batchSize(trials: number): number {
  return trials <= 4096 ? trials : Math.max(4096, Math.ceil(trials / 16));
}
