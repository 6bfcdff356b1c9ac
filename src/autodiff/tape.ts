/**
 * Reverse-mode differentiation of tensor programs on the GPU: a tape that records each operation
 * (matrix product, elementwise expression, sum over an axis, its adjoint `expand`, row-wise
 * log-softmax, reshape) as it runs, and a backward pass that walks the tape in reverse and runs
 * every adjoint as GPU work.
 *
 * The adjoints are written with the same recorded operations, so a backward pass can itself be
 * recorded (`createGraph: true`) and differentiated again: that is how `hvp` (./hessian.ts) gets
 * Hessian-vector products by double backward. Elementwise adjoints come from the equation
 * language's symbolic differentiation (src/expr `differentiate`), so `tanh`, `relu`, `sigmoid`, …
 * and user expressions need no hand-written derivative.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { differentiate, namesIn, parseExpr, type Expr } from '../expr/index.js';
import { mapExpr, matmul, sum } from '../linalg/index.js';
import { expandParams, expandWGSL, logSoftmaxParams, logSoftmaxWGSL } from '../../shaders/autodiff.wgsl.js';
import { exprSource } from './source.js';

/** Invocations per workgroup of the tape's own kernels. */
const WORKGROUP_SIZE = 64;

/** What a recorded operation computed, enough to replay it (`replayReference`) or explain it. */
export type OpRecord =
  | { kind: 'matmul'; transA: boolean; transB: boolean }
  | { kind: 'map'; expr: string; names: string[]; params: Record<string, number> }
  | { kind: 'sum'; outer: number; len: number; inner: number }
  | { kind: 'expand'; outer: number; len: number; inner: number }
  | { kind: 'logSoftmax'; rows: number; cols: number }
  | { kind: 'reshape' };

/** One recorded operation: its inputs, its output and how to pull a gradient back through it. */
export interface TapeNode {
  readonly op: OpRecord;
  readonly inputs: readonly Var[];
  /** Gradient of each input (null where it has none) given the gradient of the output. */
  readonly backward: (grad: Var, output: Var) => Promise<(Var | null)[]>;
}

/**
 * A value on the tape: a tensor plus where it came from. Leaves are made by `tape.param` (they
 * get gradients) and `tape.constant` (they do not); every operation returns a new `Var`.
 */
export class Var {
  readonly tape: Tape;
  /** The value on the GPU (owned by the tape unless the Var is a leaf). */
  readonly value: Tensor<'f32'>;
  /** Creation order on the tape; the backward pass visits nodes in decreasing order. */
  readonly id: number;
  /** The operation that made it (null for leaves and for values computed while not recording). */
  readonly node: TapeNode | null;
  /** Whether gradients flow to it (a parameter, or computed from one while recording). */
  readonly requiresGrad: boolean;

  /** @internal Use the tape's methods. */
  constructor(tape: Tape, value: Tensor<'f32'>, id: number, node: TapeNode | null, requiresGrad: boolean) {
    this.tape = tape;
    this.value = value;
    this.id = id;
    this.node = node;
    this.requiresGrad = requiresGrad;
  }

  /** Shape of the value. */
  get shape(): readonly number[] {
    return this.value.shape;
  }

  /** Number of elements of the value. */
  get size(): number {
    return this.value.size;
  }
}

/** Options of {@link Tape.grad}. */
export interface GradOptions {
  /**
   * Record the backward pass itself, so that the gradients are `Var`s that can be differentiated
   * again (Hessian-vector products). Default false.
   */
  createGraph?: boolean;
}

/** The sizes of one matmul operand as [batch, rows, cols]. */
function dims3(v: Var, name: string): [number, number, number] {
  const s = v.shape;
  if (s.length === 2) return [1, s[0]!, s[1]!];
  if (s.length === 3) return [s[0]!, s[1]!, s[2]!];
  throw new InputError(`tape.matmul: ${name} must be [rows, cols] or [batch, rows, cols]; got [${s.join(', ')}]`);
}

/**
 * A tape bound to one context. Create one per forward pass (or per training step), read the
 * gradients, then `destroy()` it: it owns every tensor its operations made.
 */
