/**
 * The schema of model files (`wgneuro simulate model.json`, models shared as files or links),
 * validated with zod before anything is compiled, so each wrong field is reported by its path, its
 * value and what was expected, and unknown fields are errors rather than silently ignored.
 * Expressions, names and cross-references (a drift for a variable that does not exist) are then
 * checked by `defineSDE`/`defineLangevin` in the model's own terms.
 */
import * as z from 'zod';
import { InputError } from '../gpu/errors.js';

const expression = z.union([z.number(), z.string()], { error: 'an expression (a string) or a number' });
const numbers = z.array(z.number({ error: 'a number' }));
const initValue = z.union([z.number(), z.string(), numbers], {
  error: 'a number, an expression of parameters, or an array of numbers (one per trial)',
});
const names = (what: string) => z.array(z.string({ error: `a ${what} name (a string)` }));

const common = {
  name: z.string({ error: 'a name (letters, digits, _, - or .)' }).optional(),
  state: z.union([
    names('state variable'),
    z.record(z.string(), z.union([initValue, z.strictObject({ init: initValue.optional() })], {
      error: 'an initial value (number, expression, array) or an object {init}',
    })),
  ], { error: "a list of variable names or an object {name: {init}}" }),
  params: z.record(z.string(), z.union([z.number(), numbers], { error: 'a number or an array of numbers (one per trial)' })).optional(),
  functions: z.record(z.string(), z.union([
    z.strictObject({ args: names('argument'), expr: z.string() }),
    z.strictObject({ args: names('argument'), wgsl: z.string() }),
  ], { error: "an object {args: [names], expr: 'expression'} (JavaScript is never read from a file; raw WGSL {args, wgsl} only with allowRawWGSL)" })).optional(),
  absorb: z.array(z.strictObject({
    variable: z.string({ error: 'a state variable name' }),
    lower: z.number({ error: 'a number' }).optional(),
    upper: z.number({ error: 'a number' }).optional(),
  }), { error: 'a list of boundaries [{variable, lower?, upper?}]' }).optional(),
};

const sdeFile = z.strictObject({
  ...common,
  drift: z.record(z.string(), expression, { error: 'an object {variable: expression}' }),
  diffusion: z.record(z.string(), z.union([z.number(), z.string(), z.array(expression)], {
    error: 'an expression, or with noise {wiener: m} an array of m expressions',
  }), { error: 'an object {variable: expression}' }).optional(),
  noise: z.union([z.literal('diagonal'), z.strictObject({ wiener: z.number({ error: 'a whole number ≥ 1' }).int({ error: 'a whole number ≥ 1' }).min(1, { error: 'a whole number ≥ 1' }) })], {
    error: "'diagonal' or {wiener: m} with a whole m ≥ 1",
  }).optional(),
  diffusionDerivative: z.record(z.string(), expression, { error: 'an object {variable: expression}' }).optional(),
  event: z.strictObject({
    variable: z.string({ error: 'a state variable name' }),
    threshold: expression,
    reset: expression,
    refractory: z.number({ error: 'a number (a time, in the unit of dt)' }).min(0, { error: 'a time ≥ 0' }).optional(),
  }, { error: 'an object {variable, threshold, reset, refractory?}' }).optional(),
});

const langevinFile = z.strictObject({
  ...common,
  logDensity: expression,
  score: z.record(z.string(), expression, { error: 'an object {variable: expression}' }).optional(),
});

/** A field path as users write it: `absorb[0].lower`. */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(the model object)';
}

/** The value at `path` in `json`, through own properties only. */
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `__proto__` would be dropped or turn into a prototype by JavaScript objects: refuse it anywhere. */
function refuseProtoKeys(v: unknown, path: PropertyKey[]): void {
  if (v === null || typeof v !== 'object') return;
  for (const key of Object.keys(v)) {
    if (key === '__proto__') throw new InputError(`model file: ${pathText(path)} has a field named '__proto__', which cannot be a name`);
    refuseProtoKeys((v as Record<string, unknown>)[key], [...path, Array.isArray(v) ? Number(key) : key]);
  }
}

type Issue = z.core.$ZodIssue;

/** How far into the value an option of a union got before failing (deeper: closer to what was meant). */
function depth(issues: readonly Issue[]): number {
  let d = 0;
  for (const issue of issues) {
    const inner = issue.code === 'invalid_union' ? Math.max(0, ...issue.errors.map(depth)) : 0;
    d = Math.max(d, issue.path.length + inner);
  }
  return d;
}

/**
 * The issues to report, with full paths: a failed union reports the option the value came closest
 * to (fewest issues, then deepest), so `init: ["a"]` is reported at `init[0]`, not as "not any of
 * the accepted forms"; when no option got past the value's type, the union's own message stands.
 */
function expand(issue: Issue, prefix: readonly PropertyKey[]): { issue: Issue; path: PropertyKey[] }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ issue, path }];
  let best: readonly Issue[] | null = null;
  for (const option of issue.errors) {
    if (!best || option.length < best.length || (option.length === best.length && depth(option) > depth(best))) best = option;
  }
  if (!best || depth(best) === 0) return [{ issue, path }];
  return best.flatMap((inner) => expand(inner, path));
}

/**
 * Validate a parsed model file; returns the definition for `defineSDE` (or `defineLangevin` when
 * it has `logDensity`).
 * @throws InputError listing every wrong field: its path, its value and what was expected.
 */
export function parseModelFile(json: unknown): Record<string, unknown> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`a model file must hold a JSON object, got ${shown(json)}`);
  refuseProtoKeys(json, []);
  const langevin = Object.hasOwn(json, 'logDensity');
  const result = (langevin ? langevinFile : sdeFile).safeParse(json);
  if (result.success) return result.data;
  const schema = langevin ? langevinFile : sdeFile;
  const problems = result.error.issues.flatMap((issue) => expand(issue, [])).map(({ issue, path }) => {
    if (issue.code === 'unrecognized_keys') {
      const hint = path.length === 0
        ? ` (known fields of ${langevin ? 'a Langevin' : 'an SDE'} model: ${Object.keys(schema.shape).join(', ')})`
        : issue.keys.includes('js') ? ' (JavaScript is never read from a model file)' : '';
      return `${pathText(path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${hint}`;
    }
    const value = valueAt(json, path);
    const got = value === undefined ? 'is missing' : `= ${shown(value)}`;
    const expected = issue.message.replace(/^Invalid input: /, '').replace(/^expected (\w+), received \w+$/, (_, t: string) => `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`);
    return `${pathText(path)} ${got}: expected ${expected}`;
  });
  throw new InputError(`model file: ${problems.join('; ')}`);
}
