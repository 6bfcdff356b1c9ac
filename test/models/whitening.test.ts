import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/gpu/errors.js';
import { runWhiteningTrials, whiteningCovariance, whiteningInitialState } from '../../src/models/whitening/index.js';
import {
  symmetricEigen, whiteningDirectTime, whiteningDirectTrajectory, whiteningInterneuronTrajectory,
  whiteningStepsReference, whiteningTheoryConvergenceTime, whiteningTheoryError,
} from '../../src/models/whitening/reference.js';
import { matmulDense } from '../../src/reference/dense.js';
import { expectClose, gpuIt } from '../helpers/device.js';

/** Classical RK4 for a scalar ODE (float64), the independent check of the closed forms. */
function rk4(f: (m: number) => number, m0: number, t: number, steps = 4000): number {
  const h = t / steps;
  let m = m0;
  for (let i = 0; i < steps; i++) {
    const k1 = f(m);
    const k2 = f(m + (h / 2) * k1);
    const k3 = f(m + (h / 2) * k2);
    const k4 = f(m + h * k3);
    m += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return m;
}

/** M(t) = U diag(m_i(t)) Uᵀ from the closed forms, for M₀ = m₀I. */
function closedFormMatrix(network: 'direct' | 'interneuron', cov: Float64Array, n: number, m0: number, t: number): Float64Array {
  const { values, vectors } = symmetricEigen(cov, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const m = network === 'direct' ? whiteningDirectTrajectory(values[k]!, m0, t) : whiteningInterneuronTrajectory(values[k]!, m0, t);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j]! += vectors[i * n + k]! * m * vectors[j * n + k]!;
  }
  return out;
}

describe('whitening closed forms (SEEDS §1.3, CPU)', () => {
  it('scalar trajectories solve dm/dt = λ/m² − 1 and dm/dt = 2(λ/m − m) (RK4 to 1e-9)', () => {
    for (const [lambda, m0, t] of [[0.5, 6, 2.5], [2, 0.3, 1.7], [1.3, 40, 12]] as const) {
      expect(Math.abs(whiteningDirectTrajectory(lambda, m0, t) - rk4((m) => lambda / (m * m) - 1, m0, t))).toBeLessThan(1e-9);
      expect(Math.abs(whiteningInterneuronTrajectory(lambda, m0, t) - rk4((m) => 2 * (lambda / m - m), m0, t))).toBeLessThan(1e-9);
      // t(m) inverts m(t).
      expect(whiteningDirectTime(lambda, m0, whiteningDirectTrajectory(lambda, m0, t))).toBeCloseTo(t, 9);
    }
  });

  it('convergence time is linear in m0 (slope → 1) for the direct network and ½·ln m0 for interneurons', () => {
    const lambdas = [0.25, 1, 4];
    const tD = (m: number) => whiteningTheoryConvergenceTime('direct', lambdas, m, 0.01);
    const tI = (m: number) => whiteningTheoryConvergenceTime('interneuron', lambdas, m, 0.01);
    expect(whiteningTheoryError('direct', lambdas, 50, tD(50))).toBeCloseTo(0.01, 9);
    expect((tD(400) - tD(200)) / 200).toBeCloseTo(1, 3);
    expect((tI(400) - tI(200)) / Math.log(2)).toBeCloseTo(0.5, 3);
  });
});

