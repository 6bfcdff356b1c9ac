/**
 * The parser of the equation language, built on jsep. Grammar: numbers, names, `+ - * /`, power
 * `^` or `**` (right associative, binding tighter than `*` and than a unary minus on its left, so
 * `-x^2` is `-(x^2)`), unary `-`/`+`/`!`, comparisons `< <= > >= == !=`, `&&`, `||`, the conditional
 * `c ? a : b`, and calls of named functions. Every node keeps its position in the source so later
 * errors can point at it.
 */
import jsepModule from 'jsep';
import { InputError } from '../gpu/errors.js';
import { quoteSource, type Expr, type SourceSpan } from './ast.js';

type JsepNode = { type: string; start?: number; end?: number; [key: string]: unknown };
interface JsepParser {
  code: number;
  index: number;
  gobbleGroup(): JsepNode | false;
  gobbleNumericLiteral(): JsepNode;
  throwError(message: string): never;
}
type Hook = (this: JsepParser, env: { context: JsepParser; node?: JsepNode | false }) => void;
interface Jsep {
  (s: string): JsepNode;
  hooks: { add(name: string, fn: Hook): void };
  binary_ops: Record<string, number>;
  right_associative: Set<string>;
  addBinaryOp(op: string, precedence: number, rightAssociative?: boolean): void;
}
const jsep = ((jsepModule as unknown as { default?: unknown }).default ?? jsepModule) as Jsep;

/**
 * jsep's settings are global, so ours apply only while we parse: `^` becomes power (right
 * associative, above `*`); parenthesised groups become 'Paren' nodes so that `-x^2` (which jsep
 * reads as `(-x)^2`) can be told apart from `(-x)^2`; and every token records where it starts and
 * ends (a stack, because tokens nest: a unary operator's operand, a call's arguments, a group).
 */
let parsing = false;
const tokenStarts: number[] = [];
jsep.hooks.add('gobble-token', function startToken(env) {
  if (!parsing) return;
  const ctx = env.context;
  tokenStarts.push(ctx.index);
  if (ctx.code === 40) { // '('
    const inner = ctx.gobbleGroup();
    if (!inner) ctx.throwError('empty parentheses');
    env.node = { type: 'Paren', expression: inner };
  } else if ((ctx.code >= 48 && ctx.code <= 57) || ctx.code === 46) {
    // jsep returns numeric literals without its 'after-token' hook; reading them here keeps the
    // start stack balanced.
    env.node = ctx.gobbleNumericLiteral();
  }
});
jsep.hooks.add('after-token', function endToken(env) {
  if (!parsing) return;
  const start = tokenStarts.pop();
  if (env.node && start !== undefined) {
    env.node.start = start;
    env.node.end = env.context.index;
  }
});

function jsepParse(source: string): JsepNode {
  const previous = jsep.binary_ops['^'];
  const wasRight = jsep.right_associative.has('^');
  jsep.addBinaryOp('^', 11, true);
  parsing = true;
  tokenStarts.length = 0;
  try {
    return jsep(source);
  } finally {
    parsing = false;
    if (previous === undefined) jsep.addBinaryOp('^', 4, wasRight);
    else jsep.addBinaryOp('^', previous, wasRight);
  }
}

/**
 * Parse `source` (an expression string, or a number) into an {@link Expr}; `where` names it in
 * error messages (e.g. "model 'ou': drift of 'x'").
 * @throws InputError naming `where`, the problem and its column.
 */
export function parseExpr(source: string | number, where: string): Expr {
  if (typeof source === 'number') {
    if (!Number.isFinite(source)) throw new InputError(`${where}: ${source} is not a finite number`);
    return { k: 'num', v: source };
  }
  if (typeof source !== 'string' || source.trim() === '') {
    throw new InputError(`${where}: expected an expression string or a number, got ${JSON.stringify(source) ?? String(source)}`);
  }
  if (source.length > MAX_SOURCE_LENGTH) throw new InputError(`${where}: the expression is ${source.length} characters long (at most ${MAX_SOURCE_LENGTH})`);
  let node: JsepNode;
  try {
    node = jsepParse(source);
  } catch (err) {
    if (err instanceof RangeError) throw new InputError(`${where}: the expression is nested too deeply to parse`);
    throw new InputError(`${where}: cannot parse ${quoteSource(source)}: ${(err as Error).message}`);
  }
  return convert(node, source, where, 0);
}

