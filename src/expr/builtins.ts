/**
 * The built-in functions and constants of the equation language. Each entry gives its meaning
 * once, in both targets: a WGSL template (f32) and a JavaScript template (float64), written so the
 * two agree wherever WGSL leaves a result implementation-defined (see the notes per entry).
 * Lookups go through `Map`s so that names such as `constructor` or `toString` are ordinary names,
 * never JavaScript object properties.
 */

/** A built-in function: its arity and its templates (`$0`, `$1`, … are the arguments). */
export interface Builtin {
  arity: number;
  wgsl: string;
  js: string;
  /** One line for the documentation and error messages. */
  doc: string;
}

const table: [string, Builtin][] = [
  ['exp', { arity: 1, wgsl: 'exp($0)', js: 'Math.exp($0)', doc: 'e^x' }],
  ['log', { arity: 1, wgsl: 'log($0)', js: 'Math.log($0)', doc: 'natural logarithm' }],
  ['sqrt', { arity: 1, wgsl: 'sqrt($0)', js: 'Math.sqrt($0)', doc: 'square root' }],
  ['sin', { arity: 1, wgsl: 'sin($0)', js: 'Math.sin($0)', doc: 'sine (radians)' }],
  ['cos', { arity: 1, wgsl: 'cos($0)', js: 'Math.cos($0)', doc: 'cosine (radians)' }],
  ['tan', { arity: 1, wgsl: 'tan($0)', js: 'Math.tan($0)', doc: 'tangent (radians)' }],
  // WGSL's tanh may be computed as sinh/cosh, which overflows to NaN for |x| ≳ 44 in f32; tanh(±20)
  // is ±1 to f32 precision, so clamping the argument keeps the meaning and avoids the NaN.
  ['tanh', { arity: 1, wgsl: 'tanh(clamp($0, -20.0, 20.0))', js: 'Math.tanh($0)', doc: 'hyperbolic tangent' }],
  ['sinh', { arity: 1, wgsl: 'sinh($0)', js: 'Math.sinh($0)', doc: 'hyperbolic sine' }],
  ['cosh', { arity: 1, wgsl: 'cosh($0)', js: 'Math.cosh($0)', doc: 'hyperbolic cosine' }],
  ['atan', { arity: 1, wgsl: 'atan($0)', js: 'Math.atan($0)', doc: 'arc tangent' }],
  ['abs', { arity: 1, wgsl: 'abs($0)', js: 'Math.abs($0)', doc: 'absolute value' }],
  ['sign', { arity: 1, wgsl: 'sign($0)', js: 'Math.sign($0)', doc: '-1, 0 or 1' }],
  ['floor', { arity: 1, wgsl: 'floor($0)', js: 'Math.floor($0)', doc: 'round down' }],
  ['ceil', { arity: 1, wgsl: 'ceil($0)', js: 'Math.ceil($0)', doc: 'round up' }],
  ['square', { arity: 1, wgsl: 'expr_pow2($0)', js: 'Math.pow($0, 2)', doc: 'x * x' }],
  ['sigmoid', { arity: 1, wgsl: '(1.0 / (1.0 + exp(-($0))))', js: '(1 / (1 + Math.exp(-($0))))', doc: '1 / (1 + e^-x)' }],
  ['relu', { arity: 1, wgsl: 'max($0, 0.0)', js: 'Math.max($0, 0)', doc: 'max(x, 0)' }],
  ['heaviside', { arity: 1, wgsl: 'select(0.0, 1.0, ($0) > 0.0)', js: '(($0) > 0 ? 1 : 0)', doc: '1 for x > 0, else 0' }],
  ['min', { arity: 2, wgsl: 'min($0, $1)', js: 'Math.min($0, $1)', doc: 'smaller of two' }],
  ['max', { arity: 2, wgsl: 'max($0, $1)', js: 'Math.max($0, $1)', doc: 'larger of two' }],
  ['pow', { arity: 2, wgsl: 'expr_pow($0, $1)', js: 'Math.pow($0, $1)', doc: 'x^y (same as x ^ y)' }],
  ['atan2', { arity: 2, wgsl: 'atan2($0, $1)', js: 'Math.atan2($0, $1)', doc: 'angle of (x, y) given as atan2(y, x)' }],
  // WGSL may return the median of the three values when lo > hi; min(max(...)) is what JS computes.
  ['clamp', { arity: 3, wgsl: 'min(max($0, $1), $2)', js: 'Math.min(Math.max($0, $1), $2)', doc: 'min(max(x, lo), hi)' }],
];

/** Every built-in function, by name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(table);

/** Named constants usable in every expression. */
export const CONSTANTS: ReadonlyMap<string, number> = new Map([['pi', Math.PI], ['e', Math.E]]);
