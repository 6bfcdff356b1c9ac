/**
 * Sweep plans: what to run (a model, a network or an experiment), at which parameter points, with which seeds
 * and how many trials, and what to keep. A plan is checked with a zod schema (messages name the
 * field path, the value and what was expected), normalized, hashed, and cut into shards.
 *
 * The work of a plan is one line of trials in a fixed order: point, then seed, then trial. A shard
 * is a contiguous range of that line, so trials of one point may be split across shards; the
 * counter-based random numbers (indexed by seed, trial and step) make any split reproduce the
 * unsplit run bit for bit.
 *
 * Networks are the exception: `simulateNetwork` has no trial ranges, so a network plan's work unit
 * is a whole point (all its seeds and trials) and a point is never split across shards.
 *
 * No Node APIs here: files are read and written by src/cli/sweep-files.ts.
 */
import * as z from 'zod';
import { count, filePath, finiteNumber, oneOf, parseInput, seedSchema, wholeNumber } from '../core/validate.js';
import { InputError } from '../gpu/errors.js';
import { INTEGRATORS, type IntegratorName } from '../sde/index.js';

/** Version of the sweep file format (the `version` field). */
export const SWEEP_FORMAT_VERSION = 1;

/** What a sweep may keep: per-trial arrays and per-point statistics (see README "Sweeps"). */
export const KEEP = ['final', 'flags', 'spikes', 'mean', 'variance', 'rate', 'result'] as const;
export type Keep = (typeof KEEP)[number];

/** A value an experiment parameter may take (as `wgneuro run` accepts). */
type PointValue = number | string | boolean | number[];

const U32_MAX = 2 ** 32 - 1;
const integratorNames = Object.keys(INTEGRATORS) as [IntegratorName, ...IntegratorName[]];

const pointValue = z.union([finiteNumber(), z.string(), z.boolean(), z.array(finiteNumber())], {
  error: 'a number, a string, true/false or a list of numbers',
});
/**
 * `{ name: value }` keyed by parameter names (`__proto__` is refused before parsing: zod drops it).
 * Network parameters are `population.param`; the target's check refuses a dotted name elsewhere.
 */
const byParam = <T extends z.ZodType>(value: T, what: string) =>
  z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/), value, {
    error: (issue) => (issue.code === 'invalid_key' ? 'a parameter name (letters, digits, _; "population.param" for a network)' : what),
  });

/** Units of a network target's `dt` (as `wgneuro network --time-unit`): rates are reported in Hz. */
export const NETWORK_SWEEP_TIME_UNITS = ['ms', 's'] as const;

const modelTarget = z.strictObject({
  kind: z.literal('model'),
  /** A model as `wgneuro simulate` takes it: a path (relative to the sweep file) or the object itself. */
  model: z.union([
    z.string().min(1),
    // Passed on untouched: the model file's own schema checks it (and refuses `__proto__` keys).
    z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v)),
  ], { error: 'a model file path or the model object' }),
  steps: wholeNumber({ min: 0, max: U32_MAX }),
  dt: finiteNumber({ above: 0 }),
  integrator: oneOf(integratorNames).default('em'),
  t0: finiteNumber().default(0),
  refine: count(2 ** 16).default(1),
  friction: finiteNumber({ above: 0 }).default(1),
}, { error: 'an object { kind: "model", model, steps, dt, … }' });

const networkTarget = z.strictObject({
  kind: z.literal('network'),
  /** A network as `wgneuro network` takes it: a path (relative to the sweep file) or the object itself. */
  network: z.union([
    z.string().min(1),
    // Checked against the network schema when the sweep is prepared.
    z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v)),
  ], { error: 'a network file path or the network object' }),
  steps: wholeNumber({ min: 1, max: U32_MAX }),
  dt: finiteNumber({ above: 0 }),
  t0: finiteNumber().default(0),
  timeUnit: oneOf(NETWORK_SWEEP_TIME_UNITS).default('ms'),
}, { error: 'an object { kind: "network", network, steps, dt, … }' });

const experimentTarget = z.strictObject({
  kind: z.literal('experiment'),
  /** A name from `wgneuro run --list`. */
  name: z.string({ error: 'an experiment name' }).min(1, { error: 'an experiment name' }),
  /** Fixed parameters (the rest keep their defaults). */
  params: byParam(pointValue, 'an object { parameter: value }').default({}),
}, { error: 'an object { kind: "experiment", name, params? }' });

/**
 * The sweep file. `target.kind` tells what runs; a new kind is a new member of this union, so
 * existing files keep their meaning.
 */
