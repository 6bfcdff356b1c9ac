/**
 * Running one shard of a sweep plan: check the target against the plan (before any GPU work), cut
 * the shard's range into segments of one point and seed, run each segment, and collect per-trial
 * arrays (models), per-(point, seed) network summaries (networks) or per-run JSON results
 * (experiments) in plan order.
 */
import type { Context } from '../core/context.js';
import { sdeTrialStatus } from '../core/sde-status.js';
import { InputError, WgneuroError } from '../gpu/errors.js';
import { paramValueSchema, type Experiment, type ParamValue } from '../models/experiment.js';
import { filePath, parseInput } from '../core/validate.js';
import { experiments as registeredExperiments } from '../models/registry.js';
import { networkFromJSON, networkSummary, parseNetworkJSON, simulateNetwork, type Network } from '../network/index.js';
import { modelFromJSON, resolveIntegrator, simulate, type IntegratorName, type SDEModel } from '../sde/index.js';
import { planUnits, segmentsOf, shardRange, type ModelTarget, type NetworkTarget, type ShardId, type SweepPlan } from './plan.js';

/** A per-trial array of a shard or a merged result; its first axis runs over work units. */
export type SweepArray = Float32Array | Float64Array | Uint8Array | Uint32Array;

/** The plan with its target resolved: one compiled model per point, or the experiment to run. */
export type PreparedSweep =
  | {
      kind: 'model'; plan: SweepPlan; target: ModelTarget; variables: string[]; event: boolean;
      /** The model at point i, compiled on first use (a shard compiles only the points it runs). */
      modelAt(point: number): SDEModel;
    }
  | {
      kind: 'network'; plan: SweepPlan; target: NetworkTarget;
      /** Population names, in the network file's order (the `population` axis of the results). */
      populations: string[];
      /** `population.variable` of every population's state, in order (the `variable` axis). */
      variables: string[];
      /** The network at point i, compiled on first use. */
      networkAt(point: number): Network;
    }
  | { kind: 'experiment'; plan: SweepPlan; experiment: Experiment<unknown>; params: Record<string, ParamValue>[] };

/** Compile a network of a sweep, naming the sweep file in errors. */
function compileNetwork(json: Record<string, unknown>, where: string): Network {
  try {
    parseNetworkJSON(json, where);
    return networkFromJSON(json);
  } catch (err) {
    if (err instanceof InputError && !err.message.startsWith(where)) throw new InputError(`${where}: ${err.message}`);
    throw err;
  }
}

/** The network of a plan with point `point`'s `population.param` values set as population params. */
function networkWithPoint(network: Record<string, unknown>, point: Record<string, unknown>): Record<string, unknown> {
  const populations = { ...(network.populations as Record<string, Record<string, unknown>>) };
  for (const [key, value] of Object.entries(point)) {
    const dot = key.indexOf('.');
    const pop = key.slice(0, dot);
    const population = populations[pop]!;
    populations[pop] = { ...population, params: { ...(population.params as Record<string, unknown> | undefined), [key.slice(dot + 1)]: value } };
  }
  return { ...network, populations };
}

function prepareNetwork(plan: SweepPlan, target: NetworkTarget): PreparedSweep {
  const projections = (target.network as { projections?: unknown }).projections;
  if (Array.isArray(projections)) {
    projections.forEach((p: unknown, k) => {
      const weights = (p as { weights?: unknown } | null)?.weights;
      if (typeof weights === 'string') throw new InputError(`sweep file: target.network.projections[${k}].weights: got "${weights}", expected numbers or a generator: .npy weights are read only when target.network is a file path`);
    });
  }
  const base = compileNetwork(target.network, 'sweep file: target.network');
  const json = target.network as { populations: Record<string, { model: { params?: Record<string, unknown> }; sweep?: Record<string, unknown> }> };
  const populations = base.populations.map((p) => p.name);
  plan.points.forEach((point, i) => {
    for (const key of Object.keys(point)) {
      const dot = key.indexOf('.');
      const pop = key.slice(0, dot);
      const param = key.slice(dot + 1);
      const where = `sweep point ${i} (${JSON.stringify(point)}): '${key}'`;
      if (!Object.hasOwn(json.populations, pop)) throw new InputError(`${where}: '${pop}' is not a population of network '${base.name}' (${populations.join(', ')})`);
      const params = Object.keys(json.populations[pop]!.model.params ?? {});
      if (!params.includes(param)) throw new InputError(`${where}: '${param}' is not a parameter of population '${pop}' (${params.join(', ') || 'none'})`);
      if (json.populations[pop]!.sweep && Object.hasOwn(json.populations[pop]!.sweep!, param)) {
        throw new InputError(`${where}: population '${pop}' sweeps '${param}' per trial in the network file; a sweep point cannot also set it`);
      }
    }
  });
  const compiled = new Map<number, Network>();
  const networkAt = (i: number): Network => {
    let network = compiled.get(i);
    if (!network) {
      network = Object.keys(plan.points[i]!).length === 0 ? base : compileNetwork(networkWithPoint(target.network, plan.points[i]!), `sweep point ${i}`);
      compiled.set(i, network);
    }
    return network;
  };
  const variables = base.populations.flatMap((p) => p.state.map((v) => `${p.name}.${v}`));
  return { kind: 'network', plan, target, populations, variables, networkAt };
}

