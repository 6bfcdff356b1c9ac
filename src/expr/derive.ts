/**
 * Symbolic derivatives of expressions (for Milstein's ∂g/∂x and Langevin scores), simplified for
 * constants so the generated code stays small.
 */
import { InputError } from '../gpu/errors.js';
import type { Expr } from './ast.js';

const num = (v: number): Expr => ({ k: 'num', v });
const isNum = (e: Expr, v?: number): boolean => e.k === 'num' && (v === undefined || e.v === v);

function add(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (a.k === 'num' && b.k === 'num') return num(a.v + b.v);
  return { k: 'bin', op: '+', a, b };
}
function sub(a: Expr, b: Expr): Expr {
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  if (a.k === 'num' && b.k === 'num') return num(a.v - b.v);
  return { k: 'bin', op: '-', a, b };
}
function mul(a: Expr, b: Expr): Expr {
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (a.k === 'num' && b.k === 'num') return num(a.v * b.v);
  return { k: 'bin', op: '*', a, b };
}
function div(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return num(0);
  if (isNum(b, 1)) return a;
  if (a.k === 'num' && b.k === 'num' && b.v !== 0) return num(a.v / b.v);
  return { k: 'bin', op: '/', a, b };
}
function neg(a: Expr): Expr {
  if (a.k === 'num') return num(-a.v);
  if (a.k === 'neg') return a.a;
  return { k: 'neg', a };
}
const call = (fn: string, ...args: Expr[]): Expr => ({ k: 'call', fn, args });

/** User functions defined by expressions, for differentiation through their calls. */
export type FunctionTable = Map<string, { args: string[]; body: Expr | null }>;

/**
 * Symbolic derivative of `e` with respect to the variable `x` (a state variable name), simplified
 * for constants. Throws an `InputError` naming `where` when `e` calls something that has no
 * derivative here (a raw-WGSL user function).
 */
export function differentiate(e: Expr, x: string, where: string, functions: FunctionTable = new Map()): Expr {
  const d = (a: Expr): Expr => differentiate(a, x, where, functions);
  switch (e.k) {
    case 'num':
      return num(0);
    case 'name':
      return num(e.name === x ? 1 : 0);
    case 'neg':
      return neg(d(e.a));
    case 'bin': {
      const { a, b } = e;
      if (e.op === '+') return add(d(a), d(b));
      if (e.op === '-') return sub(d(a), d(b));
      if (e.op === '*') return add(mul(d(a), b), mul(a, d(b)));
      if (e.op === '/') {
        const db = d(b);
        return isNum(db, 0) ? div(d(a), b) : div(sub(mul(d(a), b), mul(a, db)), mul(b, b));
      }
      // power: constant exponent n → n a^(n-1) a'; otherwise a^b (b' log a + b a'/a)
      const db = d(b);
      if (isNum(db, 0)) return mul(mul(b, { k: 'bin', op: '^', a, b: sub(b, num(1)) }), d(a));
      return mul(e, add(mul(db, call('log', a)), div(mul(b, d(a)), a)));
    }
    case 'cond':
      return { k: 'cond', c: e.c, a: d(e.a), b: d(e.b) };
    case 'cmp':
    case 'logic':
    case 'not':
      return num(0);
    case 'call': {
      const [a, b, c] = e.args as [Expr, Expr, Expr];
      switch (e.fn) {
        case 'exp': return mul(e, d(a));
        case 'log': return div(d(a), a);
        case 'sqrt': return div(d(a), mul(num(2), e));
        case 'sin': return mul(call('cos', a), d(a));
        case 'cos': return neg(mul(call('sin', a), d(a)));
        case 'tan': return div(d(a), mul(call('cos', a), call('cos', a)));
        case 'tanh': return mul(sub(num(1), mul(e, e)), d(a));
        case 'sinh': return mul(call('cosh', a), d(a));
        case 'cosh': return mul(call('sinh', a), d(a));
        case 'atan': return div(d(a), add(num(1), mul(a, a)));
        case 'abs': return mul(call('sign', a), d(a));
        case 'sign': case 'floor': case 'ceil': case 'heaviside': return num(0);
        case 'square': return mul(mul(num(2), a), d(a));
        case 'relu': return mul(call('heaviside', a), d(a));
        case 'sigmoid': return mul(mul(e, sub(num(1), e)), d(a));
        case 'min': return { k: 'cond', c: { k: 'cmp', op: '<', a, b }, a: d(a), b: d(b) };
        case 'max': return { k: 'cond', c: { k: 'cmp', op: '>', a, b }, a: d(a), b: d(b) };
        case 'pow': return d({ k: 'bin', op: '^', a, b });
        case 'atan2': return div(sub(mul(b, d(a)), mul(a, d(b))), add(mul(a, a), mul(b, b)));
        case 'clamp': return {
          k: 'cond',
          c: { k: 'logic', op: '&&', a: { k: 'cmp', op: '>', a, b }, b: { k: 'cmp', op: '<', a, b: c } },
          a: d(a),
          b: num(0),
        };
        default: {
          const fn = functions.get(e.fn);
          if (!fn?.body) throw new InputError(`${where}: cannot differentiate through '${e.fn}()' (a raw-WGSL function); give the derivative yourself`);
          // chain rule: Σ_k ∂f/∂arg_k (args) · d(arg_k)
          let total: Expr = num(0);
          fn.args.forEach((argName, k) => {
            const dk = d(e.args[k]!);
            if (isNum(dk, 0)) return;
            const partial = substitute(differentiate(fn.body!, argName, where, functions), fn.args, e.args);
            total = add(total, mul(partial, dk));
          });
          return total;
        }
      }
    }
  }
}

/** Replace names `from[i]` by expressions `to[i]` (used to inline a function body). */
export function substitute(e: Expr, from: string[], to: Expr[]): Expr {
  const s = (a: Expr): Expr => substitute(a, from, to);
  switch (e.k) {
    case 'name': {
      const i = from.indexOf(e.name);
      return i >= 0 ? to[i]! : e;
    }
    case 'num': return e;
    case 'neg': return { k: 'neg', a: s(e.a) };
    case 'not': return { k: 'not', a: s(e.a) };
    case 'bin': return { k: 'bin', op: e.op, a: s(e.a), b: s(e.b) };
    case 'cmp': return { k: 'cmp', op: e.op, a: s(e.a), b: s(e.b) };
    case 'logic': return { k: 'logic', op: e.op, a: s(e.a), b: s(e.b) };
    case 'cond': return { k: 'cond', c: s(e.c), a: s(e.a), b: s(e.b) };
    case 'call': return { k: 'call', fn: e.fn, args: e.args.map(s) };
  }
}
