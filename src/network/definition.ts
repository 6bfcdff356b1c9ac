/**
 * `defineNetwork`: populations of neurons written in the equation language of `defineSDE`, and
 * projections between them, checked and compiled into the plan the GPU engine and its float64 twin
 * both run (src/reference/network.ts).
 */
import { InputError } from '../gpu/errors.js';
import {
  checkExpr, checkWGSLSize, namesIn, parseExpr, toJS, toWGSL, type Expr, type Scope,
} from '../expr/index.js';
import { defineSDE, type SDEDefinition, type SDEModel } from '../sde/model.js';
import {
  NETWORK_INIT_TAG, randomCalls, type NetworkPlan, type ParamSource, type PopulationPlan, type ProjectionPlan,
} from '../reference/network.js';
import { fixedProbabilityCSR, outgoingFromCSR, outgoingFromDense, quantizationScale, type CSR } from './connectivity.js';
import { parseNetworkJSON, type NetworkJSON, type WeightsJSON } from './schema.js';

/** Weights in code: a typed array [to.size × from.size] (row = postsynaptic neuron), or any form of the file. */
export type WeightsDefinition = WeightsJSON | Float32Array | Float64Array;

/** A population: a neuron model (as for `defineSDE`) and its size. */
export interface PopulationDefinition {
  size: number;
  /**
   * The neuron model. Initial values may be numbers, one value per neuron, or expressions of the
   * parameters that call `rand()` (uniform on [0, 1)) and `randn()` (standard normal).
   * Parameter arrays hold one value per neuron.
   */
  model: SDEDefinition | Record<string, unknown>;
  /** Per-neuron values (arrays of `size`) or constants overriding the model's parameters. */
  params?: Record<string, number | ArrayLike<number>>;
  /** Per-trial values (arrays of `trials`): a parameter sweep across the batch. */
  sweep?: Record<string, ArrayLike<number>>;
}

/** A projection from population `from` to `to`. */
export interface ProjectionDefinition {
  from: string;
  to: string;
  /** `'step'`: `target` (an input) receives Σⱼ Wᵢⱼ·s(xⱼ) every step. `'spike'`: `target += w` on each presynaptic spike. */
  on: 'step' | 'spike';
  /** s(x), an expression of the presynaptic state and parameters ('step' only). Default: the first state variable. */
  source?: string | number;
  /** 'step': an input name used by the target model; 'spike': a state variable of the target model. */
  target: string;
  weights: WeightsDefinition;
  /** 'spike' only: extra steps before delivery. Default 0 (delivered before the next step). */
  delay?: number;
}

/** A whole network (the library mirror of the network file). */
export interface NetworkDefinition {
  name?: string;
  populations: Record<string, PopulationDefinition>;
  projections?: ProjectionDefinition[];
}

/** A checked, compiled network; build one with {@link defineNetwork}. */
export interface Network extends NetworkPlan {
  readonly populations: readonly CompiledPopulation[];
  readonly projections: readonly CompiledProjection[];
}

/** A population with its compiled model. */
export interface CompiledPopulation extends PopulationPlan {
  readonly model: SDEModel;
  /** Length of the per-trial parameter arrays ('sweep'), checked against `trials` at run time. */
  readonly sweepLength: number | null;
}

/** A projection with its generated WGSL (source expression). */
export interface CompiledProjection extends ProjectionPlan {
  /** WGSL expression of s(x) in terms of `s.v_*` and `p.p_*` ('step' only). */
  readonly sourceWGSL: string;
  readonly target: string;
  /** Whether the weights were given dense (the dense kernels run) or sparse. */
  readonly storage: 'dense' | 'sparse';
}

const RNG_FUNCTIONS = new Map([['rand', 0], ['randn', 0]]);

function pathLabel(pop: string): string {
  return `populations.${pop}`;
}

/**
 * Check and compile a network. Every field is validated (zod schema plus the equations of each
 * model) before any GPU work; errors name the field path, the value and what was expected.
 *
 * ```ts
 * const net = defineNetwork({
 *   populations: { R: { size: 100, model: { state: ['x'], params: { h: 1, sigma: 0.1 },
 *     drift: { x: '-x + input + h' }, diffusion: { x: 'sigma' } } } },
 *   projections: [{ from: 'R', to: 'R', on: 'step', source: 'x', target: 'input', weights: W }],
 * });
 * ```
 */
