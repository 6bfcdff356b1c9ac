/**
 * A float64 interpreter of the equation language that also carries a bound on how far an f32 GPU
 * evaluation of the same tree may be from the float64 value, for comparing generated WGSL with the
 * JavaScript reference on random expressions.
 *
 * The bound is a first-order forward error analysis (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., §2–3): each node's error is its operands' errors times the operation's
 * sensitivity, plus the operation's own rounding, taken from the accuracy table of the WGSL spec
 * (§ "Floating Point Accuracy": +, −, × correctly rounded; ÷ 2.5 ULP; exp 3 + 2|x| ULP; log 3 ULP,
 * or 2⁻²¹ absolute on [0.5, 2]; sqrt inherited from 1/inverseSqrt; sin/cos 2⁻¹¹ absolute; atan and
 * atan2 4096 ULP; pow and the hyperbolic functions inherited from exp2/log2 and exp). A point is
 * "ill-conditioned" — and left out of the comparison — where first order does not hold: a value
 * outside the f32 range, a division by something within its own error of zero, a branch or a
 * discontinuity (sign, floor, comparisons) within error of its switching point, sqrt/log within
 * error of zero, a relative error above 1e-3 at any node.
 */
import { BUILTINS, constantValue, F32_MAX, type Expr } from '../../src/expr/index.js';

/** f32 unit roundoff. */
const U = 2 ** -24;
/** Smallest normal f32: GPUs may flush smaller magnitudes to zero. */
const TINY = 2 ** -126;

/** Thrown to leave a point out of the comparison. */
export class IllConditioned extends Error {}

/** A value, and the bound on |f32 evaluation − value|. */
export interface Bounded {
  v: number;
  e: number;
}

type Value = Bounded | { b: boolean };

function skip(why: string): never {
  throw new IllConditioned(why);
}

function finish(v: number, e: number): Bounded {
  if (!Number.isFinite(v) || Math.abs(v) > F32_MAX / 4) skip('value outside the f32 range');
  if (!Number.isFinite(e)) skip('unbounded error');
  const err = e === 0 ? 0 : e + TINY;
  if (err > 1e-3 * Math.max(Math.abs(v), 1e-3)) skip('relative error too large for a first-order bound');
  return { v, e: err };
}

/**
 * Evaluate `e` with `names` giving each input's value (exact f32 numbers, error 0).
 * @throws IllConditioned where the comparison would not be meaningful.
 */
export function evaluateBounded(e: Expr, names: ReadonlyMap<string, number>): Bounded {
  const r = evaluate(e, names);
  if ('b' in r) throw new Error('a condition at the root');
  return r;
}

function evaluate(e: Expr, names: ReadonlyMap<string, number>): Value {
  const c = constantValue(e);
  if (typeof c === 'boolean') return { b: c };
  // constant subtrees reach the GPU as one f32 literal (or 0 below the normal range)
  if (typeof c === 'number') return finish(c, Math.abs(c) < TINY ? Math.abs(c) : Math.abs(c - Math.fround(c)));
  const num = (x: Expr): Bounded => {
    const r = evaluate(x, names);
    if ('b' in r) throw new Error('a condition where a number is needed');
    return r;
  };
  const cond = (x: Expr): boolean => {
    const r = evaluate(x, names);
    if (!('b' in r)) throw new Error('a number where a condition is needed');
    return r.b;
  };
  switch (e.k) {
    case 'num': return finish(e.v, Math.abs(e.v - Math.fround(e.v)));
    case 'name': {
      const v = names.get(e.name);
      if (v === undefined) throw new Error(`no value for ${e.name}`);
      return { v, e: 0 };
    }
    case 'neg': {
      const a = num(e.a);
      return { v: -a.v, e: a.e };
    }
    case 'not': return { b: !cond(e.a) };
    case 'logic': {
      const a = cond(e.a);
      const b = cond(e.b);
      return { b: e.op === '&&' ? a && b : a || b };
    }
    case 'cmp': {
      const a = num(e.a);
      const b = num(e.b);
      if (Math.abs(a.v - b.v) <= a.e + b.e && (a.e > 0 || b.e > 0)) skip('comparison within rounding');
      const ops = { '<': a.v < b.v, '<=': a.v <= b.v, '>': a.v > b.v, '>=': a.v >= b.v, '==': a.v === b.v, '!=': a.v !== b.v };
      return { b: ops[e.op] };
    }
    case 'cond': return cond(e.c) ? num(e.a) : num(e.b);
    case 'bin': {
      const a = num(e.a);
      const b = num(e.b);
      switch (e.op) {
        case '+': return finish(a.v + b.v, a.e + b.e + U * Math.abs(a.v + b.v));
        case '-': return finish(a.v - b.v, a.e + b.e + U * Math.abs(a.v - b.v));
        case '*': return finish(a.v * b.v, Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e + U * Math.abs(a.v * b.v));
        case '/': return divide(a, b);
        case '^': return power(a, b, e.b);
      }
      break;
    }
    case 'call': {
      const args = e.args.map(num);
      return call(e.fn, args, e.args);
    }
  }
  throw new Error('unreachable');
}

