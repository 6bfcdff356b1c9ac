/**
 * Checks of a parsed expression in the user's terms, before any code is generated: names, arity,
 * number vs. condition, constants that are not finite 32-bit floats (division by a constant zero,
 * `sqrt(-1)`, `log(0)`, `exp(1000)`), and recursion among user functions. Messages name the
 * expression (`where`) and point at the offending part.
 */
import { InputError } from '../gpu/errors.js';
import { children, describeAt, print, type Expr } from './ast.js';
import { BUILTINS, CONSTANTS } from './builtins.js';

/** What a name in an expression may refer to, for checking. */
export interface Scope {
  /** Names with a numeric value (state variables, parameters, function arguments, `t`). */
  values: ReadonlySet<string>;
  /** User functions and their arity. */
  functions: ReadonlyMap<string, number>;
}

/** Largest finite float32. */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal float32; GPUs may flush smaller magnitudes to zero. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Check names, arity and types (number vs. condition) of `e`, then its constants (see
 * {@link checkConstants}); `where` names it in errors.
 * @throws InputError naming `where`, the problem and its position.
 */
export function checkExpr(e: Expr, scope: Scope, where: string, want: 'number' | 'bool' = 'number'): void {
  const type = typeOf(e, scope, where);
  if (type !== want) {
    throw new InputError(want === 'number'
      ? `${where}: the expression is a condition (true/false), but a number is needed; use 'c ? a : b'`
      : `${where}: a condition (comparison) is needed here, got a number`);
  }
  checkConstants(e, where);
}

/**
 * Name nodes the checker bound to a built-in constant (`pi`, `e`). A value of the same name in
 * scope (an input of `mapExpr` called `e`) shadows the constant, so only checked nodes that did
 * not resolve to a value are folded as constants.
 */
const constantNames = new WeakSet<Expr>();

function typeOf(e: Expr, scope: Scope, where: string): 'number' | 'bool' {
  const need = (x: Expr, want: 'number' | 'bool', what: string): void => {
    const t = typeOf(x, scope, where);
    if (t !== want) {
      throw new InputError(`${where}: ${what} must be ${want === 'number' ? 'a number' : 'a condition (comparison)'}, got ${t === 'number' ? 'a number' : 'a condition'}${describeAt(x)}`);
    }
  };
  const needSides = (x: { a: Expr; b: Expr; op: string }, want: 'number' | 'bool'): void => {
    need(x.a, want, `the left side of '${x.op}'`);
    need(x.b, want, `the right side of '${x.op}'`);
  };
  switch (e.k) {
    case 'num':
      return 'number';
    case 'name':
      if (scope.values.has(e.name)) return 'number';
      if (CONSTANTS.has(e.name)) {
        constantNames.add(e);
        return 'number';
      }
      if (BUILTINS.has(e.name) || scope.functions.has(e.name)) throw new InputError(`${where}: '${e.name}' is a function; call it as ${e.name}(...)${describeAt(e)}`);
      throw new InputError(`${where}: unknown name '${e.name}' (known: ${[...scope.values, ...CONSTANTS.keys()].join(', ')})${describeAt(e)}`);
    case 'neg':
      need(e.a, 'number', "the operand of '-'");
      return 'number';
    case 'bin':
      needSides(e, 'number');
      return 'number';
    case 'cmp':
      needSides(e, 'number');
      return 'bool';
    case 'logic':
      needSides(e, 'bool');
      return 'bool';
    case 'not':
      need(e.a, 'bool', "the operand of '!'");
      return 'bool';
    case 'cond':
      need(e.c, 'bool', 'the condition before ?');
      need(e.a, 'number', "the value after '?'");
      need(e.b, 'number', "the value after ':'");
      return 'number';
    case 'call': {
      const arity = BUILTINS.get(e.fn)?.arity ?? scope.functions.get(e.fn);
      if (arity === undefined) {
        const yours = scope.functions.size ? `; yours: ${[...scope.functions.keys()].join(', ')}` : '';
        throw new InputError(`${where}: unknown function '${e.fn}' (built-in: ${[...BUILTINS.keys()].join(', ')}${yours})${describeAt(e)}`);
      }
      if (e.args.length !== arity) throw new InputError(`${where}: ${e.fn}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${e.args.length}${describeAt(e)}`);
      e.args.forEach((a, i) => need(a, 'number', `argument ${i + 1} of ${e.fn}()`));
      return 'number';
    }
  }
}

/** Names an expression refers to (values only, not functions). */
export function namesIn(e: Expr, out = new Set<string>()): Set<string> {
  if (e.k === 'name') out.add(e.name);
  for (const c of children(e)) namesIn(c, out);
  return out;
}

/** User functions an expression calls. */
export function callsIn(e: Expr, out = new Set<string>()): Set<string> {
  if (e.k === 'call' && !BUILTINS.has(e.fn)) out.add(e.fn);
  for (const c of children(e)) callsIn(c, out);
  return out;
}

