/**
 * Sweep plans: what to run (a model or an experiment), at which parameter points, with which seeds
 * and how many trials, and what to keep. A plan is checked with a zod schema (messages name the
 * field path, the value and what was expected), normalized, hashed, and cut into shards.
 *
 * The work of a plan is one line of trials in a fixed order: point, then seed, then trial. A shard
 * is a contiguous range of that line, so trials of one point may be split across shards; the
 * counter-based random numbers (indexed by seed, trial and step) make any split reproduce the
 * unsplit run bit for bit.
 *
 * No Node APIs here: files are read and written by src/cli/sweep-files.ts.
 */
import { z } from 'zod';
import { InputError } from '../gpu/errors.js';

/** Version of the sweep file format (the `version` field). */
export const SWEEP_FORMAT_VERSION = 1;

/** What a sweep may keep: per-trial arrays and per-point statistics (see README "Sweeps"). */
export const KEEP = ['final', 'flags', 'spikes', 'mean', 'variance', 'rate', 'result'] as const;
export type Keep = (typeof KEEP)[number];

/** A value an experiment parameter may take (as `wgneuro run` accepts). */
type PointValue = number | string | boolean | number[];

const finite = z.number().finite();
const pointValue = z.union([finite, z.string(), z.boolean(), z.array(finite)], {
  errorMap: () => ({ message: 'a number, a string, true/false or a list of numbers' }),
});
const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name (letters, digits, _)');

const modelTarget = z.object({
  kind: z.literal('model'),
  /** A model as `wgneuro simulate` takes it: a path (relative to the sweep file) or the object itself. */
  model: z.union([z.string().min(1), z.record(z.unknown())], { errorMap: () => ({ message: 'a model file path or the model object' }) }),
  steps: z.number().int().min(0).max(2 ** 32 - 1),
  dt: finite.positive(),
  integrator: z.string().default('em'),
  t0: finite.default(0),
  refine: z.number().int().min(1).max(2 ** 16).default(1),
  friction: finite.positive().default(1),
}).strict();

const experimentTarget = z.object({
  kind: z.literal('experiment'),
  /** A name from `wgneuro run --list`. */
  name: z.string().min(1),
  /** Fixed parameters (the rest keep their defaults). */
  params: z.record(pointValue).default({}),
}).strict();

/**
 * The sweep file. `target.kind` tells what runs; a new kind (a network) is a new member of this
 * union, so existing files keep their meaning.
 */
const sweepFileSchema = z.object({
  version: z.literal(SWEEP_FORMAT_VERSION).default(SWEEP_FORMAT_VERSION),
  target: z.discriminatedUnion('kind', [modelTarget, experimentTarget]),
  /** Cartesian product of parameter values; the first parameter varies slowest. */
  grid: z.record(paramName, z.array(pointValue).nonempty()).optional(),
  /** Explicit points, run after the grid's. */
  points: z.array(z.record(paramName, pointValue)).optional(),
  /** Random seeds; every point runs with each. Default [0]. */
  seeds: z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)).nonempty().default([0]),
  /** Trials per point and seed (models); experiments run once per point and seed. Default 1. */
  trials: z.number().int().min(1).max(2 ** 32 - 1).default(1),
  /** What to keep. Default mean and variance (models), result (experiments). */
  keep: z.array(z.enum(KEEP)).nonempty().optional(),
}).strict();

/** A model target after normalization: the model is inline. */
export interface ModelTarget {
  kind: 'model';
  model: Record<string, unknown>;
  steps: number;
  dt: number;
  integrator: string;
  t0: number;
  refine: number;
  friction: number;
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
  target: ModelTarget | ExperimentTarget;
  /** Parameter values of every point, in run order. */
  points: Record<string, PointValue>[];
  seeds: number[];
  trials: number;
  keep: Keep[];
}

/** What a zod issue expected, in words. */
function expectation(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return issue.expected === 'integer' ? 'a whole number' : issue.expected;
    case 'invalid_literal': return JSON.stringify(issue.expected);
    case 'invalid_union_discriminator':
    case 'invalid_enum_value': return `one of ${issue.options.map((o) => `'${String(o)}'`).join(', ')}`;
    case 'too_small':
      if (issue.type === 'array') return `at least ${Number(issue.minimum)} entr${Number(issue.minimum) === 1 ? 'y' : 'ies'}`;
      if (issue.type === 'string') return 'a non-empty string';
      return `a number ${issue.inclusive ? '≥' : '>'} ${Number(issue.minimum)}`;
    case 'too_big':
      if (issue.type === 'array') return `at most ${Number(issue.maximum)} entries`;
      return `a number ${issue.inclusive ? '≤' : '<'} ${Number(issue.maximum)}`;
    case 'not_finite': return 'a finite number';
    default: return issue.message;
  }
}

