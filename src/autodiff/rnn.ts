/**
 * The rate RNN `x_{t+1} = x_t + dt (−x_t + W φ(x_t) + U u_t)` on the tape, for backpropagation
 * through time: each step is recorded (φ as an elementwise map, two matrix products, one update
 * map), so the backward pass keeps O(steps · batch · units) values — the states and the φ(x_t) of
 * every step — and nothing more.
 */
import { InputError } from '../gpu/errors.js';
import type { Tape, Var } from './tape.js';

/** Options of {@link rnnStep} and {@link rnnRollout}. */
export interface RateRNNOptions {
  /** Time step dt (> 0). */
  dt: number;
  /** Rate function φ as an expression of `x`. Default `'tanh(x)'`. */
  phi?: string;
}

/** Weights of the rate RNN: recurrent W [units, units] and input U [units, inputs]. */
export interface RateRNNWeights {
  W: Var;
  U: Var;
}

/**
 * One Euler step for a batch: `x` is [batch, units] (one row per trial), `u` is [batch, inputs].
 * Row b of the result is x_b + dt (−x_b + W φ(x_b) + U u_b).
 */
export async function rnnStep(tape: Tape, x: Var, u: Var, weights: RateRNNWeights, options: RateRNNOptions): Promise<Var> {
  const { W, U } = weights;
  const dt = options.dt;
  if (!(typeof dt === 'number' && Number.isFinite(dt) && dt > 0)) throw new InputError(`rnnStep: options.dt must be a positive number, got ${String(dt)}`);
  if (x.shape.length !== 2 || u.shape.length !== 2 || u.shape[0] !== x.shape[0]) {
    throw new InputError(`rnnStep: x must be [batch, units] and u [batch, inputs] with the same batch; got x [${x.shape.join(', ')}], u [${u.shape.join(', ')}]`);
  }
  const units = x.shape[1]!;
  if (W.shape.length !== 2 || W.shape[0] !== units || W.shape[1] !== units) {
    throw new InputError(`rnnStep: W must be [${units}, ${units}] for ${units} units; got [${W.shape.join(', ')}]`);
  }
  if (U.shape.length !== 2 || U.shape[0] !== units || U.shape[1] !== u.shape[1]) {
    throw new InputError(`rnnStep: U must be [${units}, ${u.shape[1]}] (units × inputs); got [${U.shape.join(', ')}]`);
  }
  const rate = await tape.map(options.phi ?? 'tanh(x)', { x });
  // rows are trials, so W φ(x_b) for every b is φ(X) Wᵀ
  const recurrent = await tape.matmul(rate, W, { transB: true });
  const drive = await tape.matmul(u, U, { transB: true });
  return tape.map('x + dt * (r + s - x)', { x, r: recurrent, s: drive }, { dt });
}

/** States x_0 … x_T of a rollout from `x0` [batch, units] under inputs u_0 … u_{T−1} ([batch, inputs] each). */
export async function rnnRollout(tape: Tape, x0: Var, inputs: readonly Var[], weights: RateRNNWeights, options: RateRNNOptions): Promise<Var[]> {
  const states = [x0];
  for (const u of inputs) states.push(await rnnStep(tape, states[states.length - 1]!, u, weights, options));
  return states;
}
