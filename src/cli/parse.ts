/**
 * Parsing of numeric command-line option values, shared by every sub-command so bad input gets the
 * same kind of message everywhere: `--name must be a whole number, got 'x'`.
 */
import { InputError } from '../gpu/errors.js';

export interface NumberOptionRules {
  /** Require an integer. Default false. */
  integer?: boolean;
  /** Require a value ≥ 1 (with `integer`: a positive whole number). Default false. */
  positive?: boolean;
}

/** Parse `value` given to option `--name`; throws `InputError` naming the option on bad input. */
export function parseNumberOption(value: string, name: string, rules: NumberOptionRules = {}): number {
  const x = Number(value);
  const kind = rules.integer ? (rules.positive ? 'a positive whole number' : 'a whole number') : rules.positive ? 'a number ≥ 1' : 'a number';
  const bad = value.trim() === '' || !Number.isFinite(x) || (rules.integer && !Number.isInteger(x)) || (rules.positive && x < 1);
  if (bad) throw new InputError(`--${name.replace(/^--/, '')} must be ${kind}, got '${value}'`);
  return x;
}
