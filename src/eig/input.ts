/**
 * Input handling shared by the eigensolvers: matrices given as tensors or CPU arrays, seeded start
 * vectors, and the convergence error.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError, NumericalError } from '../gpu/errors.js';
import { philoxSequence } from '../reference/philox.js';

/** A matrix or a batch of matrices: a GPU tensor, or row-major CPU numbers. */
export type MatrixInput = Tensor<'f32'> | Float32Array | Float64Array | readonly number[];

/**
 * A symmetric or general n × n matrix known only through its products (a Hessian-vector product,
 * a composed operator): `apply` records y ← A·x for [n] tensors (it may record any GPU work, and
 * must not submit-and-wait on its own between calls unless it needs to). `eigs` accepts one in
 * place of a matrix.
 */
export interface LinearOperator {
  /** Order of the matrix. */
  readonly n: number;
  /** Overwrite `y` with A·x (both f32 [n]; `x` must not be modified). */
  apply(x: Tensor<'f32'>, y: Tensor<'f32'>): Promise<void>;
}

/** Shape hints for CPU inputs. */
export interface MatrixShape {
  /** Order of each matrix. Default: inferred (√length for one matrix; tensors: from the shape). */
  n?: number;
  /** Number of matrices in a CPU array. Default 1. */
  batch?: number;
}

/** A resolved input: the tensor of shape [batch, n, n] and whether it was created here. */
export interface ResolvedMatrix {
  tensor: Tensor<'f32'>;
  batch: number;
  n: number;
  owned: boolean;
}

/** Validate a matrix input and return it as a [batch, n, n] tensor (uploading CPU data). */
export function resolveMatrix(ctx: Context, a: MatrixInput, shape: MatrixShape, what: string): ResolvedMatrix {
  if (isTensor(a)) {
    if (a.dtype !== 'f32') throw new InputError(`${what}: '${a.label}' must be f32, got ${a.dtype}`);
    const s = a.shape;
    if (s.length === 2 && s[0] === s[1]) return { tensor: a.reshape([1, s[0]!, s[0]!]), batch: 1, n: s[0]!, owned: false };
    if (s.length === 3 && s[1] === s[2]) return { tensor: a, batch: s[0]!, n: s[1]!, owned: false };
    throw new InputError(`${what}: '${a.label}' has shape [${s.join(', ')}]; expected [n, n] or [batch, n, n]`);
  }
  const batch = shape.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`${what}: batch must be a positive integer, got ${batch}`);
  const perMatrix = a.length / batch;
  const n = shape.n ?? Math.round(Math.sqrt(perMatrix));
  if (!Number.isInteger(n) || n < 1 || n * n * batch !== a.length) {
    throw new InputError(`${what}: ${a.length} numbers do not form ${batch} square matrices${shape.n ? ` of order ${shape.n}` : ''}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new InputError(`${what}: entry ${i} of the matrix is ${a[i]}; entries must be finite`);
  }
  const tensor = ctx.tensor([batch, n, n], { label: `${what}.matrix`, data: a instanceof Float32Array ? a : Float32Array.from(a) });
  return { tensor, batch, n, owned: true };
}

/** Whether a matrix input is a GPU tensor (rather than CPU numbers). */
export function isTensor(a: MatrixInput): a is Tensor<'f32'> {
  return typeof a === 'object' && a !== null && 'buffer' in a && 'shape' in a && 'dtype' in a;
}

/** Philox counter tag (word 3) of the eigensolvers' start vectors. */
const START_VECTOR_TAG = 0x45494753; // 'EIGS'

/**
 * `count` vectors of length n with entries uniform in (−1, 1), from Philox under `seed` (a
 * non-negative integer below 2^53; InputError otherwise).
 */
export function startVectors(count: number, n: number, seed: number): Float32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be a non-negative integer below 2^53, got ${seed}`);
  const rand = philoxSequence(seed, { distribution: 'uniform', tag: START_VECTOR_TAG });
  return Float32Array.from({ length: count * n }, () => 2 * rand() - 1);
}

/** Thrown when an iterative eigensolver does not reach its tolerance within its iteration cap. */
export class EigConvergenceError<R = unknown> extends NumericalError {
  override name = 'EigConvergenceError';
  /** What the solver had when it stopped (values, residuals), for inspection. */
  readonly partial: R;
  constructor(message: string, partial: R) {
    super(message);
    this.partial = partial;
  }
}

export function checkPositiveInt(value: number, name: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new InputError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

export function checkPositive(value: number, name: string): void {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new InputError(`${name} must be a positive number, got ${value}`);
  }
}
