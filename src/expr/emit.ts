/**
 * The two emitters of the equation language: WGSL (f32, for kernels) and JavaScript (float64, for
 * CPU references), printed from the same tree with the same meaning. Constant subexpressions are
 * folded in float64 and printed as one literal in both targets, so the WGSL compiler never
 * evaluates a constant expression itself.
 *
 * Powers: `a ^ b` (also `a ** b`, `pow(a, b)`) means JavaScript's `Math.pow` for finite a and b.
 * A whole constant exponent |n| ≤ 4 is written as a product (exact for every sign of a, and
 * faster); any other power calls `expr_pow` (see {@link WGSL_EXPR_HELPERS}), which spells out what
 * WGSL's `pow` leaves undefined: 0^y is 0, 1 or +∞ for y > 0, y = 0, y < 0; a negative base with a
 * whole exponent keeps its sign for odd exponents; a negative base with any other exponent is NaN.
 */
import { InputError } from '../gpu/errors.js';
import type { Expr } from './ast.js';
import { BUILTINS } from './builtins.js';
import { constantValue, F32_MAX, F32_MIN_NORMAL } from './check.js';


/**
 * A float literal WGSL reads as f32: `2` → `2.0`, `-1.5` → `(-1.5)`. Magnitudes below the
 * smallest normal f32 are written as `0.0` (GPUs may flush them anyway).
 * @throws InputError naming `where` when `v` is not finite or does not fit in a 32-bit float.
 */
export function f32Literal(v: number, where = 'a number'): string {
  if (!Number.isFinite(v) || Math.abs(v) > F32_MAX) throw new InputError(`${where}: ${v} does not fit in a 32-bit float (largest ${F32_MAX.toPrecision(5)})`);
  if (Math.abs(v) < F32_MIN_NORMAL) return '0.0';
  const s = String(Math.abs(v));
  const literal = /[.eE]/.test(s) ? s : `${s}.0`;
  return v < 0 ? `(-${literal})` : literal;
}

/** How names are spelled in the target language (state `x` → `s.v_x`, and so on). */
export type NameMap = (name: string) => string;

/** How a user function is called in the generated code. Default `uf_<name>`. */
export type FunctionNameMap = (name: string) => string;

const defaultUserFn: FunctionNameMap = (n) => `uf_${n}`;

/**
 * WGSL helpers the generated code may call (`expr_pow`); include them once per shader module when
 * {@link needsWGSLHelpers} says so.
 */
export const WGSL_EXPR_HELPERS = /* wgsl */ `
// ---- helpers of the equation language (src/expr)
// +inf and NaN bit patterns, read at run time (a constant infinity is a WGSL compile error)
var<private> expr_nonfinite: vec2u = vec2u(0x7f800000u, 0x7fc00000u);
// x^y with the meaning of JavaScript's Math.pow for finite x, y (WGSL's pow is undefined for
// x <= 0): 0^y is 0, 1 or +inf; a negative base needs a whole exponent and keeps its sign when the
// exponent is odd; otherwise NaN.
fn expr_pow(x: f32, y: f32) -> f32 {
  if (x == 0.0) {
    if (y < 0.0) { return bitcast<f32>(expr_nonfinite.x); }
    return select(0.0, 1.0, y == 0.0);
  }
  let m = pow(abs(x), y);
  if (x > 0.0) { return m; }
  if (floor(y) != y) { return bitcast<f32>(expr_nonfinite.y); }
  return select(m, -m, fract(0.5 * y) != 0.0);
}
// whole powers of a compound base: one evaluation of the base, the same products as inline
fn expr_pow2(x: f32) -> f32 { return x * x; }
fn expr_pow3(x: f32) -> f32 { return x * x * x; }
fn expr_pow4(x: f32) -> f32 { return x * x * x * x; }
`;

/** Whether generated WGSL `code` calls a helper of {@link WGSL_EXPR_HELPERS}. */
export function needsWGSLHelpers(code: string): boolean {
  return code.includes('expr_pow');
}

/**
 * Deepest nesting of parentheses and calls WGSL compilers accept in one expression, with room for
 * the context the expression is placed in. (Tint, Dawn's compiler, stops near 127 levels; the
 * WGSL spec lets implementations set such limits.)
 */
export const MAX_WGSL_NESTING = 96;
/** Longest generated WGSL for one expression (characters). */
export const MAX_WGSL_LENGTH = 50_000;