/**
 * Check the plan's target and points and compile what they need. Every error names the point and
 * parameter in the sweep file's terms.
 * @param experiments where experiment names are looked up. Default: `wgneuro run`'s registry.
 */
export function prepareSweep(plan: SweepPlan, experiments: Experiment<unknown>[] = registeredExperiments): PreparedSweep {
  const target = plan.target;
  if (target.kind === 'network') return prepareNetwork(plan, target);
  if (target.kind === 'model') {
    const base = modelFromJSON(target.model);
    plan.points.forEach((point, i) => {
      for (const name of Object.keys(point)) {
        if (!base.params.includes(name)) {
          throw new InputError(`sweep point ${i} (${JSON.stringify(point)}): '${name}' is not a parameter of model '${base.name}' (${base.params.join(', ') || 'none'})`);
        }
      }
    });
    resolveIntegrator(target.integrator, base);
    const compiled = new Map<number, SDEModel>();
    const modelAt = (i: number): SDEModel => {
      let model = compiled.get(i);
      if (!model) {
        model = modelFromJSON({ ...target.model, params: { ...(target.model.params as Record<string, unknown> | undefined), ...plan.points[i] } });
        compiled.set(i, model);
      }
      return model;
    };
    const event = base.event !== null;
    if (!event && (plan.keep.includes('spikes') || plan.keep.includes('rate'))) {
      throw new InputError(`sweep file: keep: 'spikes' and 'rate' need a model with an event; '${base.name}' has none`);
    }
    return { kind: 'model', plan, target, modelAt, variables: [...base.state], event };
  }
  const experiment = experiments.find((e) => e.name === target.name);
  if (!experiment) throw new InputError(`sweep file: target.name: expected one of ${experiments.map((e) => `'${e.name}'`).join(', ') || '(none registered)'}, got '${target.name}'`);
  const hasSeed = 'seed' in experiment.params;
  if (!hasSeed && (plan.seeds.length > 1 || plan.seeds[0] !== 0)) {
    throw new InputError(`sweep file: seeds: experiment '${experiment.name}' has no 'seed' parameter, so a sweep over seeds ${JSON.stringify(plan.seeds)} would repeat one run`);
  }
  // Type and bounds as `wgneuro run --name` checks them.
  const checkValue = (where: string, name: string, value: ParamValue): void => {
    const param = Object.hasOwn(experiment.params, name) ? experiment.params[name] : undefined;
    if (!param) throw new InputError(`sweep file: ${where}: '${name}' is not a parameter of experiment '${experiment.name}' (${Object.keys(experiment.params).join(', ')})`);
    parseInput(paramValueSchema(param), value, 'sweep file', (path) => `${where}: ${filePath([name, ...path])}`);
  };
  for (const [name, value] of Object.entries(target.params)) checkValue('target.params', name, value);
  const defaults = Object.fromEntries(Object.entries(experiment.params).map(([k, p]) => [k, p.default]));
  const params = plan.points.map((point, i) => {
    for (const [name, value] of Object.entries(point)) checkValue(`point ${i}`, name, value);
    if (hasSeed && 'seed' in point) throw new InputError(`sweep file: point ${i}: set seeds with the top-level 'seeds' list, not as a point parameter`);
    return { ...defaults, ...target.params, ...point };
  });
  return { kind: 'experiment', plan, experiment, params };
}

