/**
 * Model definitions: stochastic differential equations written as equations (Brian2 style) and
 * Langevin targets written as a log-density. A definition is checked in the user's terms and
 * compiled once to WGSL functions with fixed signatures (injected into the integrator kernels) and
 * to JavaScript functions (run by the CPU reference), so both run the very same model.
 */
import {
  checkExpr, checkModelName, checkName, checkNoRecursion, checkWGSLSize, differentiate, F32_MAX, namesIn, needsWGSLHelpers, parseExpr,
  toJS, toWGSL, WGSL_EXPR_HELPERS, type Expr, type FunctionTable, type InitSource, type ModelJS, type SDEModel, type Scope,
} from '../expr/index.js';
import { InputError } from '../gpu/errors.js';
import { parseModelFile } from './model-file.js';

export type { InitSource, ModelJS, SDEModel } from '../expr/index.js';
export { checkTrialArrays, trialInputs } from '../expr/index.js';

/** An expression string (`'theta * (mu - x)'`) or a number. */
export type ExprSource = string | number;

/**
 * A user function: an expression of its arguments, or raw WGSL (only with
 * `ModelOptions.allowRawWGSL`) with an optional JavaScript twin for the CPU reference.
 */
export type UserFunction =
  | { args: string[]; expr: string }
  | { args: string[]; wgsl: string; js?: (...args: number[]) => number };

/** How a definition may be compiled. */
export interface ModelOptions {
  /**
   * Accept user functions written as raw WGSL (`functions.<f>.wgsl`). Raw WGSL is pasted into the
   * kernel unchecked, so it is refused unless the caller opts in; only enable it for models you
   * trust (never for a file or link from someone else). Default false.
   */
  allowRawWGSL?: boolean;
}

/** Threshold → reset events (spiking neurons). */
export interface EventDefinition {
  /** The state variable that spikes, e.g. `'v'`. */
  variable: string;
  /** Spike when the variable reaches this (`v >= threshold`); a number or expression of params. */
  threshold: ExprSource;
  /** Value the variable is set to after a spike; a number or expression. */
  reset: ExprSource;
  /** Time the variable is held at `reset` after a spike (same unit as dt). Default 0. */
  refractory?: number;
}

/** An absorbing boundary: a trial that leaves [lower, upper] in `variable` is stopped and flagged. */
export interface AbsorbingBoundary {
  variable: string;
  lower?: number;
  upper?: number;
}


/** Shared fields of {@link defineSDE} and {@link defineLangevin}. */
interface CommonDefinition {
  /** Model name for labels and messages. Default `'sde'` / `'langevin'`. */
  name?: string;
  /** State variables: `['x', 'y']` (initial value 0) or `{ x: { init: 1 }, y: 0.5 }`. */
  state: string[] | Record<string, { init?: InitSource } | InitSource>;
  /** Parameters: a number, or one value per trial (a sweep; length must equal `trials`). */
  params?: Record<string, number | ArrayLike<number>>;
  /** Helper functions usable in every expression. */
  functions?: Record<string, UserFunction>;
  /** Absorbing boundaries (optional). */
  absorb?: AbsorbingBoundary[];
}

/** The equations of an SDE dX = f(t, X) dt + g(t, X) dW, in the user's own names. */
export interface SDEDefinition extends CommonDefinition {
  /** Drift f, one expression per state variable (missing ones are 0). */
  drift: Record<string, ExprSource>;
  /**
   * Diffusion g. Diagonal noise (default): one expression per variable, each driven by its own
   * Wiener process. General noise (`noise: { wiener: m }`): one array of m expressions per variable
   * (a row of the m-column matrix). Missing variables have no noise.
   */
  diffusion?: Record<string, ExprSource | ExprSource[]>;
  /** `'diagonal'` (default) or `{ wiener: m }` for an m-dimensional Wiener process. */
  noise?: 'diagonal' | { wiener: number };
  /**
   * ∂g_i/∂x_i for Milstein, per variable; by default derived by symbolic differentiation
   * (give it when a raw-WGSL function makes that impossible).
   */
  diffusionDerivative?: Record<string, ExprSource>;
  /** Threshold → reset with refractory period (optional). */
  event?: EventDefinition;
}