describe('whitening trials on the GPU', () => {
  const cov = whiteningCovariance(5, { lambdaMin: 0.3, lambdaMax: 3, seed: 7 });

  for (const network of ['direct', 'interneuron'] as const) {
    for (const mode of ['online', 'ode'] as const) {
      gpuIt(`${network} ${mode}: equals the float64 twin step for step (n = 5, k = 7, chunks of 5 steps)`, async (ctx) => {
        const m0 = [2.5, 0.7];
        const seeds = 2;
        const eta = 0.03;
        const steps = 13;
        const r = await runWhiteningTrials(ctx, {
          network, mode, covariance: cov, k: 7, m0, seeds, batch: 3, eta, tol: 0.6, seed: 11,
          maxTime: steps * eta, settleTime: 100, stepsPerDispatch: 5,
        });
        expect(r.steps).toBe(steps);
        for (let mi = 0; mi < m0.length; mi++) {
          for (let si = 0; si < seeds; si++) {
            const t = mi * seeds + si;
            const k = network === 'direct' ? 5 : 7;
            const state = whiteningInitialState(network, 5, k, m0[mi]!, 11, si);
            const ref = whiteningStepsReference(
              { network, mode, n: 5, k, batch: 3, eta, cov: cov.cov, sqrtCov: cov.sqrtCov, tol: 0.6, seed: 11, stream: si }, state, 0, steps);
            const expected = network === 'direct' ? state : matmulDense(state, state, 5, k, 5, { transB: true });
            // f32 arithmetic over 13 steps of O(1) updates: errors of a few 1e-6 relative; 1e-4 is safe.
            expectClose(r.finalM[t]!, expected, { atol: 1e-4, rtol: 1e-4 }, `trial ${t} final M`);
            expect(r.finalError[t]).toBeCloseTo(ref.error, 4);
            const refTime = ref.firstBelow < 0 ? NaN : (ref.firstBelow + 1) * eta;
            if (Number.isNaN(refTime)) expect(r.convergenceTime[t]).toBeNaN();
            else expect(r.convergenceTime[t]).toBeCloseTo(refTime, 6);
          }
        }
      });
    }
  }

  gpuIt('averaged ODE follows the closed-form trajectories, with first-order Euler error', async (ctx) => {
    const n = 4;
    const c4 = whiteningCovariance(n, { lambdaMin: 0.5, lambdaMax: 2, seed: 3 });
    for (const network of ['direct', 'interneuron'] as const) {
      const errors: number[] = [];
      for (const eta of [0.01, 0.005]) {
        const r = await runWhiteningTrials(ctx, { network, mode: 'ode', covariance: c4, m0: [3], eta, tol: 1e-9, maxTime: 1, settleTime: 0, stepsPerDispatch: 1000 });
        const exact = closedFormMatrix(network, c4.cov, n, 3, 1);
        errors.push(Math.max(...exact.map((x, i) => Math.abs(x - r.finalM[0]![i]!))));
      }
      // Euler is first order: halving dt halves the error (ratio 2 within 20 %), and it is small.
      expect(errors[0]).toBeLessThan(0.02);
      expect(errors[0]! / errors[1]!).toBeGreaterThan(1.6);
      expect(errors[0]! / errors[1]!).toBeLessThan(2.4);
    }
  });

  gpuIt('fixed points: M* = C^{1/2}, (WWᵀ)* = C^{1/2}, whitened covariance M⁻¹CM⁻¹ = I', async (ctx) => {
    for (const network of ['direct', 'interneuron'] as const) {
      const r = await runWhiteningTrials(ctx, { network, mode: 'ode', covariance: cov, m0: [2], eta: 0.02, tol: 1e-9, maxTime: network === 'direct' ? 30 : 8, settleTime: 0, stepsPerDispatch: 1000 });
      const m = r.finalM[0]!;
      // The f32 fixed point is where the f32 drive M⁻¹CM⁻¹ − I vanishes: Cholesky solves with
      // κ(M) ≈ 3 leave ~1e-5 in the drive, which shifts M by about that much; 1e-4 is safe.
      expectClose(m, cov.sqrtCov, { atol: 1e-4 }, `${network}: final M`);
      const { values, vectors } = symmetricEigen(m, 5);
      const inv = new Float64Array(25);
      for (let k = 0; k < 5; k++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) inv[i * 5 + j]! += (vectors[i * 5 + k]! * vectors[j * 5 + k]!) / values[k]!;
      const crr = matmulDense(matmulDense(inv, cov.cov, 5, 5, 5), inv, 5, 5, 5);
      expectClose(crr, Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 1 : 0)), { atol: 1e-4 }, `${network}: C_rr`);
    }
  });

  gpuIt('ODE convergence times match the closed form; online times scatter around them', async (ctx) => {
    const m0 = [4, 16];
    const theory = {
      direct: m0.map((m) => whiteningTheoryConvergenceTime('direct', cov.lambdas, m, 0.05)),
      interneuron: m0.map((m) => whiteningTheoryConvergenceTime('interneuron', cov.lambdas, m, 0.05)),
    };
    for (const network of ['direct', 'interneuron'] as const) {
      const ode = await runWhiteningTrials(ctx, { network, mode: 'ode', covariance: cov, m0, eta: 0.002, tol: 0.05, settleTime: 0, stepsPerDispatch: 4000 });
      // Euler with dt = 0.002 shifts the crossing by O(dt·t): 1 % is a generous bound.
      expectClose(ode.convergenceTime, theory[network], { rtol: 0.01, atol: 0.004 }, `${network} ODE times`);
      const online = await runWhiteningTrials(ctx, { network, covariance: cov, m0, seeds: 2, batch: 32, eta: 0.01, tol: 0.05, settleTime: 0, stepsPerDispatch: 1000 });
      // Sampling noise (batch 32) moves the crossing of a 5 % tolerance by a few percent.
      for (let t = 0; t < 4; t++) expect(Math.abs(online.convergenceTime[t]! / theory[network][t >> 1]! - 1)).toBeLessThan(0.15);
    }
  });

  it('rejects bad sizes before any GPU work', async () => {
    await expect(runWhiteningTrials(null as never, { network: 'interneuron', covariance: cov, k: 3, m0: [1] })).rejects.toThrow(InputError);
    await expect(runWhiteningTrials(null as never, { network: 'direct', covariance: cov, m0: [] })).rejects.toThrow(/m0/);
    expect(() => whiteningCovariance(17)).toThrow(/n must be/);
  });
});