const sweepFileSchema = z.strictObject({
  version: z.literal(SWEEP_FORMAT_VERSION, { error: `${SWEEP_FORMAT_VERSION} (the sweep file version)` }).default(SWEEP_FORMAT_VERSION),
  target: z.discriminatedUnion('kind', [modelTarget, networkTarget, experimentTarget], { error: "a target whose kind is 'model', 'network' or 'experiment'" }),
  /** Cartesian product of parameter values; the first parameter varies slowest. */
  grid: byParam(
    z.array(pointValue, { error: 'a list of values' }).min(1, { error: 'a list of at least 1 value' }),
    'an object { parameter: [values] }',
  ).optional(),
  /** Explicit points, run after the grid's. */
  points: z.array(byParam(pointValue, 'a point { parameter: value }'), { error: 'a list of points' }).optional(),
  /** Random seeds; every point runs with each. Default [0]. */
  seeds: z.array(seedSchema, { error: 'a list of seeds' }).min(1, { error: 'a list of at least 1 seed' }).default([0]),
  /** Trials per point and seed (models, networks); experiments run once per point and seed. Default 1. */
  trials: count(U32_MAX).default(1),
  /** What to keep. Default mean and variance (models), result (experiments). */
  keep: z.array(oneOf(KEEP), { error: `a list of ${KEEP.join(', ')}` }).min(1, { error: 'a list of at least 1 entry' }).optional(),
}, { error: 'a JSON object' });

/** A model target after normalization: the model is inline. */
export interface ModelTarget {
  kind: 'model';
  model: Record<string, unknown>;
  steps: number;
  dt: number;
  integrator: IntegratorName;
  t0: number;
  refine: number;
  friction: number;
}

/**
 * A network target after normalization: the network is inline (weights read from `.npy` files are
 * inlined as dense number lists by the loader). Points override population parameters by
 * `"population.param"`.
 */
export interface NetworkTarget {
  kind: 'network';
  network: Record<string, unknown>;
  steps: number;
  dt: number;
  t0: number;
  timeUnit: (typeof NETWORK_SWEEP_TIME_UNITS)[number];
}

/** An experiment target after normalization. */
export interface ExperimentTarget {
  kind: 'experiment';
  name: string;
  params: Record<string, PointValue>;
}

/** A checked, normalized sweep plan: every default filled in and the points enumerated. */
export interface SweepPlan {
  version: number;
  target: ModelTarget | NetworkTarget | ExperimentTarget;
  /** Parameter values of every point, in run order. */
  points: Record<string, PointValue>[];
  seeds: number[];
  trials: number;
  keep: Keep[];
}

/** The `__proto__` keys zod would silently drop from parameter records, as an error. */
function refuseProtoParams(json: unknown): void {
  const file = json as { grid?: unknown; points?: unknown; target?: { params?: unknown } } | null;
  if (!file || typeof file !== 'object') return;
  const records: [string, unknown][] = [['grid', file.grid], ['target.params', file.target?.params]];
  if (Array.isArray(file.points)) file.points.forEach((p, i) => records.push([`points[${i}]`, p]));
  for (const [where, record] of records) {
    if (record && typeof record === 'object' && Object.hasOwn(record, '__proto__')) {
      throw new InputError(`sweep file: ${where}: expected a parameter name (letters, digits, _), got the key "__proto__"`);
    }
  }
}

/** What a network target may keep, and its default. */
const NETWORK_KEEP: Keep[] = ['spikes', 'rate', 'mean', 'variance'];

/**
 * Check a parsed sweep file and normalize it. `loadModel` turns `target.model` given as a path into
 * the model object (the CLI reads it relative to the sweep file); without it only inline models work.
 * `loadNetwork` does the same for `target.network`.
 * @throws InputError naming each bad field, its value and what was expected.
 */