/** A Langevin target density π(x) ∝ exp(logDensity(x)) over the state variables. */
export interface LangevinDefinition extends CommonDefinition {
  /** log π(x) up to a constant, e.g. `'-(x^2 + y^2) / 2'`. */
  logDensity: ExprSource;
  /** ∇ log π per variable; by default the symbolic gradient of `logDensity`. */
  score?: Record<string, ExprSource>;
}

const fnName = (n: string): string => `uf_${n}`;

/** `obj[key]` when `key` is the object's own property, so `constructor` or `toString` is no field. */
function own<T>(obj: Record<string, T> | undefined, key: string): T | undefined {
  return obj !== undefined && obj !== null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Whether `v` is a list of numbers (an array or a typed array; a string is not one). */
function isNumberList(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** Check that `v` is a finite number that fits in a 32-bit float. */
function checkF32(v: unknown, where: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > F32_MAX) {
    throw new InputError(`${where} must be a finite number within the 32-bit float range (±${F32_MAX.toPrecision(5)}), got ${JSON.stringify(v) ?? String(v)}`);
  }
}

/** Check each entry of a per-trial list (params, init). */
function checkF32List(v: ArrayLike<number>, where: string): Float64Array {
  if (v.length === 0) throw new InputError(`${where} is an empty list (give one value per trial, or a single number)`);
  for (let i = 0; i < v.length; i++) checkF32(v[i], `${where}[${i}]`);
  return Float64Array.from(v);
}

function stateEntries(state: CommonDefinition['state'], what: string): [string, InitSource][] {
  if (Array.isArray(state)) return state.map((n) => [n, 0]);
  if (state === null || typeof state !== 'object') throw new InputError(`${what}: 'state' must be a list of names or an object of {name: {init}}`);
  return Object.entries(state).map(([n, v]) => {
    if (typeof v === 'object' && v !== null && !isNumberList(v)) return [n, own(v as Record<string, InitSource>, 'init') ?? 0];
    return [n, v as InitSource];
  });
}

function compileFunctions(defs: Record<string, UserFunction> | undefined, what: string, options: ModelOptions): { table: FunctionTable; wgsl: string; js: string; raw: Map<string, (...a: number[]) => number> } {
  const table: FunctionTable = new Map();
  const raw = new Map<string, (...a: number[]) => number>();
  let wgsl = '';
  let js = '';
  if (defs !== undefined && (defs === null || typeof defs !== 'object' || Array.isArray(defs))) {
    throw new InputError(`${what}: 'functions' must be an object {name: {args, expr}}`);
  }
  const entries = Object.entries(defs ?? {});
  for (const [name, def] of entries) {
    checkName(name, `${what}: function`, ['t']);
    if (!def || typeof def !== 'object' || !Array.isArray(def.args)) throw new InputError(`${what}: function '${name}' needs 'args' (a list of argument names)`);
    const seen = new Set<string>();
    for (const a of def.args) {
      checkName(a, `${what}: argument of ${name}()`);
      if (seen.has(a)) throw new InputError(`${what}: function '${name}' lists the argument '${a}' twice`);
      seen.add(a);
    }
    if (Object.hasOwn(def, 'wgsl') && !options.allowRawWGSL) {
      throw new InputError(`${what}: function '${name}' is raw WGSL, which is refused unless you opt in (only for models you trust): pass { allowRawWGSL: true } to defineSDE/defineLangevin/modelFromJSON, or --allow-wgsl to 'wgneuro simulate'; or write it as 'expr'`);
    }
    table.set(name, { args: def.args, body: null });
  }
  const arities = new Map([...table].map(([n, f]) => [n, f.args.length]));
  const bodies = new Map<string, Expr>();
  for (const [name, def] of entries) {
    const where = `${what}: function ${name}(${def.args.join(', ')})`;
    const sig = def.args.map((a) => `a_${a}: f32`).join(', ');
    if (Object.hasOwn(def, 'expr')) {
      const body = parseExpr((def as { expr: string }).expr, where);
      checkExpr(body, { values: new Set(def.args), functions: arities }, where);
      table.get(name)!.body = body;
      bodies.set(name, body);
    } else if (Object.hasOwn(def, 'wgsl') && typeof (def as { wgsl: unknown }).wgsl === 'string') {
      const body = (def as { wgsl: string }).wgsl;
      wgsl += `fn ${fnName(name)}(${def.args.map((a) => `${a}: f32`).join(', ')}) -> f32 {\n${body}\n}\n`;
      const twin = (def as { js?: unknown }).js;
      if (twin !== undefined && typeof twin !== 'function') throw new InputError(`${where}: 'js' must be a JavaScript function`);
      if (twin) raw.set(name, twin as (...a: number[]) => number);
      js += `const ${fnName(name)} = raw.get(${JSON.stringify(name)}) ?? (() => { throw new Error(${JSON.stringify(`function '${name}' is raw WGSL without a 'js' twin, so the CPU reference cannot run it`)}); });\n`;
    } else {
      throw new InputError(`${where}: give either 'expr' (an expression) or 'wgsl' (raw WGSL body, with optional 'js' twin)`);
    }
  }
  // WGSL has no recursion: report a function that calls itself here, not as a WGSL dependency cycle
  checkNoRecursion(bodies, (name) => `${what}: function ${name}()`);
  for (const [name, body] of bodies) {
    const def = table.get(name)!;
    const argName = (n: string): string => `a_${n}`;
    const code = toWGSL(body, argName, fnName);
    checkWGSLSize(code, `${what}: function ${name}()`);
    wgsl += `fn ${fnName(name)}(${def.args.map((a) => `a_${a}: f32`).join(', ')}) -> f32 { return ${code}; }\n`;
    js += `const ${fnName(name)} = (${def.args.map((a) => `a_${a}`).join(', ')}) => ${toJS(body, argName, fnName)};\n`;
  }
  return { table, wgsl, js, raw };
}

function normalizeParams(params: CommonDefinition['params'], what: string): { names: string[]; values: (number | Float64Array)[] } {
  const names: string[] = [];
  const values: (number | Float64Array)[] = [];
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new InputError(`${what}: 'params' must be an object {name: value}`);
  }
  for (const [name, v] of Object.entries(params ?? {})) {
    checkName(name, `${what}: parameter`, ['t']);
    const where = `${what}: parameter '${name}'`;
    if (typeof v === 'number') {
      checkF32(v, where);
      values.push(v);
    } else if (isNumberList(v)) {
      values.push(checkF32List(v, where));
    } else {
      throw new InputError(`${where} must be a number or an array of numbers (one per trial), got ${JSON.stringify(v) ?? String(v)}`);
    }
    names.push(name);
  }
  return { names, values };
}