export class Tape {
  #nextId = 0;
  #recording = true;
  #owned: { id: number; tensor: Tensor }[] = [];
  #destroyed = false;

  readonly ctx: Context;

  /** @internal Use {@link createTape}. */
  constructor(ctx: Context) {
    this.ctx = ctx;
  }

  // ------------------------------------------------------------------ leaves

  /** A leaf that receives gradients; the caller keeps ownership of `tensor`. */
  param(tensor: Tensor): Var {
    return this.#leaf(tensor, true, 'param');
  }

  /** A leaf without gradient (data, targets); the caller keeps ownership of `tensor`. */
  constant(tensor: Tensor): Var {
    return this.#leaf(tensor, false, 'constant');
  }

  #leaf(tensor: Tensor, requiresGrad: boolean, what: string): Var {
    this.#assertAlive();
    if (!tensor || typeof tensor !== 'object' || !('shape' in tensor)) throw new InputError(`tape.${what}: expected a Tensor`);
    tensor.assertAlive();
    if (tensor.ctx !== this.ctx) throw new InputError(`tape.${what}: '${tensor.label}' belongs to another context`);
    if (tensor.dtype !== 'f32') throw new InputError(`tape.${what}: '${tensor.label}' must be f32, got ${tensor.dtype}`);
    return new Var(this, tensor as Tensor<'f32'>, this.#nextId++, null, requiresGrad);
  }

