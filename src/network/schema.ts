/**
 * The network file format, declared once with zod: the same schema validates `wgneuro network
 * net.json` files and `defineNetwork(…)` calls, and its issues become messages that name the
 * field path, the value found and what was expected, before any GPU work.
 */
import * as z from 'zod';
import { InputError } from '../gpu/errors.js';

const finite = z.number(); // zod 4 numbers are finite (NaN and ±Infinity are refused)
const numberArray = z.union([z.array(finite), z.instanceof(Float32Array), z.instanceof(Float64Array)]);

/** Weights given as numbers in the file or as a typed array in code: [to.size × from.size], row-major. */
const denseWeights = z.object({
  kind: z.literal('dense'),
  /** Row-major [to.size, from.size], or [trials, to.size, from.size] with `perTrial`. */
  data: numberArray,
  perTrial: z.boolean().optional(),
}).strict();

const fixedProbability = z.object({
  kind: z.literal('fixed-probability'),
  p: z.number().min(0).max(1),
  weight: finite,
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Whether a neuron may connect to itself (projections within one population). Default true. */
  autapses: z.boolean().optional(),
}).strict();

const csrWeights = z.object({
  kind: z.literal('csr'),
  /** Row pointers, length to.size + 1 (row i = postsynaptic neuron i). */
  indptr: z.array(z.number().int().min(0)),
  /** Presynaptic neuron of each synapse. */
  indices: z.array(z.number().int().min(0)),
  data: z.array(finite),
}).strict();

/** Weights of a projection: a `.npy` path (files), a nested array, or one of the generators. */
export const weightsSchema = z.union([
  z.string().min(1),
  z.instanceof(Float32Array),
  z.instanceof(Float64Array),
  z.array(z.array(finite)),
  z.discriminatedUnion('kind', [denseWeights, fixedProbability, csrWeights]),
]);

const modelSchema = z.record(z.string(), z.unknown()).refine((m) => 'state' in m, { message: "a model needs 'state'" });

const populationSchema = z.object({
  size: z.number().int().min(1).max(2 ** 24),
  /** The neuron model, in the format of `wgneuro simulate`'s model files. */
  model: modelSchema,
  /** Per-neuron parameter values (one per neuron) or constants, overriding the model's. */
  params: z.record(z.string(), z.union([finite, numberArray])).optional(),
  /** Per-trial parameter values (one per trial). */
  sweep: z.record(z.string(), numberArray).optional(),
}).strict();

const projectionSchema = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  on: z.enum(['step', 'spike']),
  /** Continuous projections: expression of the presynaptic state, s(x). Default: the first state variable. */
  source: z.union([z.string().min(1), finite]).optional(),
  target: z.string().min(1),
  weights: weightsSchema,
  /** Spike projections: delay in steps. Default 0 (delivered before the next step). */
  delay: z.number().int().min(0).max(4096).optional(),
}).strict();

/** The whole network file. */
export const networkSchema = z.object({
  name: z.string().optional(),
  populations: z.record(z.string(), populationSchema).refine((p) => Object.keys(p).length > 0, { message: 'at least one population is needed' }),
  projections: z.array(projectionSchema).optional(),
}).strict();

export type NetworkJSON = z.infer<typeof networkSchema>;
export type WeightsJSON = z.infer<typeof weightsSchema>;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function pathString(path: Path): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('') || '(the file)';
}

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

const keyPath = (path: readonly PropertyKey[]): Path => path.map((k) => (typeof k === 'number' ? k : String(k)));

/**
 * The issue to report for a union that nothing matched: the deepest issue of any alternative (the
 * alternative the value came closest to), with its path made absolute; the union itself when every
 * alternative failed at the top.
 */
function pick(issue: Issue, base: Path): { issue: Issue; path: Path } {
  const path = [...base, ...keyPath(issue.path)];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  let best: { issue: Issue; path: Path } = { issue, path };
  for (const alternative of issue.errors) {
    for (const sub of alternative) {
      const found = pick(sub, path);
      if (found.path.length > best.path.length) best = found;
    }
  }
  return best;
}

/**
 * Validate a network description; throws an `InputError` listing each problem as
 * `path: got VALUE, expected …`.
 */
export function parseNetworkJSON(json: unknown, where = 'network'): NetworkJSON {
  const result = networkSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 8).map((top) => {
    const { issue, path } = pick(top as Issue, []);
    return `${pathString(path)}: got ${show(valueAt(json, path))}, expected ${expectation(issue)}`;
  });
  throw new InputError(`${where}: ${lines.join('; ')}`);
}

function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': return String(issue.expected);
    case 'too_small': return issue.origin === 'array' ? `at least ${String(issue.minimum)} entries` : `${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big': return issue.origin === 'array' ? `at most ${String(issue.maximum)} entries` : `${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value': return issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'unrecognized_keys': return `no unknown field (${issue.keys.join(', ')})`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options) return `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      return 'a .npy path, a nested array, a typed array or {kind: dense|fixed-probability|csr, …}';
    }
    default: return issue.message;
  }
}
