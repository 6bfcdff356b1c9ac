/**
 * How the Worker splits a playground run (kept apart from worker.ts, which starts a GPU context
 * when loaded, so tests can import it).
 */

/** Trials per batch: the whole run when small, else about 16 batches (≥ 4096 trials each). */
export function batchSize(trials: number): number {
  return trials <= 4096 ? trials : Math.max(4096, Math.ceil(trials / 16));
}

/**
 * Whether the Worker runs a playground run as trial ranges of one larger run (`simulate`'s
 * `firstTrial`/`totalTrials`), so it can merge batches into the very run `wgneuro simulate` makes
 * and show it converge after each batch. Without it the Worker makes one `simulate` call whose
 * chunks are the batches: the numbers are the same, cancel still keeps the finished chunks, but the
 * plots appear at the end.
 */
export const TRIAL_RANGES = true;
