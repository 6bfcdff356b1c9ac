/**
 * Command-line parameters of an experiment: the type of each comes from its default value
 * (number, string, boolean, or a comma-separated list of numbers).
 */
import { InputError } from '../../gpu/errors.js';
import type { Experiment, ExperimentParam, ParamValue } from '../../models/experiment.js';

/** How a parameter is written on the command line. */
export type ParamKind = 'number' | 'string' | 'boolean' | 'number[]';

/** The kind of a parameter, from its default value. */
export function paramKind(param: ExperimentParam): ParamKind {
  const d = param.default;
  if (Array.isArray(d)) return 'number[]';
  if (typeof d === 'number') return 'number';
  if (typeof d === 'boolean') return 'boolean';
  return 'string';
}

function parseNumber(experiment: string, name: string, text: string): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new InputError(`${experiment}: --${name} expects a number, got '${text}'`);
  }
  return value;
}

/**
 * Parse the text given for `--name` into the parameter's type. Booleans accept
 * true/false/yes/no/1/0 (a bare flag is `true`); lists are comma-separated numbers (`0.1,0.2,0.5`).
 */
export function parseParamValue(experiment: string, name: string, param: ExperimentParam, text: string | boolean): ParamValue {
  const kind = paramKind(param);
  if (kind === 'boolean') {
    if (typeof text === 'boolean') return text;
    const t = text.trim().toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(t)) return true;
    if (['false', 'no', '0', 'off'].includes(t)) return false;
    throw new InputError(`${experiment}: --${name} expects true or false, got '${text}'`);
  }
  if (typeof text === 'boolean') {
    throw new InputError(`${experiment}: --${name} needs a value (${kind === 'number[]' ? 'comma-separated numbers' : kind})`);
  }
  if (kind === 'number') return parseNumber(experiment, name, text);
  if (kind === 'number[]') {
    const parts = text.split(',').filter((s) => s.trim() !== '');
    if (parts.length === 0) throw new InputError(`${experiment}: --${name} expects comma-separated numbers, got '${text}'`);
    return parts.map((s) => parseNumber(experiment, name, s));
  }
  return text;
}

/**
 * Every parameter of `experiment`, defaults overridden by `given` (raw command-line text by name).
 * An unknown name is an `InputError` that lists the valid ones.
 */
export function resolveParams(experiment: Experiment<unknown>, given: Record<string, string | boolean>): Record<string, ParamValue> {
  const names = Object.keys(experiment.params);
  for (const name of Object.keys(given)) {
    if (!(name in experiment.params)) {
      throw new InputError(`${experiment.name} has no parameter '${name}'; valid parameters: ${names.map((n) => `--${n}`).join(', ')}`);
    }
  }
  const resolved: Record<string, ParamValue> = {};
  for (const name of names) {
    const param = experiment.params[name]!;
    const text = given[name];
    const value = text === undefined ? param.default : parseParamValue(experiment.name, name, param, text);
    resolved[name] = Array.isArray(value) ? [...value] : value;
  }
  return resolved;
}

/** A parameter value as written on the command line (the inverse of `parseParamValue`). */
export function formatParamValue(value: ParamValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