export function defineNetwork(def: NetworkDefinition): Network {
  const json = parseNetworkJSON(def as unknown, def?.name ? `network '${def.name}'` : 'network') as NetworkJSON;
  const name = json.name ?? 'network';
  const popNames = Object.keys(json.populations);
  const projections = json.projections ?? [];
  projections.forEach((p, k) => {
    for (const end of ['from', 'to'] as const) {
      if (!popNames.includes(p[end])) {
        throw new InputError(`projections[${k}].${end}: got "${p[end]}", expected one of the populations (${popNames.join(', ')})`);
      }
    }
  });
  const inputNames = new Set(projections.filter((p) => p.on === 'step').map((p) => p.target));
  const built = popNames.map((popName, index) => compilePopulation(popName, index, json.populations[popName]!, inputNames));
  const pops = built.map((b) => b.pop);
  const compiled = projections.map((p, k) => compileProjection(p, k, built));
  finishSpikeTargets(built, compiled);
  return { name, populations: pops, projections: compiled };
}

/** Build a network from a parsed network file whose weight paths were already loaded. */
export function networkFromJSON(json: unknown): Network {
  return defineNetwork(json as NetworkDefinition);
}

// ---------------------------------------------------------------- populations

/** A population being compiled, with what its projections still need to know. */
interface Building {
  pop: CompiledPopulation;
  /** Names the model's equations use (a continuous target must be one of them). */
  used: Set<string>;
  /** Spike-receiving variables, filled by the projections. */
  targets: { variable: number; scale: number }[];
}

