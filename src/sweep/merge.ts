/**
 * Merging shards: check that they come from one plan and cover it exactly once, join their
 * per-trial data in plan order, and compute the kept statistics from the joined data.
 *
 * Statistics are never merged from per-shard partial sums (whose rounding would depend on where
 * the cuts fall): they are recomputed in float64 from the per-trial data in one fixed order, so
 * the merged result of any number of shards is bit-identical to the result of one.
 */
import { InputError } from '../gpu/errors.js';
import { planSize, planUnits, shardRange, type SweepPlan } from './plan.js';
import { networkShardWidths, type ShardData, type SweepArray } from './run.js';

/** One shard as read back, with where it came from (named in errors). */
export interface ShardRecord {
  planHash: string;
  plan: SweepPlan;
  /** State variables of a model target (the columns of `final`); `population.variable` of a network. */
  variables: string[];
  data: ShardData;
  /** Path or name shown in messages. */
  source: string;
}

/** A named array of a merged result, with its axes. */
export interface ResultArray {
  data: SweepArray;
  shape: number[];
  /** Axis names, e.g. ['point', 'seed', 'trial', 'variable']. */
  axes: string[];
}

/** A merged sweep. */
export interface SweepResult {
  planHash: string;
  plan: SweepPlan;
  variables: string[];
  /** Models: kept per-trial arrays and per-point statistics (see {@link finishSweep}). */
  arrays: Record<string, ResultArray>;
  /** Experiments: one entry per point and seed, in plan order. */
  results?: { point: Record<string, unknown>; seed: number; result: unknown }[];
}

/**
 * Check that `shards` are every shard of one plan exactly once.
 * @throws InputError naming shards of another plan, missing shard indices and duplicates.
 */
export function checkCoverage(shards: ShardRecord[]): void {
  if (shards.length === 0) throw new InputError('merge: no shards given');
  const first = shards[0]!;
  const foreign = shards.filter((s) => s.planHash !== first.planHash);
  if (foreign.length) {
    const list = foreign.map((s) => `'${s.source}' (plan ${s.planHash.slice(0, 12)})`).join(', ');
    throw new InputError(`merge: shards of different plans: ${list} differ from '${first.source}' (plan ${first.planHash.slice(0, 12)})`);
  }
  const count = first.data.shard.count;
  const otherCount = shards.find((s) => s.data.shard.count !== count);
  if (otherCount) {
    throw new InputError(`merge: '${otherCount.source}' is shard ${otherCount.data.shard.index}/${otherCount.data.shard.count} but '${first.source}' is one of ${count} shards; merge the shards of one split (an --out directory used for two splits holds both)`);
  }
  const byIndex = new Map<number, ShardRecord[]>();
  for (const s of shards) byIndex.set(s.data.shard.index, [...(byIndex.get(s.data.shard.index) ?? []), s]);
  const duplicates = [...byIndex].filter(([, list]) => list.length > 1);
  if (duplicates.length) {
    const text = duplicates.map(([i, list]) => `shard ${i}/${count} given ${list.length} times (${list.map((s) => `'${s.source}'`).join(', ')})`).join('; ');
    throw new InputError(`merge: ${text}`);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    const shown = missing.length > 20 ? `${missing.slice(0, 20).join(', ')}, … (${missing.length} in all)` : missing.join(', ');
    throw new InputError(`merge: missing shard(s) ${shown} of ${count} (plan ${first.planHash.slice(0, 12)}); rerun them with --shard i/${count}`);
  }
  for (const s of shards) {
    const { begin, end } = shardRange(s.plan, s.data.shard);
    if (s.data.begin !== begin || s.data.end !== end) {
      throw new InputError(`merge: '${s.source}' holds work units [${s.data.begin}, ${s.data.end}) but shard ${s.data.shard.index}/${count} of its plan is [${begin}, ${end})`);
    }
  }
}

