/**
 * Host-side bookkeeping of a playground run split into trial batches: merging each batch's
 * ensemble statistics (float64, Chan et al. 1979), the final-state summary, histograms and spikes.
 * Pure functions of typed arrays, so they run in the Worker and in tests alike.
 */

/** Running [time][variable] moments over the trials merged so far. */
export interface MomentAccumulator {
  n: Float64Array;
  mean: Float64Array;
  /** Sum of squared deviations (variance × (n − 1)). */
  m2: Float64Array;
}

export function newAccumulator(slots: number, variables: number): MomentAccumulator {
  return { n: new Float64Array(slots), mean: new Float64Array(slots * variables), m2: new Float64Array(slots * variables) };
}

/**
 * Merge one batch's statistics (count per slot, mean and unbiased variance per slot and variable)
 * into `acc`. Slots with no trials in the batch (a cancelled batch) leave `acc` as it was.
 */
export function mergeBatch(acc: MomentAccumulator, variables: number, count: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
  for (let s = 0; s < acc.n.length; s++) {
    const nb = count[s] ?? 0;
    if (!(nb > 0)) continue;
    const na = acc.n[s]!;
    const nn = na + nb;
    for (let j = 0; j < variables; j++) {
      const q = s * variables + j;
      const vb = nb > 1 ? variance[q]! : 0;
      const delta = mean[q]! - acc.mean[q]!;
      acc.m2[q] = acc.m2[q]! + vb * (nb - 1) + (delta * delta * na * nb) / nn;
      acc.mean[q] = acc.mean[q]! + (delta * nb) / nn;
    }
    acc.n[s] = nn;
  }
}

/** Mean and unbiased variance per slot and variable (NaN where fewer than 1 / 2 trials). */
export function finishMoments(acc: MomentAccumulator, variables: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(acc.mean.length);
  const variance = new Float64Array(acc.mean.length);
  for (let s = 0; s < acc.n.length; s++) {
    const n = acc.n[s]!;
    for (let j = 0; j < variables; j++) {
      const q = s * variables + j;
      mean[q] = n > 0 ? acc.mean[q]! : Number.NaN;
      variance[q] = n > 1 ? acc.m2[q]! / (n - 1) : Number.NaN;
    }
  }
  return { mean, variance };
}

/**
 * Mean and unbiased variance over trials of each variable of a final state laid out
 * [variable][trial], in float64, leaving out trials whose `skip` flag is set or whose value is NaN
 * (trials never run in a cancelled run).
 */
export function finalMoments(final: Float32Array, variables: number, trials: number, skip?: Uint8Array): { mean: number; var: number; count: number }[] {
  const out: { mean: number; var: number; count: number }[] = [];
  for (let k = 0; k < variables; k++) {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let i = 0; i < trials; i++) {
      if (skip?.[i]) continue;
      const x = final[k * trials + i]!;
      if (Number.isNaN(x)) continue;
      n++;
      const d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }
    out.push({ mean: n > 0 ? mean : Number.NaN, var: n > 1 ? m2 / (n - 1) : Number.NaN, count: n });
  }
  return out;
}

/** Histogram of the finite values of `values` in `bins` equal bins over their range. */
export function histogram(values: ArrayLike<number>, bins: number): { edges: Float64Array; counts: Float64Array } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(lo <= hi)) return { edges: new Float64Array(0), counts: new Float64Array(0) };
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) continue;
    counts[Math.min(bins - 1, Math.floor((x - lo) / width))]! += 1;
  }
  return { edges: Float64Array.from({ length: bins + 1 }, (_, k) => lo + k * width), counts };
}

/**
 * Spikes of an event model from snapshots of its event variable taken every `every` steps:
 * the variable sits exactly at its reset value (as float32) right after a spike, so a spike is a
 * snapshot at the reset value whose predecessor was not. Snapshots are [time][trial].
 */
export function spikesFromSnapshots(
  data: Float32Array, snapshots: number, trials: number, reset: number, times: ArrayLike<number>,
): { times: Float64Array; trial: Float64Array } {
  const r = Math.fround(reset);
  const t: number[] = [];
  const tr: number[] = [];
  for (let i = 0; i < trials; i++) {
    let before = Number.NaN;
    for (let s = 0; s < snapshots; s++) {
      const v = data[s * trials + i]!;
      if (v === r && before !== r) {
        t.push(times[s]!);
        tr.push(i);
      }
      before = v;
    }
  }
  return { times: Float64Array.from(t), trial: Float64Array.from(tr) };
}

/** Spikes per trial per unit time in `bins` bins over [0, duration]. */
export function populationRate(spikeTimes: ArrayLike<number>, trials: number, duration: number, bins: number): { times: Float64Array; rate: Float64Array } {
  const width = duration / bins;
  const rate = new Float64Array(bins);
  for (let k = 0; k < spikeTimes.length; k++) {
    const b = Math.min(bins - 1, Math.floor(spikeTimes[k]! / width));
    if (b >= 0) rate[b]! += 1 / (trials * width);
  }
  return { times: Float64Array.from({ length: bins }, (_, k) => (k + 0.5) * width), rate };
}
