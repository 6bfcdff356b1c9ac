/**
 * The equation language of SDE models: expressions parsed with jsep, checked in the user's terms
 * (unknown names, arity, number vs. condition), differentiated symbolically, and emitted as WGSL
 * (f32) and as JavaScript (float64) from the same tree, so the GPU kernel and the CPU reference run
 * the very same model.
 *
 * Grammar: numbers, names, `+ - * /`, power `^` or `**`, unary `-`/`+`/`!`, comparisons
 * `< <= > >= == !=`, `&&`, `||`, the conditional `c ? a : b`, and calls of the built-in functions in
 * {@link BUILTINS} or of user functions.
 */
import jsepModule from 'jsep';
import { InputError } from '../gpu/errors.js';

type JsepNode = { type: string; [key: string]: unknown };
interface JsepParser {
  code: number;
  gobbleGroup(): JsepNode | false;
  throwError(message: string): never;
}
interface Jsep {
  (s: string): JsepNode;
  hooks: { add(name: string, fn: (this: JsepParser, env: { context: JsepParser; node?: JsepNode }) => void): void };
  binary_ops: Record<string, number>;
  right_associative: Set<string>;
  addBinaryOp(op: string, precedence: number, rightAssociative?: boolean): void;
}
const jsep = ((jsepModule as unknown as { default?: unknown }).default ?? jsepModule) as Jsep;

/**
 * jsep's settings are global, so ours apply only while we parse: `^` becomes power (right
 * associative, above `*`), and parenthesised groups are kept as 'Paren' nodes so that `-x^2`
 * (which jsep reads as `(-x)^2`) can be told apart from `(-x)^2` and given its usual meaning -(x^2).
 */
let parsing = false;
jsep.hooks.add('gobble-token', function keepParens(env) {
  if (!parsing || env.context.code !== 40) return; // '('
  const inner = env.context.gobbleGroup();
  if (!inner) env.context.throwError('empty parentheses');
  env.node = { type: 'Paren', expression: inner };
});

function parseWithPower(source: string): JsepNode {
  const previous = jsep.binary_ops['^'];
  const wasRight = jsep.right_associative.has('^');
  jsep.addBinaryOp('^', 11, true);
  parsing = true;
  try {
    return jsep(source);
  } finally {
    parsing = false;
    if (previous === undefined) jsep.addBinaryOp('^', 4, wasRight);
    else jsep.addBinaryOp('^', previous, wasRight);
  }
}

/** Parsed expression tree (numbers are float64 in JS and f32 in WGSL). */
export type Expr =
  | { k: 'num'; v: number }
  | { k: 'name'; name: string }
  | { k: 'neg'; a: Expr }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '^'; a: Expr; b: Expr }
  | { k: 'cmp'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; a: Expr; b: Expr }
  | { k: 'logic'; op: '&&' | '||'; a: Expr; b: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr };

/** Built-in functions: arity, WGSL template and JS template (`$0`, `$1`, ... are the arguments). */
export const BUILTINS: Record<string, { arity: number; wgsl: string; js: string }> = {
  exp: { arity: 1, wgsl: 'exp($0)', js: 'Math.exp($0)' },
  log: { arity: 1, wgsl: 'log($0)', js: 'Math.log($0)' },
  sqrt: { arity: 1, wgsl: 'sqrt($0)', js: 'Math.sqrt($0)' },
  sin: { arity: 1, wgsl: 'sin($0)', js: 'Math.sin($0)' },
  cos: { arity: 1, wgsl: 'cos($0)', js: 'Math.cos($0)' },
  tan: { arity: 1, wgsl: 'tan($0)', js: 'Math.tan($0)' },
  tanh: { arity: 1, wgsl: 'tanh($0)', js: 'Math.tanh($0)' },
  sinh: { arity: 1, wgsl: 'sinh($0)', js: 'Math.sinh($0)' },
  cosh: { arity: 1, wgsl: 'cosh($0)', js: 'Math.cosh($0)' },
  atan: { arity: 1, wgsl: 'atan($0)', js: 'Math.atan($0)' },
  abs: { arity: 1, wgsl: 'abs($0)', js: 'Math.abs($0)' },
  sign: { arity: 1, wgsl: 'sign($0)', js: 'Math.sign($0)' },
  floor: { arity: 1, wgsl: 'floor($0)', js: 'Math.floor($0)' },
  ceil: { arity: 1, wgsl: 'ceil($0)', js: 'Math.ceil($0)' },
  sigmoid: { arity: 1, wgsl: '(1.0 / (1.0 + exp(-($0))))', js: '(1 / (1 + Math.exp(-($0))))' },
  heaviside: { arity: 1, wgsl: 'select(0.0, 1.0, ($0) > 0.0)', js: '(($0) > 0 ? 1 : 0)' },
  min: { arity: 2, wgsl: 'min($0, $1)', js: 'Math.min($0, $1)' },
  max: { arity: 2, wgsl: 'max($0, $1)', js: 'Math.max($0, $1)' },
  pow: { arity: 2, wgsl: 'pow($0, $1)', js: 'Math.pow($0, $1)' },
  atan2: { arity: 2, wgsl: 'atan2($0, $1)', js: 'Math.atan2($0, $1)' },
  clamp: { arity: 3, wgsl: 'clamp($0, $1, $2)', js: 'Math.min(Math.max($0, $1), $2)' },
};