const compiledBuiltins = new Map<string, (...x: number[]) => number>();

/** The float64 function of a built-in, compiled once from its JS template. */
function builtinJS(name: string): (...x: number[]) => number {
  let fn = compiledBuiltins.get(name);
  if (!fn) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    fn = new Function('$0', '$1', '$2', `return ${BUILTINS.get(name)!.js};`) as (...x: number[]) => number;
    compiledBuiltins.set(name, fn);
  }
  return fn;
}

const folded = new WeakMap<Expr, number | boolean | null>();

/**
 * The value of `e` when it depends on nothing but literals, the named constants (as bound by
 * {@link checkExpr}) and built-in functions (float64, the way the JS reference computes it); null
 * otherwise. Emitters print such
 * subtrees as one literal, so WGSL never evaluates a constant expression itself (its compiler
 * would reject an overflow or a division by zero in terms of the generated code).
 */
export function constantValue(e: Expr): number | boolean | null {
  if (folded.has(e)) return folded.get(e)!;
  const v = fold(e);
  folded.set(e, v);
  return v;
}

function fold(e: Expr): number | boolean | null {
  if (e.k === 'num') return e.v;
  if (e.k === 'name') return constantNames.has(e) ? CONSTANTS.get(e.name)! : null;
  if (e.k === 'call' && !BUILTINS.has(e.fn)) return null;
  const args = children(e).map(constantValue);
  if (args.some((a) => a === null)) return null;
  const [a, b, c] = args as [number, number, number];
  switch (e.k) {
    case 'neg': return -a;
    case 'not': return !a;
    case 'bin':
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '^': return a ** b;
      }
      break;
    case 'cmp':
      switch (e.op) {
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '==': return a === b;
        case '!=': return a !== b;
      }
      break;
    case 'logic': return e.op === '&&' ? Boolean(a) && Boolean(b) : Boolean(a) || Boolean(b);
    case 'cond': return (args[0] as unknown as boolean) ? b : c;
    case 'call': return builtinJS(e.fn)(a, b, c);
  }
  return null;
}

/**
 * Reject constants that are not finite 32-bit floats, reporting the innermost offending part:
 * division by a constant zero (also `x / 0`), and constant subexpressions that are NaN (`sqrt(-1)`),
 * infinite (`log(0)`, `1/0`), beyond the float32 range (`exp(1000)`, `1e39`) or below its normal
 * range (`1e-40`, which a GPU may read as 0 while the float64 reference does not).
 */
export function checkConstants(e: Expr, where: string): void {
  for (const c of children(e)) checkConstants(c, where);
  if (e.k === 'bin' && e.op === '/' && constantValue(e.b) === 0) {
    throw new InputError(`${where}: division by zero (the divisor ${print(e.b)} is 0)${describeAt(e)}`);
  }
  const v = constantValue(e);
  if (typeof v !== 'number') return;
  const shown = e.k === 'num' ? String(e.v) : `${print(e)} = ${v}`;
  if (Number.isNaN(v)) {
    const domain = e.k === 'call' ? ` (outside the domain of ${e.fn})` : e.k === 'bin' && e.op === '^' ? ' (a negative base needs a whole exponent)' : '';
    throw new InputError(`${where}: ${print(e)} is not a number${domain}${describeAt(e)}`);
  }
  if (!Number.isFinite(v)) throw new InputError(`${where}: ${shown} is infinite${describeAt(e)}`);
  if (Math.abs(v) > F32_MAX) throw new InputError(`${where}: ${shown} does not fit in a 32-bit float (largest ${F32_MAX.toPrecision(5)})${describeAt(e)}`);
  if (v !== 0 && Math.abs(v) < F32_MIN_NORMAL) {
    throw new InputError(`${where}: ${shown} is below the smallest normal 32-bit float (${F32_MIN_NORMAL.toPrecision(3)}), which GPUs may flush to 0; rescale the model or write 0${describeAt(e)}`);
  }
}

/**
 * Reject user functions that call themselves, directly or through others (WGSL has no recursion).
 * `bodies` maps each expression-defined function to its body; `where(name)` names it in errors.
 */
export function checkNoRecursion(bodies: ReadonlyMap<string, Expr>, where: (name: string) => string): void {
  const calls = new Map([...bodies].map(([name, body]) => [name, [...callsIn(body)].filter((f) => bodies.has(f))]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const loop = path.indexOf(name);
    if (loop >= 0) {
      const cycle = [...path.slice(loop), name];
      throw new InputError(`${where(cycle[0]!)}: recursion is not supported: ${cycle.map((f) => `${f}()`).join(' calls ')}`);
    }
    if (done.has(name)) return;
    for (const callee of calls.get(name) ?? []) visit(callee, [...path, name]);
    done.add(name);
  };
  for (const name of bodies.keys()) visit(name, []);
}