/** Turn a zod issue into `path: got value, expected …`. */
function describeIssue(issue: z.ZodIssue, input: unknown): string {
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  let value: unknown = input;
  for (const key of issue.path) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string | number, unknown>)[key];
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80);
  return `${path}: got ${shown}, expected ${expectation(issue)}`;
}

/**
 * Check a parsed sweep file and normalize it. `loadModel` turns `target.model` given as a path into
 * the model object (the CLI reads it relative to the sweep file); without it only inline models work.
 * @throws InputError naming each bad field, its value and what was expected.
 */
export function parseSweepPlan(json: unknown, loadModel?: (path: string) => Record<string, unknown>): SweepPlan {
  const parsed = sweepFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${describeIssue(i, json)}`);
    throw new InputError(`sweep file:\n${lines.join('\n')}`);
  }
  const file = parsed.data;
  if (!file.grid && !file.points) throw new InputError('sweep file: give a grid or points (or both), e.g. "grid": { "sigma": [0.1, 0.2] }');
  const points = enumeratePoints(file.grid, file.points);
  if (new Set(file.seeds).size !== file.seeds.length) throw new InputError(`sweep file: seeds: got ${JSON.stringify(file.seeds)}, expected distinct seeds`);

  let target: ModelTarget | ExperimentTarget;
  let keep: Keep[];
  if (file.target.kind === 'model') {
    const t = file.target;
    let model: Record<string, unknown>;
    if (typeof t.model === 'string') {
      if (!loadModel) throw new InputError(`sweep file: target.model: got '${t.model}', expected the model object (paths are read by the command line)`);
      model = loadModel(t.model);
    } else model = t.model;
    target = { kind: 'model', model, steps: t.steps, dt: t.dt, integrator: t.integrator, t0: t.t0, refine: t.refine, friction: t.friction };
    keep = dedupe(file.keep ?? ['mean', 'variance']);
    if (keep.includes('result')) throw new InputError(`sweep file: keep: 'result' is for experiments; a model keeps ${KEEP.filter((k) => k !== 'result').join(', ')}`);
    points.forEach((p, i) => {
      for (const [name, value] of Object.entries(p)) {
        if (typeof value !== 'number') throw new InputError(`sweep file: point ${i} (${JSON.stringify(p)}): ${name}: got ${JSON.stringify(value)}, expected a number (a model parameter)`);
      }
    });
  } else {
    target = { kind: 'experiment', name: file.target.name, params: file.target.params };
    keep = dedupe(file.keep ?? ['result']);
    if (keep.some((k) => k !== 'result')) throw new InputError(`sweep file: keep: got ${JSON.stringify(keep)}, expected ["result"] for an experiment`);
    if (file.trials !== 1) throw new InputError(`sweep file: trials: got ${file.trials}, expected 1 for an experiment (set its own trials parameter in target.params or the grid)`);
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

/** Total work units of a plan: points × seeds × trials. */
export function planSize(plan: SweepPlan): number {
  return plan.points.length * plan.seeds.length * plan.trials;
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
  if (!m || !(count >= 1) || !(index < count)) throw new InputError(`--shard must be i/N with 0 ≤ i < N (e.g. 0/4), got '${text}'`);
  return { index, count };
}

/** Check a shard count against a plan. */
export function checkShardCount(plan: SweepPlan, count: number): void {
  const total = planSize(plan);
  if (!Number.isInteger(count) || count < 1 || count > total) {
    throw new InputError(`shards: got ${count}, expected a whole number from 1 to ${total} (points × seeds × trials of this plan)`);
  }
}

/** The work units [begin, end) of shard `index` of `count`: the line cut into near-equal parts. */
export function shardRange(plan: SweepPlan, shard: ShardId): { begin: number; end: number } {
  checkShardCount(plan, shard.count);
  const total = planSize(plan);
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
