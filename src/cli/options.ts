/**
 * Command-line option values, parsed once and strictly through the schemas of src/core/validate.ts,
 * so every sub-command reports bad input the same way: `--count: expected a whole number ≥ 1, got "0"`.
 */
import type * as z from 'zod';
import { count, finiteNumber, numberText, oneOf, parseInput, seedSchema, wholeNumber, type NumberBounds } from '../core/validate.js';

/** A commander argument parser for option `--name` that validates its text with `schema`. */
export function cliValue<T>(name: string, schema: z.ZodType<T, string>): (text: string) => T {
  const flag = name.startsWith('-') ? name : `--${name}`;
  return (text: string) => parseInput(schema, text, '', () => flag);
}

/** `--name <n>`: a whole number ≥ 1 (at most `max`). */
export const countOption = (name: string, max?: number): ((text: string) => number) => cliValue(name, numberText(count(max)));
/** `--name <n>`: a whole number within `bounds`. */
export const intOption = (name: string, bounds: NumberBounds = {}): ((text: string) => number) => cliValue(name, numberText(wholeNumber(bounds)));
/** `--name <x>`: a finite number within `bounds`. */
export const numberOption = (name: string, bounds: NumberBounds = {}): ((text: string) => number) => cliValue(name, numberText(finiteNumber(bounds)));
/** `--seed <k>`: a whole number in [0, 2^53). */
export const seedOption = (name = 'seed'): ((text: string) => number) => cliValue(name, numberText(seedSchema));
/** `--name <word>`: one of `names` (exact match; case as written). */
export function choiceOption<const T extends readonly [string, ...string[]]>(name: string, names: T): (text: string) => T[number] {
  return cliValue(name, oneOf(names) as unknown as z.ZodType<T[number], string>);
}

/** `--name <a,b,c>`: comma-separated whole numbers within `bounds`, each checked as written. */
export function intListOption(name: string, bounds: NumberBounds = {}): (text: string) => number[] {
  const flag = name.startsWith('-') ? name : `--${name}`;
  const one = numberText(wholeNumber(bounds));
  return (text: string) => text.split(',').map((item, i) => parseInput(one, item, '', () => `${flag} (item ${i + 1})`));
}