/** Merge every shard of one plan into the result `--shard 0/1` would give. */
export function mergeShards(shards: ShardRecord[]): SweepResult {
  checkCoverage(shards);
  const ordered = [...shards].sort((a, b) => a.data.shard.index - b.data.shard.index);
  const { plan, planHash, variables } = ordered[0]!;
  const total = planSize(plan);
  if (plan.target.kind === 'experiment') {
    const flat = ordered.flatMap((s) => {
      const r = s.data.results ?? [];
      if (r.length !== s.data.end - s.data.begin) throw new InputError(`merge: '${s.source}' holds ${r.length} results for ${s.data.end - s.data.begin} runs`);
      return r;
    });
    return { planHash, plan, variables, arrays: {}, results: experimentResults(plan, flat) };
  }
  if (plan.target.kind === 'network') return mergeNetwork(ordered, plan, planHash, variables);
  const names = Object.keys(ordered[0]!.data.arrays);
  const joined: Record<string, SweepArray> = {};
  for (const name of names) {
    const parts = ordered.map((s) => {
      const a = s.data.arrays[name];
      if (!a) throw new InputError(`merge: '${s.source}' has no '${name}' array, which '${ordered[0]!.source}' has`);
      const per = a.length / (s.data.end - s.data.begin);
      if (name === 'final' ? per !== variables.length : per !== 1) {
        throw new InputError(`merge: '${s.source}': '${name}' has ${a.length} values for ${s.data.end - s.data.begin} trials`);
      }
      return a;
    });
    const ctor = parts[0]!.constructor as new (n: number) => SweepArray;
    const out = new ctor((name === 'final' ? variables.length : 1) * total);
    let at = 0;
    for (const p of parts) {
      if (p.constructor !== ctor) throw new InputError(`merge: shards disagree on the type of '${name}'`);
      out.set(p as never, at);
      at += p.length;
    }
    joined[name] = out;
  }
  return { planHash, plan, variables, arrays: finishSweep(plan, variables, joined) };
}

/** Population names of a network plan, in the file's order (the `population` axis). */
export function networkPopulations(plan: SweepPlan): string[] {
  return plan.target.kind === 'network' ? Object.keys(plan.target.network.populations as Record<string, unknown>) : [];
}

/**
 * Network shards hold whole points, so their rows join end to end into the rows of one shard:
 * `spikes`, `rateHz` float64 [point, seed, population]; `mean`, `variance` float64
 * [point, seed, variable] (variables `population.variable`); `nonFinite` uint32 [point, seed].
 */
function mergeNetwork(ordered: ShardRecord[], plan: SweepPlan, planHash: string, variables: string[]): SweepResult {
  const P = plan.points.length;
  const S = plan.seeds.length;
  const pops = networkPopulations(plan).length;
  const widths = networkShardWidths(plan, pops, variables.length);
  const joined: Record<string, SweepArray> = {};
  for (const [name, width] of Object.entries(widths)) {
    const ctor = name === 'nonFinite' ? Uint32Array : Float64Array;
    const out = new ctor(width * planUnits(plan));
    for (const s of ordered) {
      const a = s.data.arrays[name];
      if (!a) throw new InputError(`merge: '${s.source}' has no '${name}' array, which a network shard holds`);
      if (!(a instanceof ctor)) throw new InputError(`merge: '${s.source}': '${name}' is a ${a.constructor.name}, expected a ${ctor.name}`);
      if (a.length !== width * (s.data.end - s.data.begin)) throw new InputError(`merge: '${s.source}': '${name}' has ${a.length} values for ${s.data.end - s.data.begin} points, expected ${width} per point`);
      out.set(a as never, width * s.data.begin);
    }
    joined[name] = out;
  }
  const keep = new Set(plan.keep);
  const arrays: Record<string, ResultArray> = { nonFinite: { data: joined.nonFinite!, shape: [P, S], axes: ['point', 'seed'] } };
  if (keep.has('spikes')) arrays.spikes = { data: joined.spikes!, shape: [P, S, pops], axes: ['point', 'seed', 'population'] };
  if (keep.has('rate')) arrays.rateHz = { data: joined.rateHz!, shape: [P, S, pops], axes: ['point', 'seed', 'population'] };
  if (keep.has('mean')) arrays.mean = { data: joined.mean!, shape: [P, S, variables.length], axes: ['point', 'seed', 'variable'] };
  if (keep.has('variance')) arrays.variance = { data: joined.variance!, shape: [P, S, variables.length], axes: ['point', 'seed', 'variable'] };
  return { planHash, plan, variables, arrays };
}

