/**
 * Names users give to variables, parameters, functions and models. Every name that reaches
 * generated code is checked here first, so no text of the user's reaches WGSL or JavaScript
 * unvalidated.
 */
import { InputError } from '../gpu/errors.js';
import { BUILTINS, CONSTANTS } from './builtins.js';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Check that `name` can name a variable, parameter, argument or function: a letter, then letters,
 * digits and `_`; not a built-in function, nor one of `reserved`, nor a built-in constant unless
 * `shadowConstants` (the value then hides the constant, as `mapExpr` inputs may).
 * @throws InputError naming `what` and the name.
 */
export function checkName(name: unknown, what: string, reserved: readonly string[] = [], shadowConstants = false): asserts name is string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new InputError(`${what} name ${JSON.stringify(name) ?? String(name)} must start with a letter and contain only letters, digits and '_'`);
  }
  if (BUILTINS.has(name) || (!shadowConstants && CONSTANTS.has(name)) || reserved.includes(name)) {
    throw new InputError(`${what} name '${name}' is reserved (a built-in function or constant${reserved.length ? `, or ${reserved.map((r) => `'${r}'`).join(', ')}` : ''})`);
  }
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Check a model's display name (it appears in generated code comments, labels and messages): 1 to
 * 64 letters, digits, `_`, `-` or `.`, starting with a letter or digit.
 * @throws InputError showing the name as JSON (so a newline is visible).
 */
export function checkModelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw new InputError(`model name ${JSON.stringify(name) ?? String(name)} must be 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit`);
  }
}