function compilePopulation(name: string, index: number, def: NetworkJSON['populations'][string], inputNames: Set<string>): Building {
  const where = pathLabel(name);
  const N = def.size;
  const raw = { ...(def.model as Record<string, unknown>) } as Record<string, unknown> & { params?: Record<string, unknown>; state?: unknown };
  if (raw.noise !== undefined && raw.noise !== 'diagonal') throw new InputError(`${where}.model.noise: got ${JSON.stringify(raw.noise)}, expected "diagonal" (network neurons take one Wiener process per variable)`);
  if ('logDensity' in raw) throw new InputError(`${where}.model: got a Langevin target (logDensity), expected drift/diffusion equations`);
  if ('absorb' in raw) throw new InputError(`${where}.model.absorb: absorbing boundaries are not supported in networks`);
  // Parameters: numbers or per-neuron arrays (the model compiler sees placeholders; values live here).
  const given: Record<string, number | ArrayLike<number>> = { ...(raw.params as Record<string, number | ArrayLike<number>> ?? {}), ...(def.params ?? {}) };
  const sweep = def.sweep ?? {};
  for (const p of Object.keys(def.params ?? {})) {
    if (!(raw.params && p in raw.params)) throw new InputError(`${where}.params.${p}: got a value for '${p}', expected one of the model's parameters (${Object.keys(raw.params ?? {}).join(', ') || 'none'})`);
  }
  for (const p of Object.keys(sweep)) {
    if (!(p in given)) throw new InputError(`${where}.sweep.${p}: got a sweep of '${p}', expected one of the model's parameters (${Object.keys(given).join(', ') || 'none'})`);
  }
  const stateEntries = normalizeState(raw.state, where);
  const stateNames = stateEntries.map(([n]) => n);
  const placeholders: Record<string, number> = {};
  for (const p of Object.keys(given)) placeholders[p] = 0;
  const inputs = [...inputNames].filter((n) => !(n in given) && !stateNames.includes(n));
  for (const n of inputs) placeholders[n] = 0;
  const modelDef = { ...raw, name: (raw.name as string | undefined) ?? name, params: placeholders, state: stateNames } as unknown as SDEDefinition;
  let model: SDEModel;
  try {
    model = defineSDE(modelDef);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${where}.model: ${err.message}`);
    throw err;
  }
  const inputSlots = new Map(inputs.map((n, k) => [n, k]));
  const sources: ParamSource[] = model.params.map((p) => {
    if (inputSlots.has(p)) return { kind: 'input', slot: inputSlots.get(p)! };
    if (p in sweep) {
      const values = Float64Array.from(sweep[p]!);
      return { kind: 'trial', values };
    }
    const v = given[p]!;
    if (typeof v === 'number') return { kind: 'scalar', value: v };
    const values = Float64Array.from(v);
    if (values.length !== N) throw new InputError(`${where}.params.${p}: got ${values.length} values, expected ${N} (one per neuron; per-trial values go in 'sweep')`);
    return { kind: 'neuron', values };
  });
  const sweepLengths = [...new Set(Object.values(sweep).map((v) => v.length))];
  if (sweepLengths.length > 1) throw new InputError(`${where}.sweep: got arrays of lengths ${sweepLengths.join(', ')}, expected one length (the number of trials)`);
  const used = new Set<string>();
  model.equations.drift.forEach((e) => namesIn(e, used));
  model.equations.diffusion.forEach((row) => row.forEach((e) => namesIn(e, used)));
  if (model.equations.threshold) namesIn(model.equations.threshold, used);
  if (model.equations.reset) namesIn(model.equations.reset, used);
  const init = compileInit(stateEntries, model, sources, N, index, where);
  const noise = model.activeNoise.slice();
  const targets: Building['targets'] = [];
  const pop: CompiledPopulation = {
    name, index, size: N, state: model.state, params: model.params, sources, inputs,
    spikeTargets: targets, ringDepth: 1, noise,
    event: model.event ? { variable: model.event.index, refractory: model.event.refractory } : null,
    js: model.js, init, model, sweepLength: sweepLengths[0] ?? null,
  };
  return { pop, used, targets };
}

type InitValue = number | string | ArrayLike<number>;

function normalizeState(state: unknown, where: string): [string, InitValue][] {
  if (Array.isArray(state)) return state.map((n) => [String(n), 0]);
  if (!state || typeof state !== 'object') throw new InputError(`${where}.model.state: got ${JSON.stringify(state)}, expected a list of names or {name: {init}}`);
  return Object.entries(state as Record<string, unknown>).map(([n, v]) => {
    const init = v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v) ? (v as { init?: InitValue }).init ?? 0 : v as InitValue;
    return [n, init];
  });
}

/**
 * Compile initial values to one function of (trial, seed) → [variable][neuron]. Expressions may
 * call rand()/randn(): call c of neuron i's variable v in trial r reads lane c & 3 of the Philox
 * block (i, r, population << 16 | v << 8 | c >> 2, INIT_TAG), so every value is reproducible and
 * independent of chunking.
 */
function compileInit(state: [string, InitValue][], model: SDEModel, sources: ParamSource[], N: number, popIndex: number, where: string): PopulationPlan['init'] {
  const V = state.length;
  const paramIndex = new Map(model.params.map((p, k) => [p, k]));
  const scope: Scope = { values: new Set(model.params.filter((_, k) => sources[k]!.kind !== 'input')), functions: RNG_FUNCTIONS };
  const makers = state.map(([v, src], k) => {
    if (typeof src === 'number') {
      if (!Number.isFinite(src)) throw new InputError(`${where}.model.state.${v}.init: got ${src}, expected a finite number`);
      return { kind: 'const' as const, value: src };
    }
    if (typeof src === 'string') {
      const e = parseExpr(src, `${where}.model.state.${v}.init`);
      checkExpr(e, scope, `${where}.model.state.${v}.init (parameters, rand() and randn() only)`);
      const body = toJS(e, (n) => `p[${paramIndex.get(n)}]`, (f) => `rng.${f}`);
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const fn = new Function('p', 'rng', `return ${body};`) as (p: Float64Array, rng: { rand(): number; randn(): number }) => number;
      return { kind: 'expr' as const, fn, variable: k };
    }
    const values = Float64Array.from(src);
    if (values.length !== N) throw new InputError(`${where}.model.state.${v}.init: got ${values.length} values, expected ${N} (one per neuron)`);
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new InputError(`${where}.model.state.${v}.init[${bad}]: got ${values[bad]}, expected a finite number`);
    return { kind: 'array' as const, values };
  });
  return (trial: number, seed: number): Float64Array => {
    const out = new Float64Array(V * N);
    const p = new Float64Array(model.params.length);
    makers.forEach((m, v) => {
      if (m.kind === 'const') out.fill(m.value, v * N, (v + 1) * N);
      else if (m.kind === 'array') out.set(m.values, v * N);
      else {
        for (let i = 0; i < N; i++) {
          sources.forEach((src, k) => {
            p[k] = src.kind === 'scalar' ? src.value : src.kind === 'neuron' ? src.values[i]! : src.kind === 'trial' ? src.values[trial]! : 0;
          });
          const rng = randomCalls(seed, [i, trial, (popIndex << 16) | (v << 8), NETWORK_INIT_TAG]);
          out[v * N + i] = m.fn(p, rng);
        }
      }
    });
    return out;
  };
}

// ---------------------------------------------------------------- projections

interface LoadedWeights {
  dense: Float64Array | null;
  perTrial: boolean;
  csr: CSR | null;
}

function loadWeights(w: WeightsDefinition, k: number, rows: number, cols: number, sameNeurons: boolean): LoadedWeights {
  const where = `projections[${k}].weights`;
  if (w instanceof Float32Array || w instanceof Float64Array) {
    if (w.length !== rows * cols) throw new InputError(`${where}: got ${w.length} values, expected ${rows * cols} ([to.size ${rows}, from.size ${cols}], row-major)`);
    return { dense: Float64Array.from(w), perTrial: false, csr: null };
  }
  if (typeof w === 'string') throw new InputError(`${where}: got the path "${w}", expected loaded weights (paths are resolved by loadNetworkFile / wgneuro network)`);
  if (Array.isArray(w)) {
    if (w.length !== rows || w.some((r) => r.length !== cols)) throw new InputError(`${where}: got a ${w.length}-row nested array, expected ${rows} rows of ${cols} (row = postsynaptic neuron)`);
    return { dense: Float64Array.from(w.flat()), perTrial: false, csr: null };
  }
  switch (w.kind) {
    case 'dense': {
      const data = Float64Array.from(w.data);
      if (w.perTrial) {
        if (data.length % (rows * cols) !== 0 || data.length === 0) throw new InputError(`${where}.data: got ${data.length} values, expected trials × ${rows} × ${cols}`);
      } else if (data.length !== rows * cols) throw new InputError(`${where}.data: got ${data.length} values, expected ${rows * cols} ([to.size, from.size])`);
      return { dense: data, perTrial: Boolean(w.perTrial), csr: null };
    }
    case 'fixed-probability':
      return { dense: null, perTrial: false, csr: fixedProbabilityCSR(rows, cols, w.p, w.weight, w.seed, w.autapses === false && sameNeurons) };
    case 'csr': {
      if (w.indptr.length !== rows + 1) throw new InputError(`${where}.indptr: got ${w.indptr.length} entries, expected ${rows + 1} (to.size + 1)`);
      for (let i = 0; i < rows; i++) if (w.indptr[i + 1]! < w.indptr[i]!) throw new InputError(`${where}.indptr[${i + 1}]: got ${w.indptr[i + 1]}, expected ≥ ${w.indptr[i]} (non-decreasing)`);
      const nnz = w.indptr[rows]!;
      if (w.indices.length !== nnz || w.data.length !== nnz) throw new InputError(`${where}: got ${w.indices.length} indices and ${w.data.length} values, expected ${nnz} each (indptr[last])`);
      const bad = w.indices.findIndex((j) => j >= cols);
      if (bad >= 0) throw new InputError(`${where}.indices[${bad}]: got ${w.indices[bad]}, expected < ${cols} (from.size)`);
      return { dense: null, perTrial: false, csr: { indptr: Uint32Array.from(w.indptr), indices: Uint32Array.from(w.indices), data: Float64Array.from(w.data) } };
    }
  }
}

function compileProjection(def: NonNullable<NetworkJSON['projections']>[number], k: number, built: Building[]): CompiledProjection {
  const where = `projections[${k}]`;
  const fromB = built.find((b) => b.pop.name === def.from)!;
  const toB = built.find((b) => b.pop.name === def.to)!;
  const from = fromB.pop;
  const to = toB.pop;
  const w = loadWeights(def.weights as WeightsDefinition, k, to.size, from.size, from === to);
  const base = {
    index: k, from: from.index, to: to.index, on: def.on, target: def.target,
    dense: w.dense, perTrial: w.perTrial, csr: w.csr, storage: w.dense ? 'dense' as const : 'sparse' as const,
  };
  if (def.on === 'step') {
    if (def.delay !== undefined && def.delay !== 0) throw new InputError(`${where}.delay: got ${def.delay}, expected no delay for a continuous ("on": "step") projection`);
    const slot = to.inputs.indexOf(def.target);
    if (slot < 0) throw new InputError(`${where}.target: got "${def.target}", expected an input of '${to.name}' (a name its model uses that is neither state nor parameter)`);
    if (!toB.used.has(def.target)) throw new InputError(`${where}.target: got "${def.target}", expected a name that the model of '${to.name}' uses in its drift, diffusion or event`);
    const src = def.source ?? from.state[0]!;
    const e = parseExpr(src, `${where}.source`);
    const values = new Set([...from.state, ...from.params.filter((_, q) => from.sources[q]!.kind !== 'input')]);
    checkExpr(e, { values, functions: new Map() }, `${where}.source (state and parameters of '${from.name}', built-in functions)`);
    const { js, wgsl } = sourceCode(e, from);
    checkWGSLSize(wgsl, `${where}.source`);
    return { ...base, inputSlot: slot, source: js, sourceWGSL: wgsl, accumulator: -1, delay: 0, outgoing: null };
  }
  if (!from.event) throw new InputError(`${where}.from: got "${from.name}", expected a spiking population (its model needs an 'event')`);
  if (w.perTrial) throw new InputError(`${where}.weights.perTrial: per-trial weights are supported for continuous ("on": "step") projections only`);
  const variable = to.state.indexOf(def.target);
  if (variable < 0) throw new InputError(`${where}.target: got "${def.target}", expected a state variable of '${to.name}' (${to.state.join(', ')})`);
  if (def.source !== undefined) throw new InputError(`${where}.source: a spike projection delivers its weight; 'source' belongs to "on": "step" projections`);
  const targets = toB.targets;
  let acc = targets.findIndex((t) => t.variable === variable);
  if (acc < 0) {
    targets.push({ variable, scale: 0 });
    acc = targets.length - 1;
  }
  return { ...base, inputSlot: -1, source: null, sourceWGSL: '', accumulator: acc, delay: def.delay ?? 0, outgoing: null };
}

/**
 * Spike weights are summed in 32-bit fixed point so that atomic accumulation is exact and the
 * result independent of the order in which spikes arrive. The scale of each (population, variable)
 * is the largest power of 2 that keeps one step's worst-case sum (every presynaptic neuron spiking)
 * below 2^30.
 */
function finishSpikeTargets(built: Building[], projections: CompiledProjection[]): void {
  const pops = built.map((b) => b.pop);
  for (const { pop, targets } of built) {
    const incoming = projections.filter((p) => p.on === 'spike' && p.to === pop.index);
    targets.forEach((t, a) => {
      let bound = 0;
      for (const p of incoming.filter((q) => q.accumulator === a)) bound += maxRowAbsSum(p, pops[p.from]!.size, pop.size);
      t.scale = quantizationScale(bound);
    });
    pop.ringDepth = 1 + Math.max(0, ...incoming.map((p) => p.delay));
  }
  for (const p of projections) {
    if (p.on !== 'spike') continue;
    const to = pops[p.to]!;
    const scale = to.spikeTargets[p.accumulator]!.scale;
    p.outgoing = p.dense
      ? outgoingFromDense(p.dense, to.size, pops[p.from]!.size, scale)
      : outgoingFromCSR(p.csr!, pops[p.from]!.size, scale);
  }
}

function maxRowAbsSum(p: CompiledProjection, cols: number, rows: number): number {
  let best = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    if (p.dense) for (let j = 0; j < cols; j++) s += Math.abs(p.dense[i * cols + j]!);
    else for (let e = p.csr!.indptr[i]!; e < p.csr!.indptr[i + 1]!; e++) s += Math.abs(p.csr!.data[e]!);
    best = Math.max(best, s);
  }
  return best;
}

function sourceCode(e: Expr, pop: CompiledPopulation): { js: (s: ArrayLike<number>, p: ArrayLike<number>) => number; wgsl: string } {
  const si = new Map(pop.state.map((n, k) => [n, k]));
  const pi = new Map(pop.params.map((n, k) => [n, k]));
  const jsName = (n: string): string => (si.has(n) ? `s[${si.get(n)}]` : pi.has(n) ? `p[${pi.get(n)}]` : n);
  const wgslName = (n: string): string => (si.has(n) ? `s.v_${n}` : pi.has(n) ? `p.p_${n}` : n);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const js = new Function('s', 'p', `return ${toJS(e, jsName)};`) as (s: ArrayLike<number>, p: ArrayLike<number>) => number;
  return { js, wgsl: toWGSL(e, wgslName) };
}