/** What one shard produced, in plan order. */
export interface ShardData {
  shard: ShardId;
  /** Work units [begin, end) of the plan's line (point, seed, trial). */
  begin: number;
  end: number;
  /**
   * Models: per-trial arrays; `final` holds `variables.length` values per trial. Networks: per
   * (point, seed) rows, see {@link networkShardWidths}.
   */
  arrays: Record<string, SweepArray>;
  /** Experiments: the JSON result of each run. */
  results?: unknown[];
}

/**
 * Values per work unit (one point: every seed) of each array a network shard stores, all float64
 * except `nonFinite` (uint32): `spikes` and `rateHz` per seed and population, `mean` and `variance`
 * per seed and `population.variable`, `nonFinite` (trials with a non-finite state) per seed.
 */
export function networkShardWidths(plan: SweepPlan, populations: number, variables: number): Record<string, number> {
  const S = plan.seeds.length;
  return { spikes: S * populations, rateHz: S * populations, mean: S * variables, variance: S * variables, nonFinite: S };
}

/** Per-trial arrays a shard stores for the plan's `keep` (statistics are computed at merge time). */
export function shardArrayNames(prepared: PreparedSweep): string[] {
  if (prepared.kind === 'network') return Object.keys(networkShardWidths(prepared.plan, prepared.populations.length, prepared.variables.length));
  if (prepared.kind !== 'model') return [];
  const keep = prepared.plan.keep;
  const names = ['flags']; // diverged trials are left out of the statistics
  if (keep.includes('final') || keep.includes('mean') || keep.includes('variance')) names.push('final');
  if (keep.includes('spikes') || keep.includes('rate')) names.push('spikeCount', 'firstSpikeTime');
  return names;
}

/** Options of {@link runShard}. */
export interface RunShardOptions {
  /** Called after each segment with the fraction of the shard's work units done. */
  onProgress?: (fraction: number) => void;
  /** Cancels between segments and dispatches; the shard then throws instead of returning partial data. */
  signal?: AbortSignal;
}

/**
 * Run shard `shard` of a prepared plan. Trials of one point and seed split across shards draw the
 * same random numbers as in the unsplit run (`simulate`'s `firstTrial`), so shards merge into the
 * bit-identical result of `--shard 0/1`.
 */
export async function runShard(ctx: Context, prepared: PreparedSweep, shard: ShardId, options: RunShardOptions = {}): Promise<ShardData> {
  const plan = prepared.plan;
  const { begin, end } = shardRange(plan, shard);
  if (prepared.kind === 'network') return runNetworkShard(ctx, prepared, shard, begin, end, options);
  const segments = segmentsOf(plan, begin, end);
  const units = end - begin;
  if (prepared.kind === 'experiment') {
    const results: unknown[] = [];
    for (const seg of segments) {
      const params = { ...prepared.params[seg.point]! };
      if ('seed' in prepared.experiment.params) params.seed = plan.seeds[seg.seedIndex]!;
      const result = await prepared.experiment.run(ctx, params, () => {}, options.signal);
      if (options.signal?.aborted) throw cancelled(shard);
      results.push(prepared.experiment.toJSON(result));
      options.onProgress?.((seg.offset + seg.count) / units);
    }
    return { shard, begin, end, arrays: {}, results };
  }
  const n = prepared.variables.length;
  const names = shardArrayNames(prepared);
  const arrays: Record<string, SweepArray> = {};
  if (names.includes('final')) arrays.final = new Float32Array(units * n);
  arrays.flags = new Uint8Array(units);
  if (names.includes('spikeCount')) {
    arrays.spikeCount = new Uint32Array(units);
    arrays.firstSpikeTime = new Float32Array(units);
  }
  const t = prepared.target;
  for (const seg of segments) {
    const run = await simulate(ctx, prepared.modelAt(seg.point), {
      trials: seg.count,
      firstTrial: seg.firstTrial,
      totalTrials: plan.trials,
      steps: t.steps,
      dt: t.dt,
      seed: plan.seeds[seg.seedIndex]!,
      integrator: t.integrator as IntegratorName,
      t0: t.t0,
      refine: t.refine,
      friction: t.friction,
      record: { final: names.includes('final'), perTrial: true },
      signal: options.signal,
    });
    if (run.partial) throw cancelled(shard);
    const final = arrays.final as Float32Array | undefined;
    if (final && run.finalState) {
      // [variable][trial] → [trial][variable], the layout of `wgneuro simulate -o`
      for (let i = 0; i < seg.count; i++) for (let k = 0; k < n; k++) final[(seg.offset + i) * n + k] = run.finalState[k * seg.count + i]!;
    }
    (arrays.flags as Uint8Array).set(run.flags, seg.offset);
    if (arrays.spikeCount && run.spikes) {
      (arrays.spikeCount as Uint32Array).set(run.spikes.counts, seg.offset);
      (arrays.firstSpikeTime as Float32Array).set(run.spikes.firstSpikeTime, seg.offset);
    }
    options.onProgress?.((seg.offset + seg.count) / units);
  }
  return { shard, begin, end, arrays };
}