function divide(a: Bounded, b: Bounded): Bounded {
  const m = Math.abs(b.v);
  if (m <= 2 * b.e || m < TINY || m > 2 ** 126) skip('divisor near zero or outside the accurate range');
  const v = a.v / b.v;
  return finish(v, (a.e + Math.abs(v) * b.e) / (m - b.e) + 2.5 * U * Math.abs(v));
}

function power(a: Bounded, b: Bounded, exponent: Expr): Bounded {
  const n = constantValue(exponent);
  if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 4) {
    // written as a product (and a reciprocal): |n| − 1 multiplications, one division
    if (n === 0) return { v: 1, e: 0 };
    const k = Math.abs(n);
    if (n < 0 && Math.abs(a.v) <= 2 * a.e) skip('reciprocal of a value near zero');
    const v = a.v ** n;
    // |d(a^n)/da| = |n| |a|^(n-1), at its largest over [|a| - e, |a| + e]
    const m = Math.abs(a.v);
    const sensitivity = k * (n > 0 ? (m + a.e) ** (n - 1) : (m - a.e) ** (n - 1));
    return finish(v, sensitivity * a.e * 1.01 + (k + 2) * U * Math.abs(v));
  }
  // expr_pow: |x|^y = exp2(y log2 |x|), with the sign rules for negative bases
  if (Math.abs(a.v) <= 2 * a.e || a.v === 0) skip('power of a value near zero');
  if (a.v < 0 && (b.e > 0 || !Number.isInteger(b.v))) skip('negative base: NaN, or an exponent that may round off a whole number');
  const v = a.v ** b.v;
  const lg = Math.log2(Math.abs(a.v));
  const L = b.v * lg;
  const eLog = Math.abs(Math.abs(a.v) - 1) < 0.5 ? 2 ** -21 : 3 * U * Math.abs(lg);
  const eL = Math.abs(b.v) * (eLog + a.e / (Math.abs(a.v) * Math.LN2)) + Math.abs(lg) * b.e + U * Math.abs(L);
  return finish(v, Math.abs(v) * (Math.LN2 * eL * 1.01 + (3 + 2 * Math.abs(L)) * U));
}

