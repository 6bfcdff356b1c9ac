/**
 * The equation language shared by every part of wgneuro that takes formulas from users (`mapExpr`,
 * SDE and Langevin models, and what builds on them): one parser (jsep), one checker that reports
 * problems in the user's terms before any code is generated, symbolic derivatives, and two
 * emitters — WGSL (f32) and JavaScript (float64) — with the same built-ins and the same meaning.
 *
 * Layer: above `src/core` and `src/gpu`, below `shaders/` and every area.
 */
export { children, describeAt, print, quoteSource, type ArithmeticOp, type ComparisonOp, type Expr, type SourceSpan } from './ast.js';
export { BUILTINS, CONSTANTS, type Builtin } from './builtins.js';
export { callsIn, checkConstants, checkExpr, checkNoRecursion, constantValue, F32_MAX, F32_MIN_NORMAL, namesIn, type Scope } from './check.js';
export { compileExpression, type CompiledExpression } from './compile.js';
export { differentiate, substitute, type FunctionTable } from './derive.js';
export {
  checkWGSLSize, f32Literal, MAX_WGSL_LENGTH, MAX_WGSL_NESTING, needsWGSLHelpers, toJS, toWGSL, WGSL_EXPR_HELPERS, type FunctionNameMap, type NameMap,
} from './emit.js';
export { checkModelName, checkName } from './names.js';
export { parseExpr } from './parse.js';
export { checkTrialArrays, trialInputs, type InitSource, type ModelJS, type SDEModel } from './system.js';
