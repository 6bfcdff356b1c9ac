/**
 * Command-line parameters of an experiment: the type of each comes from its default value
 * (number, string, boolean, or a comma-separated list of numbers) and its bounds from the
 * experiment's declaration (`min`, `above`, `max`, `integer`); both are checked here, through the
 * schemas of src/core/validate.ts, so a bad value is reported by the parameter's own name.
 */
import * as z from 'zod';
import { numberText, parseInput } from '../../core/validate.js';
import { InputError } from '../../gpu/errors.js';
import { paramNumberSchema, type Experiment, type ExperimentParam, type ParamValue } from '../../models/experiment.js';

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

const BOOLEAN_TEXT = new Map([['true', true], ['yes', true], ['1', true], ['on', true], ['false', false], ['no', false], ['0', false], ['off', false]]);

/** The schema of the text given for `param` on the command line. */
function textSchema(param: ExperimentParam): z.ZodType<ParamValue, string> {
  const kind = paramKind(param);
  if (kind === 'number') return numberText(paramNumberSchema(param));
  if (kind === 'boolean') {
    return z
      .string()
      .transform((t) => t.trim().toLowerCase())
      .pipe(z.custom<string>((t) => BOOLEAN_TEXT.has(t as string), { error: 'true or false (yes/no, 1/0, on/off)' }))
      .transform((t) => BOOLEAN_TEXT.get(t)!) as unknown as z.ZodType<ParamValue, string>;
  }
  return z.string();
}

/**
 * Parse the text given for `--name` into the parameter's type and check its bounds. Booleans accept
 * true/false/yes/no/1/0/on/off (a bare flag is `true`); lists are comma-separated numbers
 * (`0.1,0.2,0.5`). Throws an `InputError` naming `--name`, the value and what was expected.
 */
export function parseParamValue(experiment: string, name: string, param: ExperimentParam, text: string | boolean): ParamValue {
  const kind = paramKind(param);
  if (typeof text === 'boolean') {
    if (kind === 'boolean') return text;
    throw new InputError(`${experiment}: --${name} needs a value (${kind === 'number[]' ? 'comma-separated numbers' : kind})`);
  }
  if (kind === 'number[]') {
    // Each item is checked on its own, so the message quotes the item as written.
    const one = numberText(paramNumberSchema(param));
    return text.split(',').map((item, i) => parseInput(one, item, experiment, () => `--${name} (item ${i + 1})`));
  }
  return parseInput(textSchema(param), text, experiment, () => `--${name}`);
}

/**
 * Every parameter of `experiment`, defaults overridden by `given` (raw command-line text by name).
 * An unknown name is an `InputError` that lists the valid ones.
 */
export function resolveParams(experiment: Experiment<unknown>, given: Record<string, string | boolean>): Record<string, ParamValue> {
  const names = Object.keys(experiment.params);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(experiment.params, name)) {
      throw new InputError(`${experiment.name} has no parameter '${name}'; valid parameters: ${names.map((n) => `--${n}`).join(', ')}`);
    }
  }
  const resolved: Record<string, ParamValue> = {};
  for (const name of names) {
    const param = experiment.params[name]!;
    const text = Object.hasOwn(given, name) ? given[name] : undefined;
    const value = text === undefined ? param.default : parseParamValue(experiment.name, name, param, text);
    resolved[name] = Array.isArray(value) ? [...value] : value;
  }
  return resolved;
}

/** A parameter value as written on the command line (the inverse of `parseParamValue`). */
export function formatParamValue(value: ParamValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