function call(fn: string, args: Bounded[], exprs: Expr[]): Bounded {
  const [a, b, c] = args as [Bounded, Bounded, Bounded];
  const f = (v: number, e: number): Bounded => finish(v, e);
  switch (fn) {
    case 'exp': {
      const v = Math.exp(a.v);
      return f(v, v * (a.e * 1.01 + (3 + 2 * Math.abs(a.v)) * U));
    }
    case 'log': {
      if (a.v <= 2 * a.e || a.v < TINY) skip('log near zero or of a negative number');
      const own = a.v >= 0.5 && a.v <= 2 ? 2 ** -21 : 3 * U * Math.abs(Math.log(a.v));
      return f(Math.log(a.v), a.e / (a.v - a.e) + own);
    }
    case 'sqrt': {
      if (a.v <= 2 * a.e || a.v < TINY) skip('sqrt near zero or of a negative number');
      const v = Math.sqrt(a.v);
      return f(v, a.e / (Math.sqrt(a.v - a.e) + v) + 5 * U * v);
    }
    case 'sin': case 'cos': {
      if (Math.abs(a.v) > 100) skip('trigonometric argument far outside [-pi, pi]');
      return f(fn === 'sin' ? Math.sin(a.v) : Math.cos(a.v), a.e + 2 ** -11 + 4 * U * Math.abs(a.v));
    }
    case 'tan': {
      if (Math.abs(a.v) > 100) skip('trigonometric argument far outside [-pi, pi]');
      const cs = Math.abs(Math.cos(a.v));
      const own = a.e + 2 ** -11 + 4 * U * Math.abs(a.v);
      if (cs <= 4 * own) skip('tan near a pole');
      const v = Math.tan(a.v);
      return f(v, own * (1 + Math.abs(v)) / (cs - own) + own / (cs * cs));
    }
    case 'tanh': {
      // inherited from sinh/cosh (each from exp); some implementations use their own tanh with an
      // absolute error near 1e-5 (see test/linalg/elementwise.test.ts), so that is the floor
      const v = Math.tanh(a.v);
      return f(v, a.e * (1 - v * v) + Math.max(2e-5, (16 + 8 * Math.min(Math.abs(a.v), 20)) * U));
    }
    case 'sinh': case 'cosh': {
      const v = fn === 'sinh' ? Math.sinh(a.v) : Math.cosh(a.v);
      const ch = Math.cosh(a.v);
      return f(v, ch * (a.e * 1.01 + (4 + 2 * Math.abs(a.v)) * U) + U * Math.abs(v));
    }
    case 'atan': {
      const v = Math.atan(a.v);
      return f(v, a.e / (1 + a.v * a.v) + 4096 * U * Math.abs(v));
    }
    case 'atan2': {
      const r2 = a.v * a.v + b.v * b.v;
      if (Math.sqrt(r2) <= 4 * (a.e + b.e) || r2 < TINY) skip('atan2 near the origin');
      if (b.v < 0 && Math.abs(a.v) <= 2 * a.e) skip('atan2 on its branch cut');
      const v = Math.atan2(a.v, b.v);
      return f(v, (Math.abs(b.v) * a.e + Math.abs(a.v) * b.e) / r2 * 1.01 + 4096 * U * Math.abs(v));
    }
    case 'abs': return { v: Math.abs(a.v), e: a.e };
    case 'sign': case 'heaviside': {
      if (Math.abs(a.v) <= a.e && a.e > 0) skip('sign within rounding of zero');
      return { v: fn === 'sign' ? Math.sign(a.v) : a.v > 0 ? 1 : 0, e: 0 };
    }
    case 'floor': case 'ceil': {
      const v = fn === 'floor' ? Math.floor(a.v) : Math.ceil(a.v);
      const nearest = Math.round(a.v);
      if (a.e > 0 && Math.abs(a.v - nearest) <= a.e) skip('floor/ceil within rounding of a whole number');
      return f(v, 0);
    }
    case 'square': return f(a.v * a.v, 2 * Math.abs(a.v) * a.e + a.e * a.e + U * a.v * a.v);
    case 'sigmoid': {
      const v = 1 / (1 + Math.exp(-a.v));
      return f(v, v * (1 - v) * (a.e * 1.01 + (3 + 2 * Math.abs(a.v)) * U) + 4 * U * v);
    }
    case 'relu': return { v: Math.max(a.v, 0), e: a.e };
    case 'min': return { v: Math.min(a.v, b.v), e: Math.max(a.e, b.e) };
    case 'max': return { v: Math.max(a.v, b.v), e: Math.max(a.e, b.e) };
    case 'clamp': return { v: Math.min(Math.max(a.v, b.v), c.v), e: Math.max(a.e, b.e, c.e) };
    case 'pow': return power(a, b, exprs[1]!);
  }
  if (BUILTINS.has(fn)) throw new Error(`no error model for the built-in ${fn}`);
  throw new Error(`unknown function ${fn}`);
}
