/**
 * Reservoir sampling through the network engine (src/network) instead of the fused sampler of
 * sample.ts: the same firing-rate dynamics (SEEDS.md §5.3),
 *   h ← h + dt·(−h + φ(W_rec h + b₂)) + √(2dt) Σ ξ,   W_rec = W₂W₁,  x = W_out h = W₁h,
 * written as two populations and two continuous projections:
 * - `reservoir` (N neurons): drift −h + φ(rec + b) + √2·nz, no noise of its own;
 *   `rec` = W_rec h (projection reservoir → reservoir, dense N × N);
 * - `noise` (d neurons): y ← y − y·(dt⁻¹)·dt + dt⁻¹·√dt ξ = ξ/√dt, i.e. each step it holds the
 *   step's standard normals divided by √dt; `nz` = Σ y (projection noise → reservoir, Σ = N × d).
 * So dt·√2·Σ y = √(2dt) Σ ξ: the engine's per-neuron noise becomes the rank-d noise through Σ.
 * Continuous inputs are read before the populations step, so the reservoir sees the noise drawn one
 * step earlier (and none at step 0, y₀ = 0). The ξ stay i.i.d. and independent of the current h, so
 * the chain, and its stationary law, are those of the fused sampler; only the random numbers differ.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { defineNetwork, simulateNetwork, type Network } from '../../network/index.js';
import type { ScoreModel } from './reference.js';
import { noiseMap, type ReservoirSampleOptions } from './sample.js';

/** Options of {@link sampleReservoirNetwork}: those of the fused sampler, which has steps per dispatch and this engine does not. */
export type ReservoirNetworkOptions = Omit<ReservoirSampleOptions, 'stepsPerDispatch'>;

/** The reservoir of `model` as a network of the engine (see the file comment). */
export function reservoirNetwork(model: ScoreModel, options: Pick<ReservoirNetworkOptions, 'dt' | 'init' | 'activation'> = {}): Network {
  const { dim: d, hidden: n } = model;
  const dt = options.dt ?? 0.01;
  const activation = options.activation ?? model.activation;
  if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`rsn: dt must be a positive number, got ${dt}`);
  if (!['relu', 'tanh', 'linear'].includes(activation)) throw new InputError(`rsn: activation must be relu, tanh or linear, got '${activation}'`);
  const phi = activation === 'linear' ? '(rec + b)' : `${activation}(rec + b)`;
  const wRec = new Float64Array(n * n); // row i = postsynaptic neuron: (W₂W₁)_ij
  const bias = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bias[i] = model.w2a[i * (d + 1) + d]!;
    for (let a = 0; a < d; a++) {
      const w2 = model.w2a[i * (d + 1) + a]!;
      for (let j = 0; j < n; j++) wRec[i * n + j] = wRec[i * n + j]! + w2 * model.w1[a * n + j]!;
    }
  }
  return defineNetwork({
    name: 'rsn-reservoir',
    populations: {
      reservoir: {
        size: n,
        model: {
          state: { h: { init: (options.init ?? 'normal') === 'normal' ? 'randn()' : '4 * rand() - 2' } },
          params: { b: 0, sqrt2: Math.SQRT2 },
          drift: { h: `-h + ${phi} + sqrt2 * nz` },
        },
        params: { b: bias },
      },
      noise: {
        size: d,
        model: { state: { y: { init: 0 } }, params: { rdt: 1 / dt }, drift: { y: '-y * rdt' }, diffusion: { y: 'rdt' } },
      },
    },
    projections: [
      { from: 'reservoir', to: 'reservoir', on: 'step', source: 'h', target: 'rec', weights: wRec },
      { from: 'noise', to: 'reservoir', on: 'step', source: 'y', target: 'nz', weights: noiseMap(model.w1, d, n) },
    ],
  });
}

/** Run C reservoir chains on the network engine; returns x = W₁h (C × d, float64). */
export async function sampleReservoirNetwork(ctx: Context, model: ScoreModel, options: ReservoirNetworkOptions): Promise<Float64Array> {
  const { dim: d, hidden: n } = model;
  const dt = options.dt ?? 0.01;
  const net = reservoirNetwork(model, options);
  const run = await simulateNetwork(ctx, net, {
    trials: options.chains, steps: options.steps, dt, seed: options.seed ?? 0,
    record: { final: true, stats: false, spikeCapacity: 0 },
  });
  const h = run.populations.reservoir!.final!;
  const x = new Float64Array(options.chains * d);
  for (let c = 0; c < options.chains; c++) {
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += model.w1[a * n + i]! * h[c * n + i]!;
      x[c * d + a] = s;
    }
  }
  if (run.nonFinite > 0) throw new Error(`rsn: ${run.nonFinite} of ${options.chains} chains became non-finite on the network engine; lower dt (${dt})`);
  return x;
}