/** Named constants usable in every expression. */
export const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Check that `name` can be a model variable, parameter or function name. */
export function checkName(name: string, what: string): void {
  if (!NAME_RE.test(name)) {
    throw new InputError(`${what} name '${name}' must start with a letter and contain only letters, digits and '_'`);
  }
  if (name in BUILTINS || name in CONSTANTS || name === 't') {
    throw new InputError(`${what} name '${name}' is reserved (a built-in function, constant or the time 't')`);
  }
}

/** Parse `source` into an {@link Expr}; `where` names the expression in error messages. */
export function parseExpr(source: string | number, where: string): Expr {
  if (typeof source === 'number') {
    if (!Number.isFinite(source)) throw new InputError(`${where}: ${source} is not a finite number`);
    return { k: 'num', v: source };
  }
  if (typeof source !== 'string' || source.trim() === '') throw new InputError(`${where}: expected an expression string, got ${JSON.stringify(source)}`);
  let node: JsepNode;
  try {
    node = parseWithPower(source);
  } catch (err) {
    throw new InputError(`${where}: cannot parse '${source}': ${(err as Error).message}`);
  }
  return convert(node, source, where);
}

function convert(node: JsepNode, source: string, where: string): Expr {
  const sub = (n: unknown): Expr => convert(n as JsepNode, source, where);
  const bad = (what: string): never => {
    throw new InputError(`${where}: ${what} in '${source}'`);
  };
  switch (node.type) {
    case 'Literal': {
      const v = node.value;
      if (typeof v !== 'number') return bad(`the literal ${String(node.raw)} is not a number`);
      return { k: 'num', v };
    }
    case 'Identifier':
      return { k: 'name', name: node.name as string };
    case 'UnaryExpression': {
      const a = sub(node.argument);
      if (node.operator === '-') return { k: 'neg', a };
      if (node.operator === '+') return a;
      if (node.operator === '!') return { k: 'not', a };
      return bad(`the operator '${String(node.operator)}' is not supported`);
    }
    case 'Paren':
      return sub(node.expression);
    case 'BinaryExpression': {
      const op = node.operator as string;
      const left = node.left as JsepNode;
      if ((op === '^' || op === '**') && left.type === 'UnaryExpression' && (left.operator === '-' || left.operator === '+')) {
        // -x^2 means -(x^2), as in mathematics (jsep binds the unary minus first)
        const power: Expr = { k: 'bin', op: '^', a: sub(left.argument), b: sub(node.right) };
        return left.operator === '-' ? { k: 'neg', a: power } : power;
      }
      const a = sub(node.left);
      const b = sub(node.right);
      if (op === '+' || op === '-' || op === '*' || op === '/') return { k: 'bin', op, a, b };
      if (op === '^' || op === '**') return { k: 'bin', op: '^', a, b };
      if (op === '<' || op === '<=' || op === '>' || op === '>=' || op === '==' || op === '!=') return { k: 'cmp', op, a, b };
      if (op === '===') return { k: 'cmp', op: '==', a, b };
      if (op === '!==') return { k: 'cmp', op: '!=', a, b };
      if (op === '&&' || op === '||') return { k: 'logic', op, a, b };
      return bad(`the operator '${op}' is not supported (use + - * / ^ and comparisons)`);
    }
    case 'LogicalExpression': {
      const op = node.operator as string;
      if (op !== '&&' && op !== '||') return bad(`the operator '${op}' is not supported`);
      return { k: 'logic', op, a: sub(node.left), b: sub(node.right) };
    }
    case 'ConditionalExpression':
      return { k: 'cond', c: sub(node.test), a: sub(node.consequent), b: sub(node.alternate) };
    case 'CallExpression': {
      const callee = node.callee as JsepNode;
      if (callee.type !== 'Identifier') return bad('only named functions can be called');
      return { k: 'call', fn: callee.name as string, args: (node.arguments as unknown[]).map(sub) };
    }
    case 'Compound':
      return bad('several expressions were given where one was expected');
    default:
      return bad(`a ${node.type.replace(/Expression$/, '').toLowerCase()} expression is not supported`);
  }
}