/**
 * Check that generated WGSL for one expression stays within what WGSL compilers accept, so a
 * deeply nested or huge expression is an InputError naming `where` rather than a compile error.
 */
export function checkWGSLSize(code: string, where: string): void {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < code.length; i++) {
    const ch = code.charCodeAt(i);
    if (ch === 40) deepest = Math.max(deepest, ++depth);
    else if (ch === 41) depth--;
  }
  if (deepest > MAX_WGSL_NESTING) {
    throw new InputError(`${where}: the expression nests ${deepest} levels deep in WGSL, more than GPU compilers accept (${MAX_WGSL_NESTING}); split it into user functions`);
  }
  if (code.length > MAX_WGSL_LENGTH) {
    throw new InputError(`${where}: the expression is ${code.length} characters long in WGSL (at most ${MAX_WGSL_LENGTH}); split it into user functions`);
  }
}

/** WGSL source of `e` (f32 arithmetic). */
export function toWGSL(e: Expr, names: NameMap, userFn: FunctionNameMap = defaultUserFn): string {
  const w = (a: Expr): string => toWGSL(a, names, userFn);
  if (e.k !== 'num') {
    const c = constantValue(e);
    if (typeof c === 'boolean') return String(c);
    if (typeof c === 'number') return f32Literal(c);
  }
  switch (e.k) {
    case 'num': return f32Literal(e.v);
    case 'name': return names(e.name);
    case 'neg': return `(-${w(e.a)})`;
    case 'not': return `(!${w(e.a)})`;
    case 'bin':
      if (e.op === '^') return powWGSL(e.a, e.b, w);
      return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'cmp': return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'logic': return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'cond': return `select(${w(e.b)}, ${w(e.a)}, ${w(e.c)})`;
    case 'call': {
      if (e.fn === 'pow') return powWGSL(e.args[0]!, e.args[1]!, w);
      if (e.fn === 'square') return powWGSL(e.args[0]!, { k: 'num', v: 2 }, w);
      const args = e.args.map(w);
      const builtin = BUILTINS.get(e.fn);
      if (builtin) return builtin.wgsl.replace(/\$(\d)/g, (_, i: string) => args[Number(i)]!);
      return `${userFn(e.fn)}(${args.join(', ')})`;
    }
  }
}

/** JavaScript source of `e` (float64 arithmetic). */
export function toJS(e: Expr, names: NameMap, userFn: FunctionNameMap = defaultUserFn): string {
  const j = (a: Expr): string => toJS(a, names, userFn);
  if (e.k !== 'num') {
    const c = constantValue(e);
    if (c !== null) return `(${String(c)})`;
  }
  switch (e.k) {
    case 'num': return `(${String(e.v)})`;
    case 'name': return names(e.name);
    case 'neg': return `(-${j(e.a)})`;
    case 'not': return `(!${j(e.a)})`;
    case 'bin': return e.op === '^' ? `Math.pow(${j(e.a)}, ${j(e.b)})` : `(${j(e.a)} ${e.op} ${j(e.b)})`;
    case 'cmp': return `(${j(e.a)} ${e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op} ${j(e.b)})`;
    case 'logic': return `(${j(e.a)} ${e.op} ${j(e.b)})`;
    case 'cond': return `(${j(e.c)} ? ${j(e.a)} : ${j(e.b)})`;
    case 'call': {
      const args = e.args.map(j);
      const builtin = BUILTINS.get(e.fn);
      if (builtin) return builtin.js.replace(/\$(\d)/g, (_, i: string) => args[Number(i)]!);
      return `${userFn(e.fn)}(${args.join(', ')})`;
    }
  }
}

/**
 * `a ^ b` in WGSL: whole constant exponents up to 4 in magnitude as products (written inline for a
 * name or a number, through `expr_pow2..4` for a compound base, so nested powers do not repeat the
 * base's code), else `expr_pow`.
 */
function powWGSL(a: Expr, b: Expr, w: (e: Expr) => string): string {
  const n = constantValue(b);
  if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 4) {
    if (n === 0) return '1.0';
    const k = Math.abs(n);
    const base = w(a);
    const simple = a.k === 'name' || constantValue(a) !== null;
    const product = k === 1 ? base : simple ? `(${Array(k).fill(base).join(' * ')})` : `expr_pow${k}(${base})`;
    return n < 0 ? `(1.0 / ${product})` : product;
  }
  return `expr_pow(${w(a)}, ${w(b)})`;
}