interface Parts {
  kind: 'sde' | 'langevin';
  name: string;
  state: [string, InitSource][];
  params: { names: string[]; values: (number | Float64Array)[] };
  functions: ReturnType<typeof compileFunctions>;
  drift: Expr[];
  diffusion: Expr[][];
  wiener: number;
  diagonal: boolean;
  diffusionDerivative: (Expr | null)[];
  logDensity: Expr | null;
  event: { variable: string; index: number; refractory: number; threshold: Expr; reset: Expr } | null;
  absorb: { index: number; lower: number; upper: number }[];
}

function prepareCommon(def: CommonDefinition, kind: 'sde' | 'langevin', options: ModelOptions) {
  if (!def || typeof def !== 'object' || Array.isArray(def)) throw new InputError(`a model definition must be an object`);
  const name = own(def as unknown as Record<string, unknown>, 'name') ?? kind;
  // the name reaches generated code (a comment) and labels: an identifier-like name only
  checkModelName(name);
  const what = `model '${name}'`;
  const state = stateEntries(def.state, what);
  if (state.length === 0) throw new InputError(`${what}: 'state' lists no variables`);
  const seen = new Set<string>();
  for (const [n] of state) {
    checkName(n, `${what}: state variable`, ['t']);
    if (seen.has(n)) throw new InputError(`${what}: state variable '${n}' is listed twice`);
    seen.add(n);
  }
  const params = normalizeParams(def.params, what);
  for (const p of params.names) if (seen.has(p)) throw new InputError(`${what}: '${p}' is both a state variable and a parameter`);
  const functions = compileFunctions(def.functions, what, options);
  for (const f of functions.table.keys()) {
    if (seen.has(f) || params.names.includes(f)) throw new InputError(`${what}: '${f}' is both a function and a variable or parameter`);
  }
  const scope: Scope = {
    values: new Set([...state.map(([n]) => n), ...params.names, 't']),
    functions: new Map([...functions.table].map(([n, f]) => [n, f.args.length])),
  };
  const stateNames = state.map(([n]) => n);
  const indexOf = (v: unknown, where: string): number => {
    const i = typeof v === 'string' ? stateNames.indexOf(v) : -1;
    if (i < 0) throw new InputError(`${what}: ${where} names ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v)}, which is not a state variable (${stateNames.join(', ')})`);
    return i;
  };
  for (const entry of state) {
    const [n, init] = entry;
    const where = `${what}: init of '${n}'`;
    if (typeof init === 'string') {
      const e = parseExpr(init, where);
      checkExpr(e, { values: new Set(params.names), functions: new Map() }, `${where} (may use parameters and built-in functions only)`);
    } else if (typeof init === 'number') {
      checkF32(init, where);
    } else if (isNumberList(init)) {
      entry[1] = checkF32List(init, where);
    } else {
      throw new InputError(`${where} must be a number, an expression of parameters or an array of numbers (one per trial), got ${JSON.stringify(init) ?? String(init)}`);
    }
  }
  const absorbList = def.absorb ?? [];
  if (!Array.isArray(absorbList)) throw new InputError(`${what}: 'absorb' must be a list of {variable, lower?, upper?}, got ${JSON.stringify(absorbList)}`);
  const absorb = absorbList.map((b: AbsorbingBoundary, k: number) => {
    if (!b || typeof b !== 'object') throw new InputError(`${what}: absorb[${k}] must be an object {variable, lower?, upper?}`);
    const index = indexOf(b.variable, `absorb[${k}].variable`);
    const lower = own(b as unknown as Record<string, unknown>, 'lower') ?? -Infinity;
    const upper = own(b as unknown as Record<string, unknown>, 'upper') ?? Infinity;
    if (lower !== -Infinity) checkF32(lower, `${what}: absorb[${k}].lower`);
    if (upper !== Infinity) checkF32(upper, `${what}: absorb[${k}].upper`);
    if (lower === -Infinity && upper === Infinity) throw new InputError(`${what}: absorb[${k}] gives neither 'lower' nor 'upper'`);
    if (!((lower as number) < (upper as number))) throw new InputError(`${what}: absorb[${k}] needs lower < upper, got [${lower}, ${upper}]`);
    return { index, lower: lower as number, upper: upper as number };
  });
  return { name, what, state, stateNames, params, functions, scope, indexOf, absorb };
}

