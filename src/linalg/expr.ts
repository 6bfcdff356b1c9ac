/**
 * Elementwise expressions such as `'alpha * x + y'` or `'tanh(x) * gain'`, parsed once with jsep
 * and compiled to both WGSL (the kernel) and JavaScript (the float64 reference), so the two always
 * evaluate the same formula.
 */
import jsep from 'jsep';
import { InputError } from '../gpu/errors.js';

/** A compiled elementwise expression. */
export interface CompiledExpression {
  /** The WGSL expression over `v_<name>` (inputs) and `params.p_<name>` (parameters). */
  wgsl: string;
  /** Float64 evaluation, for references. */
  evaluate(values: Record<string, number>): number;
  /** Identifiers the expression uses (inputs and parameters). */
  identifiers: Set<string>;
}

type Fn = { arity: number[]; wgsl: (args: string[]) => string; js: (...args: number[]) => number };

/** Functions an expression may call (all f32 → f32 in WGSL). */
const FUNCTIONS: Record<string, Fn> = {
  abs: { arity: [1], wgsl: (a) => `abs(${a[0]})`, js: Math.abs },
  exp: { arity: [1], wgsl: (a) => `exp(${a[0]})`, js: Math.exp },
  log: { arity: [1], wgsl: (a) => `log(${a[0]})`, js: Math.log },
  sqrt: { arity: [1], wgsl: (a) => `sqrt(${a[0]})`, js: Math.sqrt },
  sin: { arity: [1], wgsl: (a) => `sin(${a[0]})`, js: Math.sin },
  cos: { arity: [1], wgsl: (a) => `cos(${a[0]})`, js: Math.cos },
  tan: { arity: [1], wgsl: (a) => `tan(${a[0]})`, js: Math.tan },
  tanh: { arity: [1], wgsl: (a) => `tanh(${a[0]})`, js: Math.tanh },
  sinh: { arity: [1], wgsl: (a) => `sinh(${a[0]})`, js: Math.sinh },
  cosh: { arity: [1], wgsl: (a) => `cosh(${a[0]})`, js: Math.cosh },
  atan: { arity: [1], wgsl: (a) => `atan(${a[0]})`, js: Math.atan },
  floor: { arity: [1], wgsl: (a) => `floor(${a[0]})`, js: Math.floor },
  ceil: { arity: [1], wgsl: (a) => `ceil(${a[0]})`, js: Math.ceil },
  sign: { arity: [1], wgsl: (a) => `sign(${a[0]})`, js: Math.sign },
  square: { arity: [1], wgsl: (a) => `((${a[0]}) * (${a[0]}))`, js: (x) => x * x },
  sigmoid: { arity: [1], wgsl: (a) => `(1.0 / (1.0 + exp(-(${a[0]}))))`, js: (x) => 1 / (1 + Math.exp(-x)) },
  relu: { arity: [1], wgsl: (a) => `max(${a[0]}, 0.0)`, js: (x) => Math.max(x, 0) },
  pow: { arity: [2], wgsl: (a) => `pow(${a[0]}, ${a[1]})`, js: Math.pow },
  atan2: { arity: [2], wgsl: (a) => `atan2(${a[0]}, ${a[1]})`, js: Math.atan2 },
  min: { arity: [2], wgsl: (a) => `min(${a[0]}, ${a[1]})`, js: Math.min },
  max: { arity: [2], wgsl: (a) => `max(${a[0]}, ${a[1]})`, js: Math.max },
  clamp: { arity: [3], wgsl: (a) => `clamp(${a[0]}, ${a[1]}, ${a[2]})`, js: (x, lo, hi) => Math.min(Math.max(x, lo), hi) },
};

/** Named constants an expression may use. */
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

const ARITHMETIC = new Set(['+', '-', '*', '/']);
const COMPARISON = new Set(['<', '>', '<=', '>=', '==', '!=']);

