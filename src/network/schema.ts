/**
 * The network file format, declared once with zod: the same schema validates `wgneuro network
 * net.json` files and `defineNetwork(…)` calls, and its issues become messages that name the
 * field path, the value found and what was expected, before any GPU work.
 */
import { z } from 'zod';
import { InputError } from '../gpu/errors.js';

const finite = z.number().finite();
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
  denseWeights,
  fixedProbability,
  csrWeights,
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

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function pathString(path: (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('') || '(the file)';
}

/**
 * Validate a network description; throws an `InputError` listing each problem as
 * `path: got VALUE, expected …`.
 */
export function parseNetworkJSON(json: unknown, where = 'network'): NetworkJSON {
  const result = networkSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 8).map((issue) => {
    // A union reports each alternative; the most specific is the one that got furthest.
    let chosen = issue;
    if (issue.code === 'invalid_union') {
      const deepest = issue.unionErrors.flatMap((e) => e.issues).sort((a, b) => b.path.length - a.path.length)[0];
      if (deepest && deepest.path.length > issue.path.length) chosen = deepest;
    }
    const value = valueAt(json, chosen.path);
    return `${pathString(chosen.path)}: got ${show(value)}, expected ${expectation(chosen)}`;
  });
  throw new InputError(`${where}: ${lines.join('; ')}`);
}

function expectation(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return `${issue.expected}`;
    case 'too_small': return `${issue.type === 'array' ? 'at least' : issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}${issue.type === 'array' ? ' entries' : ''}`;
    case 'too_big': return `${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'invalid_enum_value': return `one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'invalid_literal': return JSON.stringify(issue.expected);
    case 'unrecognized_keys': return `no unknown field (${issue.keys.join(', ')})`;
    case 'invalid_union': return 'a .npy path, a nested array, or {kind: dense|fixed-probability|csr, …}';
    default: return issue.message;
  }
}