function experimentResults(plan: SweepPlan, flat: unknown[]): SweepResult['results'] {
  return flat.map((result, u) => {
    const cell = Math.floor(u / plan.trials);
    return { point: plan.points[Math.floor(cell / plan.seeds.length)]!, seed: plan.seeds[cell % plan.seeds.length]!, result };
  });
}

/**
 * The kept arrays of a model sweep from its joined per-trial data (plan order):
 * - `final` float32 [point, seed, trial, variable], `flags` uint8 and `spikeCount` uint32,
 *   `firstSpikeTime` float32 (NaN: none) [point, seed, trial];
 * - `count` float64 [point]: trials counted in the statistics (diverged trials are left out);
 * - `mean`, `variance` (unbiased) float64 [point, variable] of the final state over seeds × trials;
 * - `rate` float64 [point]: mean spike count per unit time over the counted trials.
 */
export function finishSweep(plan: SweepPlan, variables: string[], perTrial: Record<string, SweepArray>): Record<string, ResultArray> {
  const P = plan.points.length;
  const S = plan.seeds.length;
  const T = plan.trials;
  const n = variables.length;
  const keep = new Set(plan.keep);
  const out: Record<string, ResultArray> = {};
  const trialAxes = ['point', 'seed', 'trial'];
  if (keep.has('final')) out.final = { data: perTrial.final!, shape: [P, S, T, n], axes: [...trialAxes, 'variable'] };
  if (keep.has('flags')) out.flags = { data: perTrial.flags!, shape: [P, S, T], axes: trialAxes };
  if (keep.has('spikes')) {
    out.spikeCount = { data: perTrial.spikeCount!, shape: [P, S, T], axes: trialAxes };
    out.firstSpikeTime = { data: perTrial.firstSpikeTime!, shape: [P, S, T], axes: trialAxes };
  }
  const wantMoments = keep.has('mean') || keep.has('variance');
  if (!wantMoments && !keep.has('rate')) return out;

  const flags = perTrial.flags as Uint8Array;
  const final = perTrial.final as Float32Array | undefined;
  const spikes = perTrial.spikeCount as Uint32Array | undefined;
  const count = new Float64Array(P);
  const mean = new Float64Array(P * n);
  const variance = new Float64Array(P * n);
  const rate = new Float64Array(P);
  const duration = plan.target.kind === 'model' ? plan.target.steps * plan.target.dt : Number.NaN;
  const perPoint = S * T;
  for (let p = 0; p < P; p++) {
    const u0 = p * perPoint;
    let c = 0;
    for (let u = u0; u < u0 + perPoint; u++) if (!(flags[u]! & 1)) c++;
    count[p] = c;
    // Two passes in a fixed order (seed, then trial): the mean, then squared deviations about it.
    if (wantMoments && final) {
      for (let k = 0; k < n; k++) {
        let sum = 0;
        for (let u = u0; u < u0 + perPoint; u++) if (!(flags[u]! & 1)) sum += final[u * n + k]!;
        const m = c > 0 ? sum / c : Number.NaN;
        let ss = 0;
        for (let u = u0; u < u0 + perPoint; u++) {
          if (flags[u]! & 1) continue;
          const d = final[u * n + k]! - m;
          ss += d * d;
        }
        mean[p * n + k] = m;
        variance[p * n + k] = c > 1 ? ss / (c - 1) : Number.NaN;
      }
    }
    if (spikes) {
      let total = 0;
      for (let u = u0; u < u0 + perPoint; u++) if (!(flags[u]! & 1)) total += spikes[u]!;
      rate[p] = c > 0 ? total / c / duration : Number.NaN;
    }
  }
  out.count = { data: count, shape: [P], axes: ['point'] };
  if (keep.has('mean')) out.mean = { data: mean, shape: [P, n], axes: ['point', 'variable'] };
  if (keep.has('variance')) out.variance = { data: variance, shape: [P, n], axes: ['point', 'variable'] };
  if (keep.has('rate')) out.rate = { data: rate, shape: [P], axes: ['point'] };
  return out;
}