/**
 * Define an SDE model from equations. Names are checked, expressions parsed and type-checked, and
 * the model compiled to WGSL and JavaScript before any GPU work.
 *
 * ```ts
 * const ou = defineSDE({ state: ['x'], params: { theta: 1, mu: 0, sigma: 0.5 },
 *   drift: { x: 'theta * (mu - x)' }, diffusion: { x: 'sigma' } });
 * ```
 * @throws InputError naming the variable and expression at fault.
 */
export function defineSDE(def: SDEDefinition, options: ModelOptions = {}): SDEModel {
  const c = prepareCommon(def, 'sde', options);
  const { what, stateNames, scope } = c;
  const isMap = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isMap(def.drift)) throw new InputError(`${what}: 'drift' must be an object {variable: expression}`);
  for (const field of ['diffusion', 'diffusionDerivative'] as const) {
    if (def[field] !== undefined && !isMap(def[field])) throw new InputError(`${what}: '${field}' must be an object {variable: expression}`);
  }
  for (const v of Object.keys(def.drift)) c.indexOf(v, `drift`);
  for (const v of Object.keys(def.diffusion ?? {})) c.indexOf(v, `diffusion`);
  const drift = stateNames.map((v) => {
    const src = own(def.drift, v);
    if (src === undefined) return { k: 'num', v: 0 } as Expr;
    const e = parseExpr(src, `${what}: drift of '${v}'`);
    checkExpr(e, scope, `${what}: drift of '${v}'`);
    return e;
  });
  const noise = def.noise ?? 'diagonal';
  let diagonal = true;
  let wiener = stateNames.length;
  if (noise !== 'diagonal') {
    if (typeof noise !== 'object' || !Number.isInteger(noise.wiener) || noise.wiener < 1) {
      throw new InputError(`${what}: 'noise' must be 'diagonal' or { wiener: m } with a whole m ≥ 1`);
    }
    diagonal = false;
    wiener = noise.wiener;
  }
  const diffusion = stateNames.map((v) => {
    const src = own(def.diffusion, v);
    const where = `${what}: diffusion of '${v}'`;
    if (diagonal) {
      if (Array.isArray(src)) throw new InputError(`${where}: diagonal noise takes one expression per variable; for a matrix use noise: { wiener: m }`);
      if (src === undefined) return [{ k: 'num', v: 0 } as Expr];
      const e = parseExpr(src as ExprSource, where);
      checkExpr(e, scope, where);
      return [e];
    }
    if (src === undefined) return Array.from({ length: wiener }, () => ({ k: 'num', v: 0 }) as Expr);
    if (!Array.isArray(src) || src.length !== wiener) {
      throw new InputError(`${where}: with noise: { wiener: ${wiener} } give an array of ${wiener} expressions (one per Wiener process)`);
    }
    return src.map((s, j) => {
      const e = parseExpr(s, `${where}, column ${j}`);
      checkExpr(e, scope, `${where}, column ${j}`);
      return e;
    });
  });
  const diffusionDerivative = stateNames.map((v, i) => {
    if (!diagonal) return null;
    const given = own(def.diffusionDerivative, v);
    const where = `${what}: derivative of the diffusion of '${v}'`;
    if (given !== undefined) {
      const e = parseExpr(given, where);
      checkExpr(e, scope, where);
      return e;
    }
    try {
      return differentiate(diffusion[i]![0]!, v, where, c.functions.table);
    } catch (err) {
      if (err instanceof InputError) return null;
      throw err;
    }
  });
  for (const v of Object.keys(def.diffusionDerivative ?? {})) c.indexOf(v, 'diffusionDerivative');
  let event: Parts['event'] = null;
  if (def.event !== undefined) {
    const ev = def.event;
    if (!isMap(ev)) throw new InputError(`${what}: 'event' must be an object {variable, threshold, reset, refractory?}`);
    const index = c.indexOf(ev.variable, 'event.variable');
    const threshold = parseExpr(ev.threshold, `${what}: event threshold`);
    checkExpr(threshold, scope, `${what}: event threshold`);
    const reset = parseExpr(ev.reset, `${what}: event reset`);
    checkExpr(reset, scope, `${what}: event reset`);
    const refractory = ev.refractory ?? 0;
    checkF32(refractory, `${what}: event.refractory`);
    if (refractory < 0) throw new InputError(`${what}: event.refractory must be ≥ 0 (a time, in the unit of dt), got ${refractory}`);
    event = { variable: ev.variable, index, refractory, threshold, reset };
  }
  return build({
    kind: 'sde', name: c.name, state: c.state, params: c.params, functions: c.functions, drift, diffusion, wiener, diagonal,
    diffusionDerivative, logDensity: null, event, absorb: c.absorb,
  });
}