  /** A new constant filled with `value` (owned by the tape). */
  full(shape: readonly number[], value: number, label = 'tape.full'): Var {
    this.#assertAlive();
    const t = this.#own(this.ctx.tensor(shape, { label, fill: value }));
    return new Var(this, t, this.#nextId++, null, false);
  }

  // -------------------------------------------------------------- operations

  /**
   * `op(A) · op(B)` (see `matmul` in src/linalg): 2-D operands, or batches of equal size
   * (broadcasting one matrix against a batch is not differentiated here; expand it first).
   */
  async matmul(A: Var, B: Var, options: { transA?: boolean; transB?: boolean } = {}): Promise<Var> {
    this.#checkInputs('matmul', [A, B]);
    const transA = options.transA ?? false;
    const transB = options.transB ?? false;
    const [batchA] = dims3(A, 'A');
    const [batchB] = dims3(B, 'B');
    if (A.shape.length !== B.shape.length || batchA !== batchB) {
      throw new InputError(`tape.matmul: A [${A.shape.join(', ')}] and B [${B.shape.join(', ')}] must both be matrices or batches of the same size`);
    }
    const out = this.#own(await matmul(this.ctx, A.value, B.value, { transA, transB, label: 'tape.matmul' }));
    return this.#record(out, [A, B], { kind: 'matmul', transA, transB }, async (g) => {
      // C = op(A)·op(B): the four transpose cases of dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC, arranged
      // so that each gradient comes out in its operand's storage layout.
      const dA = !A.requiresGrad ? null
        : !transA ? await this.matmul(g, B, { transB: !transB })
          : await this.matmul(B, g, { transA: transB, transB: true });
      const dB = !B.requiresGrad ? null
        : !transB ? await this.matmul(A, g, { transA: !transA })
          : await this.matmul(g, A, { transA: true, transB: transA });
      return [dA, dB];
    });
  }

  /**
   * `out[i] = expr(inputs[i]; params)` for inputs of one shape (see `mapExpr` in src/linalg for
   * the equation language). Its gradient with respect to each input is the symbolic derivative
   * of `expr`, itself run as an elementwise map.
   */
  async map(expr: string, inputs: Record<string, Var>, params: Record<string, number> = {}): Promise<Var> {
    const names = Object.keys(inputs);
    if (names.length === 0) throw new InputError('tape.map: give at least one input');
    this.#checkInputs('map', names.map((n) => inputs[n]!));
    const tensors = Object.fromEntries(names.map((n) => [n, inputs[n]!.value]));
    // mapExpr validates the expression, names, shapes and parameter values before any GPU work
    const out = this.#own(await mapExpr(this.ctx, expr, tensors, { params, label: 'tape.map' }));
    const vars = names.map((n) => inputs[n]!);
    return this.#record(out, vars, { kind: 'map', expr, names, params: { ...params } }, async (g) => {
      const tree = parseExpr(expr, 'tape.map');
      const adjointName = freshName('adjoint', [...names, ...Object.keys(params)]);
      return Promise.all(names.map(async (name) => {
        if (!inputs[name]!.requiresGrad) return null;
        const derivative = differentiate(tree, name, `tape.map '${expr}'`);
        if (derivative.k === 'num' && derivative.v === 0) return null;
        return this.#mapWith(derivative, adjointName, g, inputs, params);
      }));
    });
  }

  /** `adjoint · derivative` as a map over the inputs the derivative actually uses. */
  async #mapWith(derivative: Expr, adjointName: string, g: Var, inputs: Record<string, Var>, params: Record<string, number>): Promise<Var> {
    const used = namesIn(derivative);
    const subset: Record<string, Var> = { [adjointName]: g };
    for (const n of Object.keys(inputs)) if (used.has(n)) subset[n] = inputs[n]!;
    const usedParams = Object.fromEntries(Object.entries(params).filter(([n]) => used.has(n)));
    return this.map(`${adjointName} * (${exprSource(derivative)})`, subset, usedParams);
  }

  /**
   * Sum over one axis (the result drops it; `[1]` if nothing is left), or over everything when
   * `axis` is omitted (a `[1]` result), through `sum` of src/linalg.
   */
  async sum(x: Var, axis?: number): Promise<Var> {
    this.#checkInputs('sum', [x]);
    const g = axisGeometry(x.shape, axis, 'tape.sum');
    const value = await sum(this.ctx, x.value.reshape([g.outer, g.len, g.inner]), { axis: 1, label: 'tape.sum' });
    const out = this.#own(value).reshape(g.reduced);
    return this.#record(out, [x], { kind: 'sum', outer: g.outer, len: g.len, inner: g.inner }, async (grad) => [
      await this.#expand(grad, g.outer, g.len, g.inner, x.shape),
    ]);
  }

  /** The mean of all elements (a `[1]` result). */
  async mean(x: Var): Promise<Var> {
    return this.map('s * scale', { s: await this.sum(x) }, { scale: 1 / x.size });
  }

  /**
   * Copy `x` along a new axis of length `len` inserted at `axis` (negative counts from the end of
   * the result's shape): the adjoint of `sum(·, axis)`. A `[1]` input with `axis` omitted is
   * broadcast to `shape`.
   */
  async expand(x: Var, len: number, axis: number): Promise<Var> {
    this.#checkInputs('expand', [x]);
    if (!Number.isInteger(len) || len < 1) throw new InputError(`tape.expand: len must be a whole number ≥ 1, got ${len}`);
    const rank = x.shape.length + 1;
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new InputError(`tape.expand: axis ${axis} is out of range for a result of rank ${rank}`);
    const a = axis < 0 ? axis + rank : axis;
    const shape = [...x.shape.slice(0, a), len, ...x.shape.slice(a)];
    const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
    return this.#expand(x, outer, len, x.size / Math.max(outer, 1), shape);
  }

  /** Broadcast a one-element Var to `shape`. */
  async broadcast(x: Var, shape: readonly number[]): Promise<Var> {
    this.#checkInputs('broadcast', [x]);
    if (x.size !== 1) throw new InputError(`tape.broadcast: expected a one-element value, got shape [${x.shape.join(', ')}]`);
    const len = shape.reduce((p, d) => p * d, 1);
    return this.#expand(x, 1, len, 1, shape);
  }

  async #expand(x: Var, outer: number, len: number, inner: number, shape: readonly number[]): Promise<Var> {
    const out = this.#own(this.ctx.tensor(shape, { label: 'tape.expand' }));
    const count = outer * len * inner;
    if (count > 0) {
      const pipeline = await this.ctx.kernel({ label: 'tape.expand', code: expandWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
      this.ctx.dispatch({
        label: 'tape.expand',
        pipeline,
        bindings: [expandParams.pack({ count, len, inner }), x.value, out],
        workgroups: Math.ceil(count / WORKGROUP_SIZE),
        workgroupSize: WORKGROUP_SIZE,
      });
    }
    return this.#record(out, [x], { kind: 'expand', outer, len, inner }, async (g) => {
      const summed = await this.sum(await this.reshape(g, [outer, len, inner]), 1);
      return [await this.reshape(summed, x.shape)];
    });
  }

  /** The same values viewed with another shape of the same size. */
  async reshape(x: Var, shape: readonly number[]): Promise<Var> {
    this.#checkInputs('reshape', [x]);
    const view = x.value.reshape(shape);
    // a view shares its buffer: not owned here, so it is destroyed once, through its base
    return this.#record(view, [x], { kind: 'reshape' }, async (g) => [await this.reshape(g, x.shape)]);
  }

  /**
   * Log-softmax over the last axis: `zᵢ − log Σⱼ exp zⱼ` per row. Its adjoint is
   * `g − softmax(z) · Σⱼ gⱼ`, written with tape operations so it can be differentiated again.
   */
  async logSoftmax(z: Var): Promise<Var> {
    this.#checkInputs('logSoftmax', [z]);
    if (z.shape.length < 1 || z.size === 0) throw new InputError(`tape.logSoftmax: expected a non-empty value, got shape [${z.shape.join(', ')}]`);
    const cols = z.shape[z.shape.length - 1]!;
    const rows = z.size / cols;
    const out = this.#own(this.ctx.tensor(z.shape, { label: 'tape.logSoftmax' }));
    const pipeline = await this.ctx.kernel({ label: 'tape.logSoftmax', code: logSoftmaxWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } });
    this.ctx.dispatch({
      label: 'tape.logSoftmax',
      pipeline,
      bindings: [logSoftmaxParams.pack({ rows, cols }), z.value, out],
      workgroups: Math.ceil(rows / WORKGROUP_SIZE),
      workgroupSize: WORKGROUP_SIZE,
    });
    return this.#record(out, [z], { kind: 'logSoftmax', rows, cols }, async (g, logp) => {
      const rowSums = await this.sum(g, -1);
      const spread = await this.expand(rowSums, cols, -1);
      return [await this.map('g - exp(l) * s', { g, l: logp, s: spread })];
    });
  }

  /**
   * Mean softmax cross-entropy `−(1/rows) Σ_r Σ_c y[r, c] log softmax(z)[r, c]` of scores `z`
   * against targets `y` (one-hot rows, or any distributions) of the same shape: a `[1]` value.
   */
  async softmaxCrossEntropy(z: Var, y: Var): Promise<Var> {
    this.#checkInputs('softmaxCrossEntropy', [z, y]);
    if (z.shape.length !== y.shape.length || z.shape.some((d, i) => d !== y.shape[i])) {
      throw new InputError(`tape.softmaxCrossEntropy: scores [${z.shape.join(', ')}] and targets [${y.shape.join(', ')}] must have the same shape`);
    }
    const rows = z.size / z.shape[z.shape.length - 1]!;
    const logp = await this.logSoftmax(z);
    const total = await this.sum(await this.map('y * l', { y, l: logp }));
    return this.map('-s * scale', { s: total }, { scale: 1 / rows });
  }

  /** `a + b` elementwise. */
  add(a: Var, b: Var): Promise<Var> {
    return this.map('a + b', { a, b });
  }

  // ---------------------------------------------------------------- backward

  /**
   * Gradients of the one-element value `output` with respect to `wrt` (zeros for those it does
   * not depend on), by one reverse sweep over the recorded operations. The returned Vars belong
   * to this tape.
   */
  async grad(output: Var, wrt: readonly Var[], options: GradOptions = {}): Promise<Var[]> {
    this.#checkInputs('grad', [output, ...wrt]);
    if (output.size !== 1) throw new InputError(`tape.grad: the output must have one element (a loss); got shape [${output.shape.join(', ')}]`);
    const wasRecording = this.#recording;
    this.#recording = options.createGraph ?? false;
    try {
      const grads = new Map<Var, Var>();
      grads.set(output, this.full(output.shape, 1, 'tape.seed'));
      for (const v of reachable(output)) {
        const g = grads.get(v);
        if (!g || !v.node) continue;
        const inputGrads = await v.node.backward(g, v);
        for (let i = 0; i < v.node.inputs.length; i++) {
          const input = v.node.inputs[i]!;
          const gi = inputGrads[i];
          if (!gi || !input.requiresGrad) continue;
          const previous = grads.get(input);
          grads.set(input, previous ? await this.add(previous, gi) : gi);
        }
      }
      return wrt.map((w) => grads.get(w) ?? this.full(w.shape, 0, 'tape.zeroGrad'));
    } finally {
      this.#recording = wasRecording;
    }
  }

  // ---------------------------------------------------------------- lifetime

  /** Bytes of GPU memory the tape owns now (values and gradients it made; not the leaves). */
  get ownedBytes(): number {
    return this.#owned.reduce((total, o) => total + o.tensor.byteLength, 0);
  }

  /** A point to return to with {@link release}. */
  mark(): number {
    return this.#nextId;
  }

  /**
   * Free every tensor made after `mark` (Vars made since then must not be used again); the way a
   * loop of Hessian-vector products on one recorded gradient keeps its memory flat.
   */
  release(mark: number): void {
    const keep = this.#owned.filter((o) => o.id < mark);
    const drop = this.#owned.filter((o) => o.id >= mark);
    this.#owned = keep;
    this.ctx.releaseAfterSubmit(...drop.map((o) => o.tensor));
  }

  /** Free every tensor the tape made (once the GPU has finished with them). Safe to call twice. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.ctx.releaseAfterSubmit(...this.#owned.map((o) => o.tensor));
    this.#owned = [];
  }

  // ---------------------------------------------------------------- internals

  #own<T extends Tensor>(tensor: T): T {
    this.#owned.push({ id: this.#nextId, tensor });
    return tensor;
  }

  #record(value: Tensor, inputs: Var[], op: OpRecord, backward: TapeNode['backward']): Var {
    const requiresGrad = this.#recording && inputs.some((v) => v.requiresGrad);
    const node = requiresGrad ? { op, inputs, backward } : null;
    return new Var(this, value as Tensor<'f32'>, this.#nextId++, node, requiresGrad);
  }

  #checkInputs(op: string, vars: Var[]): void {
    this.#assertAlive();
    for (const v of vars) {
      if (!(v instanceof Var)) throw new InputError(`tape.${op}: expected Vars made by this tape, got ${typeof v}`);
      if (v.tape !== this) throw new InputError(`tape.${op}: a Var from another tape was passed`);
    }
  }

  #assertAlive(): void {
    if (this.#destroyed) throw new InputError('tape: used after destroy()');
  }
}

/** A tape for recording operations on `ctx` (see {@link Tape}). */
export function createTape(ctx: Context): Tape {
  return new Tape(ctx);
}

/** Every Var that `output` depends on through recorded operations, latest first. */
export function reachable(output: Var): Var[] {
  const seen = new Set<Var>();
  const stack = [output];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v.node) for (const input of v.node.inputs) if (!seen.has(input)) stack.push(input);
  }
  return [...seen].sort((a, b) => b.id - a.id);
}

/** [outer, len, inner] of a sum over `axis` (all elements when undefined), and the result's shape. */
function axisGeometry(shape: readonly number[], axis: number | undefined, op: string): { outer: number; len: number; inner: number; reduced: number[] } {
  const size = shape.reduce((p, d) => p * d, 1);
  if (axis === undefined) return { outer: 1, len: size, inner: 1, reduced: [1] };
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new InputError(`${op}: axis ${axis} is out of range for shape [${shape.join(', ')}]`);
  const a = axis < 0 ? axis + rank : axis;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const reduced = shape.filter((_, i) => i !== a);
  return { outer, len: shape[a]!, inner, reduced: reduced.length ? reduced : [1] };
}

/** `base`, or `base_2`, `base_3`, … avoiding `taken`. */
function freshName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}_${i}`;
  return name;
}