/** What a name in an expression may refer to, for checking. */
export interface Scope {
  /** Names with a numeric value (state variables, parameters, function arguments, `t`). */
  values: Set<string>;
  /** User functions and their arity. */
  functions: Map<string, number>;
}

/**
 * Check names, arity and types (number vs. condition) of `e`; `where` names it in errors.
 * Returns the type of the expression.
 */
export function checkExpr(e: Expr, scope: Scope, where: string, want: 'number' | 'bool' = 'number'): void {
  const type = typeOf(e, scope, where);
  if (type !== want) {
    throw new InputError(want === 'number'
      ? `${where}: the expression is a condition (true/false), but a number is needed; use 'c ? a : b'`
      : `${where}: a condition (comparison) is needed here, got a number`);
  }
}

function typeOf(e: Expr, scope: Scope, where: string): 'number' | 'bool' {
  const need = (x: Expr, want: 'number' | 'bool', what: string): void => {
    const t = typeOf(x, scope, where);
    if (t !== want) {
      throw new InputError(`${where}: ${what} must be ${want === 'number' ? 'a number' : 'a condition (comparison)'}, got ${t === 'number' ? 'a number' : 'a condition'} (${print(x)})`);
    }
  };
  switch (e.k) {
    case 'num':
      return 'number';
    case 'name':
      if (scope.values.has(e.name) || e.name in CONSTANTS) return 'number';
      if (e.name in BUILTINS || scope.functions.has(e.name)) throw new InputError(`${where}: '${e.name}' is a function; call it as ${e.name}(...)`);
      throw new InputError(`${where}: unknown name '${e.name}' (known: ${[...scope.values, ...Object.keys(CONSTANTS)].join(', ')})`);
    case 'neg':
      need(e.a, 'number', "the operand of '-'");
      return 'number';
    case 'bin':
      need(e.a, 'number', `the left side of '${e.op}'`);
      need(e.b, 'number', `the right side of '${e.op}'`);
      return 'number';
    case 'cmp':
      need(e.a, 'number', `the left side of '${e.op}'`);
      need(e.b, 'number', `the right side of '${e.op}'`);
      return 'bool';
    case 'logic':
      need(e.a, 'bool', `the left side of '${e.op}'`);
      need(e.b, 'bool', `the right side of '${e.op}'`);
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
      const builtin = BUILTINS[e.fn];
      const arity = builtin?.arity ?? scope.functions.get(e.fn);
      if (arity === undefined) {
        throw new InputError(`${where}: unknown function '${e.fn}' (built-in: ${Object.keys(BUILTINS).join(', ')}${scope.functions.size ? `; yours: ${[...scope.functions.keys()].join(', ')}` : ''})`);
      }
      if (e.args.length !== arity) throw new InputError(`${where}: ${e.fn}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${e.args.length}`);
      e.args.forEach((a, i) => need(a, 'number', `argument ${i + 1} of ${e.fn}()`));
      return 'number';
    }
  }
}

/** Names an expression refers to (values only, not functions). */
export function namesIn(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'name':
      out.add(e.name);
      break;
    case 'neg':
    case 'not':
      namesIn(e.a, out);
      break;
    case 'bin':
    case 'cmp':
    case 'logic':
      namesIn(e.a, out);
      namesIn(e.b, out);
      break;
    case 'cond':
      namesIn(e.c, out);
      namesIn(e.a, out);
      namesIn(e.b, out);
      break;
    case 'call':
      e.args.forEach((a) => namesIn(a, out));
      break;
    default:
  }
  return out;
}

// ------------------------------------------------------------------ simplification and derivatives

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

// ------------------------------------------------------------------ emitters

