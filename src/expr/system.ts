/**
 * A compiled system of equations — what `defineSDE` and `defineLangevin` (src/sde/model.ts) return —
 * and the per-trial inputs it implies. It lives with the equation language so that both the GPU
 * path (src/sde) and the float64 CPU twin (src/reference/sde.ts) can use it, the twin importing
 * nothing above this layer.
 */
import { InputError } from '../gpu/errors.js';
import type { Expr } from './ast.js';
import { checkExpr, F32_MAX } from './check.js';
import { toJS } from './emit.js';
import { parseExpr } from './parse.js';

/** Initial value of a state variable: a number, one value per trial, or an expression of params. */
export type InitSource = number | ArrayLike<number> | string;

/** The JavaScript twin of a compiled model (float64), used by the CPU reference. */
export interface ModelJS {
  /** out[i] = f_i(t, s, p). */
  drift(t: number, s: ArrayLike<number>, p: ArrayLike<number>, out: Float64Array): void;
  /** Diagonal noise: out[i] = g_i. General: out[i * m + j] = g_ij. */
  diffusion(t: number, s: ArrayLike<number>, p: ArrayLike<number>, out: Float64Array): void;
  /** out[i] = ∂g_i/∂x_i (diagonal noise only; NaN where not available). */
  diffusionDerivative(t: number, s: ArrayLike<number>, p: ArrayLike<number>, out: Float64Array): void;
  /** log π (Langevin models; 0 otherwise). */
  logDensity(t: number, s: ArrayLike<number>, p: ArrayLike<number>): number;
  /** Event threshold and reset values. */
  threshold(t: number, s: ArrayLike<number>, p: ArrayLike<number>): number;
  reset(t: number, s: ArrayLike<number>, p: ArrayLike<number>): number;
}

/** A checked, compiled model; build one with `defineSDE` or `defineLangevin` (src/sde/model.ts). */
export interface SDEModel {
  readonly kind: 'sde' | 'langevin';
  readonly name: string;
  /** State variable names, in storage order. */
  readonly state: readonly string[];
  readonly init: readonly InitSource[];
  /** Parameter names, in storage order, and their values (number or per-trial array). */
  readonly params: readonly string[];
  readonly paramValues: readonly (number | Float64Array)[];
  /** Number of Wiener processes (equals the number of variables for diagonal noise). */
  readonly wiener: number;
  readonly diagonal: boolean;
  /** Whether each g_i depends on x_i alone (and t, params): needed by the weak-order-2 scheme. */
  readonly diffusionSelfOnly: boolean;
  /** Whether ∂g_i/∂x_i is available (Milstein). */
  readonly hasDiffusionDerivative: boolean;
  /** Whether every g is free of state variables (additive noise: EM is then strong order 1). */
  readonly additiveNoise: boolean;
  /**
   * Wiener processes that drive anything (a column of g that is not all literal zeros). Only these
   * draw random numbers: the r-th of a active processes takes normal number j·a + r of the trial's
   * stream at fine step j (see `sdeNoiseStride` in src/core/sde-status.ts).
   */
  readonly activeNoise: readonly number[];
  readonly event: { variable: string; index: number; refractory: number } | null;
  readonly absorb: readonly { index: number; lower: number; upper: number }[];
  /** The parsed equations (for inspection and code generation). */
  readonly equations: {
    drift: Expr[];
    diffusion: Expr[][];
    diffusionDerivative: (Expr | null)[];
    logDensity: Expr | null;
    threshold: Expr | null;
    reset: Expr | null;
  };
  /** WGSL declarations: `ModelState`, `ModelParams`, `model_drift`, `model_noise`, ... */
  readonly wgsl: string;
  /** The same model in JavaScript (float64). */
  readonly js: ModelJS;
  /** A stable key of the generated code, for pipeline caching and labels. */
  readonly key: string;
}

/**
 * Evaluate parameter values and initial values for trials [offset, offset + count): parameters as
 * a [params][count] float64 array, initial state as [state][count].
 */
export function trialInputs(model: SDEModel, trials: number, offset: number, count: number): { params: Float64Array; init: Float64Array } {
  if (!(offset >= 0 && count >= 0 && offset + count <= trials)) {
    throw new Error(`internal: trials [${offset}, ${offset + count}) are not within the run's ${trials} trials`);
  }
  const np = model.params.length;
  const params = new Float64Array(np * count);
  model.paramValues.forEach((v, k) => {
    for (let i = 0; i < count; i++) params[k * count + i] = typeof v === 'number' ? v : v[offset + i]!;
  });
  const n = model.state.length;
  const init = new Float64Array(n * count);
  const p = new Float64Array(np);
  model.init.forEach((src, k) => {
    let evalInit: ((p: Float64Array) => number) | null = null;
    if (typeof src === 'string') {
      const where = `init of '${model.state[k]}'`;
      const e = parseExpr(src, where);
      checkExpr(e, { values: new Set(model.params), functions: new Map() }, where); // binds pi and e
      const idx = new Map(model.params.map((name, j) => [name, j]));
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      evalInit = new Function('p', `return ${toJS(e, (name) => `p[${idx.get(name)}]`)};`) as (p: Float64Array) => number;
    }
    for (let i = 0; i < count; i++) {
      let value: number;
      if (typeof src === 'number') value = src;
      else if (evalInit) {
        for (let j = 0; j < np; j++) p[j] = params[j * count + i]!;
        value = evalInit(p);
        if (!Number.isFinite(value) || Math.abs(value) > F32_MAX) {
          throw new InputError(`init of '${model.state[k]}' = ${src} is ${value} for trial ${offset + i}, which is not a finite 32-bit float`);
        }
      } else value = (src as ArrayLike<number>)[offset + i]!;
      init[k * count + i] = value;
    }
  });
  return { params, init };
}

/**
 * Check that per-trial arrays (params, init) have exactly `trials` entries; `name` is how the
 * count is called in the message (`totalTrials` when a trial range of a larger run is simulated).
 */
export function checkTrialArrays(model: SDEModel, trials: number, name = 'trials'): void {
  model.paramValues.forEach((v, k) => {
    if (typeof v !== 'number' && v.length !== trials) {
      throw new InputError(`parameter '${model.params[k]}' has ${v.length} values but ${name} = ${trials} (a swept parameter needs one value per trial)`);
    }
  });
  model.init.forEach((v, k) => {
    if (typeof v !== 'number' && typeof v !== 'string' && v.length !== trials) {
      throw new InputError(`init of '${model.state[k]}' has ${v.length} values but ${name} = ${trials}`);
    }
  });
}