/** An f32 WGSL literal that always has a decimal point or exponent. */
function f32Literal(v: number): string {
  if (!Number.isFinite(v)) throw new InputError(`expression constant ${v} is not finite`);
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * Compile `source` over the identifiers in `allowed` (inputs and parameters). Throws `InputError`
 * naming the offending token for unknown names, functions or operators.
 */
export function compileExpression(source: string, inputs: readonly string[], params: readonly string[]): CompiledExpression {
  let ast: jsep.Expression;
  try {
    ast = jsep(source);
  } catch (err) {
    throw new InputError(`cannot parse expression '${source}': ${(err as Error).message}`);
  }
  const identifiers = new Set<string>();
  const inputSet = new Set(inputs);
  const paramSet = new Set(params);
  const fail = (what: string): never => {
    throw new InputError(`expression '${source}': ${what}`);
  };
  type Out = { w: string; j: (v: Record<string, number>) => number; bool?: boolean };
  const visit = (node: jsep.Expression): Out => {
    switch (node.type) {
      case 'Literal': {
        const v = (node as jsep.Literal).value;
        if (typeof v !== 'number') fail(`only numeric literals are allowed, got ${String((node as jsep.Literal).raw)}`);
        return { w: f32Literal(v as number), j: () => v as number };
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (inputSet.has(name)) {
          identifiers.add(name);
          return { w: `v_${name}`, j: (vals) => vals[name]! };
        }
        if (paramSet.has(name)) {
          identifiers.add(name);
          return { w: `params.p_${name}`, j: (vals) => vals[name]! };
        }
        if (name in CONSTANTS) {
          const c = CONSTANTS[name]!;
          return { w: f32Literal(c), j: () => c };
        }
        return fail(`unknown name '${name}' (inputs: ${inputs.join(', ') || 'none'}; parameters: ${params.join(', ') || 'none'}; constants: pi, e)`);
      }
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        const arg = visit(u.argument);
        if (arg.bool) fail(`operator '${u.operator}' needs a number`);
        if (u.operator === '-') return { w: `(-${arg.w})`, j: (v) => -arg.j(v) };
        if (u.operator === '+') return arg;
        return fail(`unsupported operator '${u.operator}'`);
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        const l = visit(b.left);
        const r = visit(b.right);
        if (l.bool || r.bool) fail(`operator '${b.operator}' needs numbers on both sides`);
        if (ARITHMETIC.has(b.operator)) {
          const op = b.operator;
          const js =
            op === '+' ? (v: Record<string, number>) => l.j(v) + r.j(v)
            : op === '-' ? (v: Record<string, number>) => l.j(v) - r.j(v)
            : op === '*' ? (v: Record<string, number>) => l.j(v) * r.j(v)
            : (v: Record<string, number>) => l.j(v) / r.j(v);
          return { w: `(${l.w} ${op} ${r.w})`, j: js };
        }
        if (b.operator === '**') return { w: `pow(${l.w}, ${r.w})`, j: (v) => l.j(v) ** r.j(v) };
        if (COMPARISON.has(b.operator)) {
          const op = b.operator;
          const cmp: Record<string, (x: number, y: number) => boolean> = {
            '<': (x, y) => x < y, '>': (x, y) => x > y, '<=': (x, y) => x <= y,
            '>=': (x, y) => x >= y, '==': (x, y) => x === y, '!=': (x, y) => x !== y,
          };
          const f = cmp[op]!;
          return { w: `(${l.w} ${op} ${r.w})`, j: (v) => (f(l.j(v), r.j(v)) ? 1 : 0), bool: true };
        }
        return fail(`unsupported operator '${b.operator}'`);
      }
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const test = visit(c.test);
        if (!test.bool) fail('the condition of ?: must be a comparison');
        const yes = visit(c.consequent);
        const no = visit(c.alternate);
        return { w: `select(${no.w}, ${yes.w}, ${test.w})`, j: (v) => (test.j(v) ? yes.j(v) : no.j(v)) };
      }
      case 'CallExpression': {
        const call = node as jsep.CallExpression;
        if (call.callee.type !== 'Identifier') fail('only calls of named functions are allowed');
        const name = (call.callee as jsep.Identifier).name;
        const fn = FUNCTIONS[name];
        if (!fn) return fail(`unknown function '${name}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
        if (!fn.arity.includes(call.arguments.length)) fail(`${name}() takes ${fn.arity.join(' or ')} arguments, got ${call.arguments.length}`);
        const args = call.arguments.map(visit);
        if (args.some((a) => a.bool)) fail(`arguments of ${name}() must be numbers`);
        return { w: fn.wgsl(args.map((a) => a.w)), j: (v) => fn.js(...args.map((a) => a.j(v))) };
      }
      default:
        return fail(`unsupported syntax (${node.type})`);
    }
  };
  const root = visit(ast);
  if (root.bool) fail('the result must be a number, not a comparison (use c ? a : b)');
  return { wgsl: root.w, evaluate: root.j, identifiers };
}
