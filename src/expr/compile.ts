/**
 * One-line compilation of an expression over named inputs and parameters, for elementwise kernels
 * (`mapExpr`) and their float64 references.
 */
import { InputError } from '../gpu/errors.js';
import { quoteSource, type Expr } from './ast.js';
import { checkExpr, namesIn } from './check.js';
import { checkWGSLSize, needsWGSLHelpers, toJS, toWGSL, WGSL_EXPR_HELPERS } from './emit.js';
import { checkName } from './names.js';
import { parseExpr } from './parse.js';

/** A compiled elementwise expression. */
export interface CompiledExpression {
  /** The parsed tree. */
  expr: Expr;
  /** The WGSL expression over `v_<input>` (local values) and `params.p_<param>` (uniforms). */
  wgsl: string;
  /** Module-scope WGSL the expression needs (helper functions), or ''. */
  declarations: string;
  /** Float64 evaluation: `inputs` and `params` in the order given to {@link compileExpression}. */
  evaluate(inputs: ArrayLike<number>, params: ArrayLike<number>): number;
  /** Inputs and parameters the expression uses. */
  identifiers: Set<string>;
}

/**
 * Parse and check `source` over `inputs` and `params` (names checked with `checkName`; an input
 * or parameter named `e` or `pi` hides that constant), and emit it as WGSL and as float64
 * JavaScript.
 * @throws InputError for bad names, syntax, unknown names or functions, wrong arity, conditions
 * used as numbers and constants that are not finite 32-bit floats; the message quotes the
 * expression and points at the problem.
 */
export function compileExpression(source: string, inputs: readonly string[], params: readonly string[], where = 'expression'): CompiledExpression {
  const inputIndex = new Map<string, number>();
  const paramIndex = new Map<string, number>();
  inputs.forEach((n, i) => {
    checkName(n, `${where}: input`, [], true);
    inputIndex.set(n, i);
  });
  params.forEach((n, i) => {
    checkName(n, `${where}: parameter`, [], true);
    if (inputIndex.has(n)) throw new InputError(`${where}: '${n}' is both an input and a parameter`);
    paramIndex.set(n, i);
  });
  const expr = parseExpr(source, where);
  checkExpr(expr, { values: new Set([...inputs, ...params]), functions: new Map() }, where);
  const wgslName = (n: string): string => (inputIndex.has(n) ? `v_${n}` : `params.p_${n}`);
  const jsName = (n: string): string => (inputIndex.has(n) ? `v[${inputIndex.get(n)}]` : `p[${paramIndex.get(n)}]`);
  const wgsl = toWGSL(expr, wgslName);
  checkWGSLSize(wgsl, `${where} ${quoteSource(source)}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const evaluate = new Function('v', 'p', `return ${toJS(expr, jsName)};`) as CompiledExpression['evaluate'];
  return {
    expr,
    wgsl,
    declarations: needsWGSLHelpers(wgsl) ? WGSL_EXPR_HELPERS : '',
    evaluate,
    identifiers: namesIn(expr),
  };
}