/** Longest expression source accepted (characters). */
const MAX_SOURCE_LENGTH = 20_000;
/** Deepest expression tree accepted; generated WGSL has its own, lower limit (see emit.ts). */
const MAX_TREE_DEPTH = 256;

function spanOf(node: JsepNode, source: string): SourceSpan | undefined {
  return node.start === undefined || node.end === undefined ? undefined : { source, start: node.start, end: node.end };
}

function convert(node: JsepNode, source: string, where: string, depth: number): Expr {
  const sub = (n: unknown): Expr => convert(n as JsepNode, source, where, depth + 1);
  const at = spanOf(node, source);
  const bad = (what: string): never => {
    const column = at ? ` at column ${at.start + 1}` : '';
    throw new InputError(`${where}: ${what}${column} of ${quoteSource(source)}`);
  };
  if (depth > MAX_TREE_DEPTH) bad(`the expression is nested more than ${MAX_TREE_DEPTH} levels deep`);
  const located = (e: Expr, span: SourceSpan | undefined = at): Expr => (span ? { ...e, at: span } : e);
  // a binary node spans from its left operand's start to its right operand's end
  const between = (a: Expr, b: Expr): SourceSpan | undefined => (a.at && b.at ? { source, start: a.at.start, end: b.at.end } : undefined);
  switch (node.type) {
    case 'Literal': {
      const v = node.value;
      if (typeof v !== 'number') return bad(`the literal ${String(node.raw)} is not a number`);
      return located({ k: 'num', v });
    }
    case 'Identifier':
      return located({ k: 'name', name: node.name as string });
    case 'UnaryExpression': {
      const a = sub(node.argument);
      if (node.operator === '-') return located({ k: 'neg', a });
      if (node.operator === '+') return located(a);
      if (node.operator === '!') return located({ k: 'not', a });
      return bad(`the operator '${String(node.operator)}' is not supported`);
    }
    case 'Paren':
      return located(sub(node.expression));
    case 'BinaryExpression': {
      const op = node.operator as string;
      const left = node.left as JsepNode;
      if ((op === '^' || op === '**') && left.type === 'UnaryExpression' && (left.operator === '-' || left.operator === '+')) {
        // -x^2 means -(x^2), as in mathematics (jsep binds the unary minus first)
        const base = sub(left.argument);
        const exponent = sub(node.right);
        const power: Expr = located({ k: 'bin', op: '^', a: base, b: exponent }, between(base, exponent));
        const whole = left.start !== undefined && exponent.at ? { source, start: left.start, end: exponent.at.end } : undefined;
        return left.operator === '-' ? located({ k: 'neg', a: power }, whole) : power;
      }
      const a = sub(node.left);
      const b = sub(node.right);
      const span = between(a, b);
      if (op === '+' || op === '-' || op === '*' || op === '/') return located({ k: 'bin', op, a, b }, span);
      if (op === '^' || op === '**') return located({ k: 'bin', op: '^', a, b }, span);
      if (op === '<' || op === '<=' || op === '>' || op === '>=' || op === '==' || op === '!=') return located({ k: 'cmp', op, a, b }, span);
      if (op === '===') return located({ k: 'cmp', op: '==', a, b }, span);
      if (op === '!==') return located({ k: 'cmp', op: '!=', a, b }, span);
      if (op === '&&' || op === '||') return located({ k: 'logic', op, a, b }, span);
      if (op === '%') return bad(`the operator '%' is not supported (floor(x / m) gives the quotient)`);
      return bad(`the operator '${op}' is not supported (use + - * / ^, comparisons, && and ||)`);
    }
    case 'LogicalExpression': {
      const op = node.operator as string;
      if (op !== '&&' && op !== '||') return bad(`the operator '${op}' is not supported`);
      const a = sub(node.left);
      const b = sub(node.right);
      return located({ k: 'logic', op, a, b }, between(a, b));
    }
    case 'ConditionalExpression': {
      const c = sub(node.test);
      const a = sub(node.consequent);
      const b = sub(node.alternate);
      return located({ k: 'cond', c, a, b }, between(c, b));
    }
    case 'CallExpression': {
      const callee = node.callee as JsepNode;
      if (callee.type !== 'Identifier') return bad('only named functions can be called');
      return located({ k: 'call', fn: callee.name as string, args: (node.arguments as unknown[]).map(sub) });
    }
    case 'Compound':
      return bad('several expressions were given where one was expected');
    default:
      return bad(`a ${node.type.replace(/Expression$/, '').toLowerCase()} expression is not supported`);
  }
}
