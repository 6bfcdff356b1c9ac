/**
 * A float64 CPU replay of what a tape recorded: the reference against which gradients (by central
 * finite differences) and Hessians are checked. Each operation runs through the float64 twin of
 * its kernel (src/reference).
 */
import { expandRef, logSoftmaxRef, sumMiddleRef } from '../reference/autodiff.js';
import { mapExprRef, matmulRef } from '../reference/linalg.js';
import { InputError } from '../gpu/errors.js';
import { reachable, type Var } from './tape.js';

/** The values of the leaves (params and constants) that `output` depends on, read back as float64. */
export async function leafValues(output: Var): Promise<Map<Var, Float64Array>> {
  const leaves = new Map<Var, Float64Array>();
  for (const v of reachable(output)) if (!v.node) leaves.set(v, Float64Array.from(await v.value.read()));
  return leaves;
}

/**
 * Recompute `output` in float64 from `leaves` (every leaf it depends on; see {@link leafValues}),
 * replaying the recorded operations.
 */
export function replayReference(output: Var, leaves: ReadonlyMap<Var, ArrayLike<number>>): Float64Array {
  const memo = new Map<Var, ArrayLike<number>>();
  for (const v of [...reachable(output)].reverse()) {
    if (!v.node) {
      const value = leaves.get(v);
      if (!value) throw new InputError(`replayReference: no value for a leaf of shape [${v.shape.join(', ')}]`);
      memo.set(v, value);
      continue;
    }
    const inputs = v.node.inputs.map((i) => memo.get(i)!);
    memo.set(v, replayOp(v, inputs));
  }
  return Float64Array.from(memo.get(output)!);
}

function replayOp(v: Var, inputs: ArrayLike<number>[]): ArrayLike<number> {
  const node = v.node!;
  const op = node.op;
  switch (op.kind) {
    case 'matmul': {
      const [A, B] = node.inputs as [Var, Var];
      const rank = A.shape.length;
      const batch = rank === 3 ? A.shape[0]! : 1;
      const [aRows, aCols] = A.shape.slice(-2) as [number, number];
      const [bRows, bCols] = B.shape.slice(-2) as [number, number];
      const m = op.transA ? aCols : aRows;
      const k = op.transA ? aRows : aCols;
      const n = op.transB ? bRows : bCols;
      return matmulRef(inputs[0]!, inputs[1]!, m, n, k, { transA: op.transA, transB: op.transB, batchA: batch, batchB: batch });
    }
    case 'map':
      return mapExprRef(op.expr, Object.fromEntries(op.names.map((n, i) => [n, inputs[i]!])), op.params);
    case 'sum':
      return sumMiddleRef(inputs[0]!, op.outer, op.len, op.inner);
    case 'expand':
      return expandRef(inputs[0]!, op.outer, op.len, op.inner);
    case 'logSoftmax':
      return logSoftmaxRef(inputs[0]!, op.rows, op.cols);
    case 'reshape':
      return inputs[0]!;
  }
}

/**
 * Central finite differences of the one-element `output` with respect to each entry of `param`,
 * in float64: (f(θ + h eᵢ) − f(θ − h eᵢ)) / 2h.
 */
export function finiteDifferenceGradient(output: Var, leaves: ReadonlyMap<Var, Float64Array>, param: Var, h = 1e-6): Float64Array {
  const base = leaves.get(param)!;
  const grad = new Float64Array(base.length);
  const moved = new Map(leaves);
  for (let i = 0; i < base.length; i++) {
    const plus = Float64Array.from(base);
    plus[i] = plus[i]! + h;
    const minus = Float64Array.from(base);
    minus[i] = minus[i]! - h;
    moved.set(param, plus);
    const fPlus = replayReference(output, moved)[0]!;
    moved.set(param, minus);
    const fMinus = replayReference(output, moved)[0]!;
    grad[i] = (fPlus - fMinus) / (2 * h);
  }
  return grad;
}

/**
 * The Hessian of the one-element `output` with respect to the concatenated entries of `params`,
 * by second-order central differences of float64 replays (row-major n × n, symmetrised).
 */
export function finiteDifferenceHessian(output: Var, leaves: ReadonlyMap<Var, Float64Array>, params: readonly Var[], h = 1e-4): Float64Array {
  const sizes = params.map((p) => p.size);
  const n = sizes.reduce((a, b) => a + b, 0);
  const flat = new Float64Array(n);
  let offset = 0;
  for (const p of params) {
    flat.set(leaves.get(p)!, offset);
    offset += p.size;
  }
  const evaluate = (x: Float64Array): number => {
    const moved = new Map(leaves);
    let o = 0;
    params.forEach((p, i) => {
      moved.set(p, x.subarray(o, o + sizes[i]!));
      o += sizes[i]!;
    });
    return replayReference(output, moved)[0]!;
  };
  const H = new Float64Array(n * n);
  const x = Float64Array.from(flat);
  const at = (i: number, si: number, j: number, sj: number): number => {
    x.set(flat);
    x[i] = x[i]! + si * h;
    x[j] = x[j]! + sj * h;
    return evaluate(x);
  };
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
      H[i * n + j] = value;
      H[j * n + i] = value;
    }
  }
  return H;
}