/**
 * Define a Langevin target π(x) ∝ exp(logDensity). The model is also the overdamped Langevin SDE
 * dX = ∇log π dt + √2 dW, so `em` on it is ULA; `mala` and `baoab` use the density itself.
 *
 * ```ts
 * const banana = defineLangevin({ state: ['x', 'y'], params: { b: 0.5 },
 *   logDensity: '-x^2/2 - (y - b*x^2)^2/2' });
 * ```
 */
export function defineLangevin(def: LangevinDefinition, options: ModelOptions = {}): SDEModel {
  const c = prepareCommon(def, 'langevin', options);
  const { what, stateNames, scope } = c;
  const where = `${what}: logDensity`;
  if (def.logDensity === undefined) throw new InputError(`${what}: 'logDensity' is required`);
  const logDensity = parseExpr(def.logDensity, where);
  checkExpr(logDensity, scope, where);
  if (def.score !== undefined && (typeof def.score !== 'object' || def.score === null || Array.isArray(def.score))) {
    throw new InputError(`${what}: 'score' must be an object {variable: expression}`);
  }
  for (const v of Object.keys(def.score ?? {})) c.indexOf(v, 'score');
  const drift = stateNames.map((v) => {
    const given = own(def.score, v);
    if (given !== undefined) {
      const e = parseExpr(given, `${what}: score of '${v}'`);
      checkExpr(e, scope, `${what}: score of '${v}'`);
      return e;
    }
    return differentiate(logDensity, v, `${where} (its gradient in '${v}'; give 'score' yourself)`, c.functions.table);
  });
  const sqrt2: Expr = { k: 'num', v: Math.SQRT2 };
  return build({
    kind: 'langevin', name: c.name, state: c.state, params: c.params, functions: c.functions, drift,
    diffusion: stateNames.map(() => [sqrt2]), wiener: stateNames.length, diagonal: true,
    diffusionDerivative: stateNames.map(() => ({ k: 'num', v: 0 }) as Expr), logDensity, event: null, absorb: c.absorb,
  });
}