export function parseSweepPlan(
  json: unknown,
  loadModel?: (path: string) => Record<string, unknown>,
  loadNetwork?: (path: string) => Record<string, unknown>,
): SweepPlan {
  refuseProtoParams(json);
  const file = parseInput(sweepFileSchema, json, 'sweep file', filePath);
  if (!file.grid && !file.points) throw new InputError('sweep file: give a grid or points (or both), e.g. "grid": { "sigma": [0.1, 0.2] }');
  const points = enumeratePoints(file.grid, file.points);
  if (new Set(file.seeds).size !== file.seeds.length) throw new InputError(`sweep file: seeds: expected distinct seeds, got ${JSON.stringify(file.seeds)}`);

  let target: ModelTarget | NetworkTarget | ExperimentTarget;
  let keep: Keep[];
  if (file.target.kind === 'network') {
    const t = file.target;
    let network: Record<string, unknown>;
    if (typeof t.network === 'string') {
      if (!loadNetwork) throw new InputError(`sweep file: target.network: expected the network object (paths are read by the command line), got '${t.network}'`);
      network = loadNetwork(t.network);
    } else network = t.network;
    target = { kind: 'network', network, steps: t.steps, dt: t.dt, t0: t.t0, timeUnit: t.timeUnit };
    keep = dedupe(file.keep ?? NETWORK_KEEP);
    const other = keep.filter((k) => !NETWORK_KEEP.includes(k));
    if (other.length) throw new InputError(`sweep file: keep: a network keeps ${NETWORK_KEEP.join(', ')} (per point, seed and population), got ${JSON.stringify(other)}`);
    points.forEach((p, i) => {
      for (const [name, value] of Object.entries(p)) {
        if (!name.includes('.')) throw new InputError(`sweep file: point ${i} (${JSON.stringify(p)}): '${name}': expected "population.param" (a network parameter names its population)`);
        if (typeof value !== 'number') throw new InputError(`sweep file: point ${i} (${JSON.stringify(p)}): ${name}: expected a number (a network parameter), got ${JSON.stringify(value)}`);
      }
    });
  } else if (file.target.kind === 'model') {
    const t = file.target;
    let model: Record<string, unknown>;
    if (typeof t.model === 'string') {
      if (!loadModel) throw new InputError(`sweep file: target.model: expected the model object (paths are read by the command line), got '${t.model}'`);
      model = loadModel(t.model);
    } else model = t.model;
    target = { kind: 'model', model, steps: t.steps, dt: t.dt, integrator: t.integrator, t0: t.t0, refine: t.refine, friction: t.friction };
    keep = dedupe(file.keep ?? ['mean', 'variance']);
    if (keep.includes('result')) throw new InputError(`sweep file: keep: 'result' is for experiments; a model keeps ${KEEP.filter((k) => k !== 'result').join(', ')}`);
    points.forEach((p, i) => {
      for (const [name, value] of Object.entries(p)) {
        if (typeof value !== 'number') throw new InputError(`sweep file: point ${i} (${JSON.stringify(p)}): ${name}: expected a number (a model parameter), got ${JSON.stringify(value)}`);
      }
    });
  } else {
    target = { kind: 'experiment', name: file.target.name, params: file.target.params };
    keep = dedupe(file.keep ?? ['result']);
    if (keep.some((k) => k !== 'result')) throw new InputError(`sweep file: keep: expected ["result"] for an experiment, got ${JSON.stringify(keep)}`);
    if (file.trials !== 1) throw new InputError(`sweep file: trials: expected 1 for an experiment (set its own trials parameter in target.params or the grid), got ${file.trials}`);
  }
  return { version: file.version, target, points, seeds: [...file.seeds], trials: file.trials, keep };
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** The grid's Cartesian product (first parameter slowest), then the explicit points. */
function enumeratePoints(grid: Record<string, PointValue[]> | undefined, list: Record<string, PointValue>[] | undefined): Record<string, PointValue>[] {
  let points: Record<string, PointValue>[] = [];
  if (grid) {
    points = [{}];
    for (const [name, values] of Object.entries(grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return [...points, ...(list ?? [])];
}

/** Total trials (runs, for experiments) of a plan: points × seeds × trials. */
export function planSize(plan: SweepPlan): number {
  return plan.points.length * plan.seeds.length * plan.trials;
}

/**
 * Work units of a plan, the line shards cut: trials (models), runs (experiments), or whole points
 * (networks: `simulateNetwork` has no trial ranges, so a point is never split across shards).
 */
export function planUnits(plan: SweepPlan): number {
  return plan.target.kind === 'network' ? plan.points.length : planSize(plan);
}

/**
 * SHA-256 (hex) of the normalized plan: two files that differ only in layout hash alike; a
 * different model, point, seed, trial count or kept quantity changes it. Key order is kept because
 * it is meaningful (a model's state and parameter order).
 */
export async function planHash(plan: SweepPlan): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(plan));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Shard `index` of `count`: `index/count`. */
export interface ShardId {
  index: number;
  count: number;
}

/** Parse `i/N` (as in `--shard 3/8`). */
export function parseShard(text: string): ShardId {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new InputError(`--shard: expected i/N with 0 ≤ i < N (e.g. 0/4), got '${text}'`);
  return { index, count };
}

/** Check a shard count against a plan. */
export function checkShardCount(plan: SweepPlan, count: number): void {
  const total = planUnits(plan);
  if (!Number.isInteger(count) || count < 1 || count > total) {
    const what = plan.target.kind === 'network' ? 'points of this network plan; a point is never split' : 'points × seeds × trials of this plan';
    throw new InputError(`shards: expected a whole number from 1 to ${total} (${what}), got ${count}`);
  }
}

/** The work units [begin, end) of shard `index` of `count`: the line cut into near-equal parts. */
export function shardRange(plan: SweepPlan, shard: ShardId): { begin: number; end: number } {
  checkShardCount(plan, shard.count);
  const total = planUnits(plan);
  // Exact in float64: total < 2^53 and count is small.
  return { begin: Math.floor((shard.index * total) / shard.count), end: Math.floor(((shard.index + 1) * total) / shard.count) };
}

/** One simulate() call of a shard: trials [firstTrial, firstTrial + count) of (point, seed). */
export interface Segment {
  point: number;
  seedIndex: number;
  firstTrial: number;
  count: number;
  /** Position of the segment's first trial in the shard's arrays. */
  offset: number;
}

/** Cut work units [begin, end) into segments of one point and seed each, in order. */
export function segmentsOf(plan: SweepPlan, begin: number, end: number): Segment[] {
  const out: Segment[] = [];
  let u = begin;
  while (u < end) {
    const cell = Math.floor(u / plan.trials);
    const firstTrial = u - cell * plan.trials;
    const count = Math.min(plan.trials - firstTrial, end - u);
    out.push({ point: Math.floor(cell / plan.seeds.length), seedIndex: cell % plan.seeds.length, firstTrial, count, offset: u - begin });
    u += count;
  }
  return out;
}
