/**
 * The contract every scientific experiment implements, so `wgneuro run <name>` can run it, print its
 * result table, and write JSON, CSV and figures.
 */
import type { Context } from '../core/context.js';
import * as z from 'zod';
import { finiteNumber, wholeNumber } from '../core/validate.js';
import { InputError } from '../gpu/errors.js';

/** Parameter values an experiment accepts from the command line (`--name value`). */
export type ParamValue = number | string | boolean | number[];

export interface ExperimentParam {
  /** Default value; its type decides how the CLI parses `--name value`. */
  default: ParamValue;
  /** One line shown in `wgneuro run <name> --help`. */
  description: string;
  /** Numbers (and each number of a list): smallest allowed value, inclusive. Default: none. */
  min?: number;
  /** Numbers: values must be strictly greater than this. Default: none. */
  above?: number;
  /** Numbers: largest allowed value, inclusive. Default: none. */
  max?: number;
  /** Numbers: whole numbers only. Default false. */
  integer?: boolean;
}

/** The schema of one number of `param`: its bounds and integrality. */
export function paramNumberSchema(param: ExperimentParam): z.ZodNumber {
  const bounds = { min: param.min, above: param.above, max: param.max };
  return param.integer ? wholeNumber(bounds) : finiteNumber(bounds);
}

/**
 * The schema of a value of `param` given as JSON (a sweep file): its type is the default's, its
 * bounds the declaration's, so a value is checked as `wgneuro run --name` checks it.
 */
export function paramValueSchema(param: ExperimentParam): z.ZodType<ParamValue> {
  const d = param.default;
  if (Array.isArray(d)) return z.array(paramNumberSchema(param), { error: 'a list of numbers' });
  if (typeof d === 'number') return paramNumberSchema(param);
  if (typeof d === 'boolean') return z.boolean({ error: 'true or false' });
  return z.string({ error: 'a string' });
}

/** A figure: a Vega-Lite specification rendered to SVG by the runner. */
export interface Figure {
  /** File stem, e.g. `'convergence-time'`. */
  name: string;
  /** A complete Vega-Lite spec with inline data (`data: { values: [...] }`). */
  spec: Record<string, unknown>;
}

export interface Experiment<R = unknown> {
  /** CLI name, e.g. `'whitening'`. */
  name: string;
  /** One line for `wgneuro run --help`. */
  description: string;
  params: Record<string, ExperimentParam>;
  /**
   * Run with fully resolved parameters. `progress(fraction, message)` drives the CLI progress bar;
   * `signal` is checked between dispatches so a long run can be cancelled.
   */
  run(
    ctx: Context,
    params: Record<string, ParamValue>,
    progress: (fraction: number, message?: string) => void,
    signal?: AbortSignal,
  ): Promise<R>;
  /** The machine-checkable JSON result (the documented shape). */
  toJSON(result: R): Record<string, unknown>;
  /** Rows for the CSV file(s): file stem → rows of flat records. */
  tables(result: R): Record<string, Record<string, number | string>[]>;
  figures(result: R): Figure[];
  /** Short human-readable summary printed without --json: simulation beside theory. */
  summary(result: R): string;
}

/** A numeric parameter by name; InputError naming `--name` and the value when it is not a finite number. */
export function numberParam(params: Record<string, ParamValue>, name: string): number {
  const v = params[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`--${name} must be a number, got ${String(v)}`);
  return v;
}

/** Several numeric parameters at once, checked in the order given, as {@link numberParam} checks one. */
export function numberParams<const K extends string>(params: Record<string, ParamValue>, names: readonly K[]): Record<K, number> {
  const values = {} as Record<K, number>;
  for (const name of names) values[name] = numberParam(params, name);
  return values;
}

/**
 * A list-of-numbers parameter by name (a single number is a list of one); InputError naming
 * `--name` when it holds fewer than `minLength` values (default 1) or a value that is not finite.
 */
export function listParam(params: Record<string, ParamValue>, name: string, minLength = 1): number[] {
  const v = params[name];
  const xs = Array.isArray(v) ? v : typeof v === 'number' ? [v] : [];
  if (xs.length < minLength || xs.some((x) => !Number.isFinite(x))) {
    throw new InputError(`--${name} must be a list of at least ${minLength} number${minLength === 1 ? '' : 's'}, got ${String(v)}`);
  }
  return xs;
}