/**
 * A network shard: points [begin, end), each run whole for every seed (`trials` trials each), and
 * summarized by `networkSummary` exactly as `wgneuro network --json` prints it.
 */
async function runNetworkShard(
  ctx: Context, prepared: Extract<PreparedSweep, { kind: 'network' }>, shard: ShardId, begin: number, end: number, options: RunShardOptions,
): Promise<ShardData> {
  const plan = prepared.plan;
  const t = prepared.target;
  const S = plan.seeds.length;
  const P = prepared.populations.length;
  const V = prepared.variables.length;
  const rows = (end - begin) * S;
  const spikes = new Float64Array(rows * P);
  const rateHz = new Float64Array(rows * P);
  const mean = new Float64Array(rows * V);
  const variance = new Float64Array(rows * V);
  const nonFinite = new Uint32Array(rows);
  // Poisoned: a row the loop below failed to fill shows as NaN, not as a plausible zero.
  for (const a of [spikes, rateHz, mean, variance]) a.fill(Number.NaN);
  for (let point = begin; point < end; point++) {
    const network = prepared.networkAt(point);
    for (let s = 0; s < S; s++) {
      const run = await simulateNetwork(ctx, network, {
        trials: plan.trials, steps: t.steps, dt: t.dt, seed: plan.seeds[s]!, t0: t.t0,
        // Only the summary is kept: no final state read back, one spike record (counts stay exact).
        record: { final: false, stats: true, spikeCapacity: 1 },
        signal: options.signal,
      });
      if (run.partial || options.signal?.aborted) throw cancelled(shard);
      const summary = networkSummary(run, t.timeUnit, 0);
      const row = (point - begin) * S + s;
      let v = 0;
      prepared.populations.forEach((name, k) => {
        const pop = summary.populations[name]!;
        spikes[row * P + k] = pop.spikes;
        rateHz[row * P + k] = pop.rateHz;
        for (const variable of run.populations[name]!.state) {
          mean[row * V + v] = pop.mean[variable] ?? Number.NaN;
          variance[row * V + v] = pop.var[variable] ?? Number.NaN;
          v++;
        }
      });
      nonFinite[row] = summary.nonFiniteTrials;
      options.onProgress?.((row + 1) / rows);
    }
  }
  return { shard, begin, end, arrays: { spikes, rateHz, mean, variance, nonFinite } };
}

function cancelled(shard: ShardId): WgneuroError {
  return new WgneuroError(`shard ${shard.index}/${shard.count} was cancelled; nothing of it is returned`);
}

/** Host and GPU memory of the largest shard, in bytes (models; null for experiments). */
export function estimateShardMemory(prepared: PreparedSweep, shardCount: number): { units: number; hostBytes: number; gpuBytes: number } | null {
  const plan = prepared.plan;
  const units = Math.ceil(planUnits(plan) / shardCount);
  if (prepared.kind !== 'model') return null;
  const n = prepared.variables.length;
  const names = shardArrayNames(prepared);
  // Kept per-trial data, plus what simulate() holds for one segment (final state, flags, stop and
  // completed steps, spike records).
  const kept = 1 + (names.includes('final') ? 4 * n : 0) + (names.includes('spikeCount') ? 8 : 0);
  const segmentTrials = Math.min(units, plan.trials);
  const segment = 4 * n + 1 + 4 + 4 + (prepared.event ? 8 : 0);
  const rows = prepared.target.integrator === 'baoab' ? 2 * n : n;
  return {
    units,
    hostBytes: units * kept + segmentTrials * segment,
    gpuBytes: segmentTrials * (rows * 4 + sdeTrialStatus.byteSize),
  };
}
