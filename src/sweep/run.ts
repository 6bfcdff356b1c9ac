/**
 * Running one shard of a sweep plan: check the target against the plan (before any GPU work), cut
 * the shard's range into segments of one point and seed, run each segment, and collect per-trial
 * arrays (models) or per-run JSON results (experiments) in plan order.
 */
import type { Context } from '../core/context.js';
import { sdeTrialStatus } from '../core/sde-status.js';
import { InputError, WgneuroError } from '../gpu/errors.js';
import { paramValueSchema, type Experiment, type ParamValue } from '../models/experiment.js';
import { filePath, parseInput } from '../core/validate.js';
import { experiments as registeredExperiments } from '../models/registry.js';
import { modelFromJSON, resolveIntegrator, simulate, type IntegratorName, type SDEModel } from '../sde/index.js';
import { planSize, segmentsOf, shardRange, type ModelTarget, type ShardId, type SweepPlan } from './plan.js';

/** A per-trial array of a shard or a merged result; its first axis runs over work units. */
export type SweepArray = Float32Array | Float64Array | Uint8Array | Uint32Array;

/** The plan with its target resolved: one compiled model per point, or the experiment to run. */
export type PreparedSweep =
  | {
      kind: 'model'; plan: SweepPlan; target: ModelTarget; variables: string[]; event: boolean;
      /** The model at point i, compiled on first use (a shard compiles only the points it runs). */
      modelAt(point: number): SDEModel;
    }
  | { kind: 'experiment'; plan: SweepPlan; experiment: Experiment<unknown>; params: Record<string, ParamValue>[] };

/**
 * Check the plan's target and points and compile what they need. Every error names the point and
 * parameter in the sweep file's terms.
 * @param experiments where experiment names are looked up. Default: `wgneuro run`'s registry.
 */
export function prepareSweep(plan: SweepPlan, experiments: Experiment<unknown>[] = registeredExperiments): PreparedSweep {
  const target = plan.target;
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
  /** Models: per-trial arrays; `final` holds `variables.length` values per trial. */
  arrays: Record<string, SweepArray>;
  /** Experiments: the JSON result of each run. */
  results?: unknown[];
}

/** Per-trial arrays a shard stores for the plan's `keep` (statistics are computed at merge time). */
export function shardArrayNames(prepared: PreparedSweep): string[] {
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

function cancelled(shard: ShardId): WgneuroError {
  return new WgneuroError(`shard ${shard.index}/${shard.count} was cancelled; nothing of it is returned`);
}

/** Host and GPU memory of the largest shard, in bytes (models; null for experiments). */
export function estimateShardMemory(prepared: PreparedSweep, shardCount: number): { units: number; hostBytes: number; gpuBytes: number } | null {
  const plan = prepared.plan;
  const units = Math.ceil(planSize(plan) / shardCount);
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
