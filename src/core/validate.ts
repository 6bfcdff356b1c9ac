/**
 * The one validation layer at wgneuro's boundaries (API options, CLI options, file headers): zod
 * schemas, and a parse that turns the first problem into an `InputError` naming the field, the
 * value given and what was expected — `simulate: options.trials: expected a whole number ≥ 1, got 0`.
 *
 * Schemas carry their expectation as their error text (`expected` below), so a message reads the
 * same wherever the schema is used.
 */
// Every module imports zod itself as a namespace, `import * as z from 'zod'`, and nothing re-exports
// it: with `import { z } from 'zod'`, or the namespace passed on through this module, esbuild (and
// tools built on it) keeps all of zod with its 40-odd message locales in a user's web app: 587 kB
// instead of 234 kB for test/node-only/package.test.ts's app, which checks this.
import * as z from 'zod';
import { InputError } from '../gpu/errors.js';

/** A value as a user would write it: strings quoted, functions and objects summarized. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return value.length > 6 ? `an array of ${value.length}` : `[${value.map(formatValue).join(', ')}]`;
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? 'an object' : text;
  } catch {
    return 'an object';
  }
}

/** The value at `path` inside `root` (own properties only), or undefined. */
function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** How a field is named in messages: `options.trials`, `--trials`, `'shape'[1]`. */
export type FieldNamer = (path: readonly PropertyKey[]) => string;

/** Names a field as a dotted path under `root` (`options.record.stats.every`). */
export function dottedName(root: string): FieldNamer {
  return (path) => path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${String(key)}`), root);
}

/**
 * Names a field by its path inside a file: `target.steps`, `grid.mu[1]`; the file itself is
 * `(top level)`.
 */
export function filePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

/** One zod issue as "field: expected …, got …". */
function describeIssue(issue: z.core.$ZodIssue, input: unknown, name: FieldNamer): string {
  const field = name(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${field}: unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_key') {
    // A record's key is at fault, not its value: name the record and show the key.
    return `${name(issue.path.slice(0, -1))}: expected ${issue.message}, got the key ${formatValue(String(issue.path.at(-1)))}`;
  }
  // The value as the user wrote it where it can be found; else the (transformed) value zod saw.
  const given = at(input, issue.path);
  const value = given === undefined && 'input' in issue ? issue.input : given;
  const missing = value === undefined;
  return `${field}: expected ${issue.message}, got ${missing ? 'nothing' : formatValue(value)}`;
}

/**
 * Parse `input` with `schema`; on failure throw an `InputError` whose message starts with `where`
 * (the function or command) and names every field at fault.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string, name: FieldNamer = dottedName('options')): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, input, name));
  throw new InputError(`${where ? `${where}: ` : ''}${problems.join('; ')}`);
}

/** Error text of a schema: what the field expected. */
const expected = (text: string) => ({ error: text });

/** Bounds of a numeric schema. */
export interface NumberBounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be strictly greater than this. */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

function describeBounds(kind: string, b: NumberBounds): string {
  const parts: string[] = [];
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.min !== undefined) parts.push(`≥ ${b.min}`);
  if (b.max !== undefined) parts.push(b.max === Number.MAX_SAFE_INTEGER ? 'below 2^53' : `≤ ${b.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/** A finite number within `bounds`. */
export function finiteNumber(bounds: NumberBounds = {}, what = 'a finite number'): z.ZodNumber {
  const e = expected(describeBounds(what, bounds));
  let s = z.number(e).finite(e);
  if (bounds.above !== undefined) s = s.gt(bounds.above, e);
  if (bounds.min !== undefined) s = s.min(bounds.min, e);
  if (bounds.max !== undefined) s = s.max(bounds.max, e);
  return s.describe(e.error);
}

/** A whole number within `bounds` (default: any safe integer). */
export function wholeNumber(bounds: NumberBounds = {}): z.ZodNumber {
  const e = expected(describeBounds('a whole number', bounds));
  let s = z.number(e).int(e);
  if (bounds.above !== undefined) s = s.gt(bounds.above, e);
  if (bounds.min !== undefined) s = s.min(bounds.min, e);
  if (bounds.max !== undefined) s = s.max(bounds.max, e);
  return s.describe(e.error);
}

/** A count: a whole number ≥ 1 (at most `max`). */
export const count = (max?: number): z.ZodNumber => wholeNumber({ min: 1, max });
/** A seed: a whole number in [0, 2^53). */
export const seedSchema = wholeNumber({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** A boolean flag. */
export const flag = z.boolean(expected('true or false'));

/** One of `names` (matched exactly; never an inherited object property). */
export function oneOf<const T extends readonly [string, ...string[]]>(names: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(names, expected(`one of ${names.join(', ')}`));
}

/** An `AbortSignal` (checked by shape, so signals from other realms pass). */
export const abortSignal = z.custom<AbortSignal>(
  (v) => typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function',
  expected('an AbortSignal'),
);

/** A function (callbacks). */
export const callback = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', expected('a function'));

/**
 * A number written as text (command lines, headers), read strictly: decimal or exponent notation
 * only (`1e3` is 1000); `''`, `abc`, `0x10`, `Infinity` and `1_000` are refused.
 */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A schema for text holding a number that then satisfies `numberSchema`. */
export function numberText(numberSchema: z.ZodNumber): z.ZodType<number, string> {
  const e = expected(numberSchema.description ?? 'a number');
  return z
    .string(e)
    .trim()
    .regex(NUMBER_TEXT, e)
    .transform(Number)
    .pipe(numberSchema) as unknown as z.ZodType<number, string>;
}