/** A float literal WGSL reads as f32 (`2` → `2.0`); throws when it does not fit in f32. */
export function wgslFloat(v: number, where = 'a number'): string {
  if (!Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38) throw new InputError(`${where}: ${v} does not fit in a 32-bit float`);
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** How names are spelled in the target language (state `x` → `s.v_x`, and so on). */
export type NameMap = (name: string) => string;

/** WGSL source of `e` (f32 arithmetic). Small integer powers are expanded into products. */
export function toWGSL(e: Expr, names: NameMap, userFn: (name: string) => string = (n) => `uf_${n}`): string {
  const w = (a: Expr): string => toWGSL(a, names, userFn);
  switch (e.k) {
    case 'num': return wgslFloat(e.v);
    case 'name': return e.name in CONSTANTS ? wgslFloat(CONSTANTS[e.name]!) : names(e.name);
    case 'neg': return `(-${w(e.a)})`;
    case 'not': return `(!${w(e.a)})`;
    case 'bin':
      if (e.op === '^') return powWGSL(e.a, e.b, w);
      return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'cmp': return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'logic': return `(${w(e.a)} ${e.op} ${w(e.b)})`;
    case 'cond': return `select(${w(e.b)}, ${w(e.a)}, ${w(e.c)})`;
    case 'call': {
      const builtin = BUILTINS[e.fn];
      const args = e.args.map(w);
      if (builtin) {
        if (e.fn === 'pow') return powWGSL(e.args[0]!, e.args[1]!, w);
        return builtin.wgsl.replace(/\$(\d)/g, (_, i: string) => args[Number(i)]!);
      }
      return `${userFn(e.fn)}(${args.join(', ')})`;
    }
  }
}

/** JavaScript source of `e` (float64 arithmetic). */
export function toJS(e: Expr, names: NameMap, userFn: (name: string) => string = (n) => `uf_${n}`): string {
  const j = (a: Expr): string => toJS(a, names, userFn);
  switch (e.k) {
    case 'num': return `(${String(e.v)})`;
    case 'name': return e.name in CONSTANTS ? `(${CONSTANTS[e.name]})` : names(e.name);
    case 'neg': return `(-${j(e.a)})`;
    case 'not': return `(!${j(e.a)})`;
    case 'bin': return e.op === '^' ? `Math.pow(${j(e.a)}, ${j(e.b)})` : `(${j(e.a)} ${e.op} ${j(e.b)})`;
    case 'cmp': return `(${j(e.a)} ${e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op} ${j(e.b)})`;
    case 'logic': return `(${j(e.a)} ${e.op} ${j(e.b)})`;
    case 'cond': return `(${j(e.c)} ? ${j(e.a)} : ${j(e.b)})`;
    case 'call': {
      const builtin = BUILTINS[e.fn];
      const args = e.args.map(j);
      if (builtin) return builtin.js.replace(/\$(\d)/g, (_, i: string) => args[Number(i)]!);
      return `${userFn(e.fn)}(${args.join(', ')})`;
    }
  }
}

/**
 * WGSL `pow` is undefined for a negative base, while JS `Math.pow(-2, 3)` is -8, so integer
 * exponents up to 4 in magnitude are written as products (and reciprocals) instead.
 */
function powWGSL(a: Expr, b: Expr, w: (e: Expr) => string): string {
  if (b.k === 'num' && Number.isInteger(b.v) && Math.abs(b.v) <= 4) {
    const n = Math.abs(b.v);
    if (n === 0) return '1.0';
    const base = w(a);
    const product = n === 1 ? base : `(${Array(n).fill(base).join(' * ')})`;
    return b.v < 0 ? `(1.0 / ${product})` : product;
  }
  if (b.k === 'num' && b.v === 0.5) return `sqrt(${w(a)})`;
  return `pow(${w(a)}, ${w(b)})`;
}

/** A readable form of `e` for messages and generated comments. */
export function print(e: Expr): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'name': return e.name;
    case 'neg': return `-${print(e.a)}`;
    case 'not': return `!${print(e.a)}`;
    case 'bin': case 'cmp': case 'logic': return `(${print(e.a)} ${e.op} ${print(e.b)})`;
    case 'cond': return `(${print(e.c)} ? ${print(e.a)} : ${print(e.b)})`;
    case 'call': return `${e.fn}(${e.args.map(print).join(', ')})`;
  }
}