/**
 * Build a model from a JSON object (the format of `wgneuro simulate model.json`): the fields of
 * {@link SDEDefinition}, or of {@link LangevinDefinition} when `logDensity` is present. The object
 * is validated against a schema first, so a wrong field is reported by its path, its value and
 * what was expected (`absorb[0].lower = "0": expected a number`), and unknown fields are errors.
 * Raw-WGSL functions are refused unless `options.allowRawWGSL` is true; JavaScript is never read.
 * @throws InputError naming the field at fault.
 */
export function modelFromJSON(json: unknown, options: ModelOptions = {}): SDEModel {
  const def = parseModelFile(json);
  if ('logDensity' in def) return defineLangevin(def as unknown as LangevinDefinition, options);
  return defineSDE(def as unknown as SDEDefinition, options);
}

function build(parts: Parts): SDEModel {
  const stateNames = parts.state.map(([n]) => n);
  const { names: paramNames } = parts.params;
  const stateIndex = new Map(stateNames.map((n, i) => [n, i]));
  const paramIndex = new Map(paramNames.map((n, i) => [n, i]));
  const wgslName = (n: string): string => {
    if (stateIndex.has(n)) return `s.v_${n}`;
    if (paramIndex.has(n)) return `p.p_${n}`;
    if (n === 't') return 't';
    throw new Error(`internal: unresolved name ${n}`);
  };
  const jsName = (n: string): string => {
    if (stateIndex.has(n)) return `s[${stateIndex.get(n)}]`;
    if (paramIndex.has(n)) return `p[${paramIndex.get(n)}]`;
    if (n === 't') return 't';
    throw new Error(`internal: unresolved name ${n}`);
  };
  // what each equation is, for errors about its generated code
  const labels = new Map<Expr, string>();
  parts.drift.forEach((e, i) => labels.set(e, `drift of '${stateNames[i]}'`));
  parts.diffusion.forEach((row, i) => row.forEach((e, j) => labels.set(e, `diffusion of '${stateNames[i]}'${parts.diagonal ? '' : `, column ${j}`}`)));
  parts.diffusionDerivative.forEach((e, i) => e && labels.set(e, `derivative of the diffusion of '${stateNames[i]}'`));
  if (parts.logDensity) labels.set(parts.logDensity, 'logDensity');
  if (parts.event) {
    labels.set(parts.event.threshold, 'event threshold');
    labels.set(parts.event.reset, 'event reset');
  }
  const W = (e: Expr): string => {
    const code = toWGSL(e, wgslName, fnName);
    checkWGSLSize(code, `model '${parts.name}': ${labels.get(e) ?? 'an equation'}`);
    return code;
  };
  const J = (e: Expr): string => toJS(e, jsName, fnName);
  const n = stateNames.length;
  const m = parts.wiener;
  const stateStruct = stateNames.map((v) => `  v_${v}: f32,  // state variable '${v}'`).join('\n');
  const paramFields = paramNames.length
    ? paramNames.map((p) => `  p_${p}: f32,  // parameter '${p}'`).join('\n')
    : '  unused: f32,  // (the model has no parameters)';
  const ctor = (exprs: string[]): string => `ModelState(${exprs.join(', ')})`;
  const diffusionDerivative = parts.diffusionDerivative;
  const hasDiffusionDerivative = parts.diagonal && diffusionDerivative.every((e) => e !== null);
  const zero: Expr = { k: 'num', v: 0 };
  let noiseBody: string[];
  if (parts.diagonal) noiseBody = stateNames.map((_, i) => `${W(parts.diffusion[i]![0]!)} * dw[${i}]`);
  else {
    noiseBody = stateNames.map((_, i) => {
      const terms = parts.diffusion[i]!.map((g, j) => (g.k === 'num' && g.v === 0 ? null : `${W(g)} * dw[${j}]`)).filter(Boolean);
      return terms.length ? terms.join(' + ') : '0.0';
    });
  }
  const declarations = `
// ---- model '${parts.name}' (generated from its equations)
struct ModelState {
${stateStruct}
}
struct ModelParams {
${paramFields}
}
const MODEL_N: u32 = ${n}u;       // state variables
const MODEL_M: u32 = ${m}u;       // Wiener processes
${parts.functions.wgsl}
// drift f(t, x, p)
fn model_drift(t: f32, s: ModelState, p: ModelParams) -> ModelState {
  return ${ctor(parts.drift.map(W))};
}
// G(t, x, p) dW (${parts.diagonal ? 'diagonal noise' : `${m} Wiener processes`})
fn model_noise(t: f32, s: ModelState, p: ModelParams, dw: array<f32, ${m}>) -> ModelState {
  return ${ctor(noiseBody)};
}
${parts.diagonal ? `// diagonal diffusion g(t, x, p)
fn model_diffusion(t: f32, s: ModelState, p: ModelParams) -> ModelState {
  return ${ctor(parts.diffusion.map((g) => W(g[0]!)))};
}` : ''}
${hasDiffusionDerivative ? `// dg_i/dx_i (Milstein)
fn model_diffusion_dx(t: f32, s: ModelState, p: ModelParams) -> ModelState {
  return ${ctor(diffusionDerivative.map((e) => W(e ?? zero)))};
}` : ''}
${parts.logDensity ? `// log density of the Langevin target
fn model_log_density(t: f32, s: ModelState, p: ModelParams) -> f32 {
  return ${W(parts.logDensity)};
}` : ''}
${parts.event ? `// event threshold and reset of '${parts.event.variable}'
fn model_threshold(t: f32, s: ModelState, p: ModelParams) -> f32 { return ${W(parts.event.threshold)}; }
fn model_reset(t: f32, s: ModelState, p: ModelParams) -> f32 { return ${W(parts.event.reset)}; }` : ''}
`;
  const wgsl = needsWGSLHelpers(declarations) ? `${WGSL_EXPR_HELPERS}${declarations}` : declarations;
  const diffusionJS = parts.diagonal
    ? parts.diffusion.map((g, i) => `out[${i}] = ${J(g[0]!)};`)
    : parts.diffusion.flatMap((row, i) => row.map((g, j) => `out[${i * m + j}] = ${J(g)};`));
  const jsSource = `
${parts.functions.js}
return {
  drift(t, s, p, out) { ${parts.drift.map((e, i) => `out[${i}] = ${J(e)};`).join(' ')} },
  diffusion(t, s, p, out) { ${diffusionJS.join(' ')} },
  diffusionDerivative(t, s, p, out) { ${diffusionDerivative.map((e, i) => `out[${i}] = ${e ? J(e) : 'NaN'};`).join(' ')} },
  logDensity(t, s, p) { return ${parts.logDensity ? J(parts.logDensity) : '0'}; },
  threshold(t, s, p) { return ${parts.event ? J(parts.event.threshold) : 'Infinity'}; },
  reset(t, s, p) { return ${parts.event ? J(parts.event.reset) : '0'}; },
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const js = new Function('raw', jsSource)(parts.functions.raw) as ModelJS;
  const diffusionSelfOnly = parts.diagonal && parts.diffusion.every(([g], i) => {
    const used = namesIn(g!);
    return stateNames.every((v, k) => k === i || !used.has(v));
  });
  const additiveNoise = parts.diffusion.every((row) => row.every((g) => {
    const used = namesIn(g);
    return stateNames.every((v) => !used.has(v));
  }));
  const isZero = (g: Expr | undefined): boolean => g === undefined || (g.k === 'num' && g.v === 0);
  const activeNoise = Array.from({ length: m }, (_, j) => j).filter((j) => (parts.diagonal
    ? !isZero(parts.diffusion[j]![0])
    : parts.diffusion.some((row) => !isZero(row[j]))));
  return {
    kind: parts.kind,
    name: parts.name,
    activeNoise,
    state: stateNames,
    init: parts.state.map(([, init]) => init),
    params: paramNames,
    paramValues: parts.params.values,
    wiener: m,
    diagonal: parts.diagonal,
    diffusionSelfOnly,
    hasDiffusionDerivative,
    additiveNoise,
    event: parts.event ? { variable: parts.event.variable, index: parts.event.index, refractory: parts.event.refractory } : null,
    absorb: parts.absorb,
    equations: {
      drift: parts.drift,
      diffusion: parts.diffusion,
      diffusionDerivative,
      logDensity: parts.logDensity,
      threshold: parts.event?.threshold ?? null,
      reset: parts.event?.reset ?? null,
    },
    wgsl,
    js,
    key: hashString(wgsl),
  };
}

/** FNV-1a hash of a string, in hex (a short stable key for generated code). */
function hashString(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
