/**
 * lif-rate theory (CPU, float64): the first-passage quadrature against the Siegert formula for
 * additive noise, against an independent finite-difference solution of the backward equation for
 * multiplicative (conductance) noise, and the float64 reference simulation's threshold/reset logic.
 */
import { describe, expect, it } from 'vitest';
import {
  additiveDiffusion, conductanceDiffusion, DEFAULT_LIF, lifTheory, firstPassageRate, meanPotential, siegertApproximation, siegertRate,
  type Diffusion1D,
} from '../../src/models/lif-rate/theory.js';
import { rateFromCounts, simulateLifReference, type LifParams } from '../../src/models/lif-rate/reference.js';
import { erfcx } from '../../src/reference/special.js';
import { testRng } from '../helpers/device.js';
import { erf } from '../helpers/stats.js';

/**
 * Mean first-passage time T(V_r) from the backward equation D T'' + A T' = −1, T(θ) = 0, reflecting
 * (T' = 0) at a far lower bound, by second-order central differences on a uniform grid: an
 * independent method (a tridiagonal solve, no double integral).
 */
function backwardEquationRate(m: Diffusion1D, lower: number, cells: number): number {
  const h = (m.threshold - lower) / cells;
  const n = cells; // unknowns T_0 … T_{n−1}; T_n = T(θ) = 0
  const a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n), r = new Float64Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = lower + i * h;
    const D = m.diffusion(v), A = m.drift(v);
    a[i] = D / (h * h) - A / (2 * h);
    b[i] = (-2 * D) / (h * h);
    c[i] = D / (h * h) + A / (2 * h);
  }
  // Reflecting at i = 0: ghost T_{−1} = T_1.
  c[0] = c[0]! + a[0]!;
  a[0] = 0;
  // Thomas algorithm.
  for (let i = 1; i < n; i++) {
    const w = a[i]! / b[i - 1]!;
    b[i] = b[i]! - w * c[i - 1]!;
    r[i] = r[i]! - w * r[i - 1]!;
  }
  const T = new Float64Array(n);
  T[n - 1] = r[n - 1]! / b[n - 1]!;
  for (let i = n - 2; i >= 0; i--) T[i] = (r[i]! - c[i]! * T[i + 1]!) / b[i]!;
  const k = Math.round((m.reset - lower) / h);
  return 1 / (m.refractory + T[k]!);
}

describe('lif-rate theory', () => {
  it('erfcx is stable and equals e^{x²} erfc x', () => {
    for (const x of [-3, -1.2, -0.3, 0, 0.4, 1.7, 2.2]) {
      const expected = Math.exp(x * x) * (1 - erf(x));
      expect(Math.abs(erfcx(x) - expected) / expected, `x = ${x}`).toBeLessThan(1e-11);
    }
    // Far tail: erfcx(x) ≈ 1/(x√π) (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶)), next term ~1e-11; no overflow at x = 30 or −25.
    const x = 30;
    expect(erfcx(x) * x * Math.sqrt(Math.PI)).toBeCloseTo(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4) - 15 / (8 * x ** 6), 10);
    expect(Number.isFinite(erfcx(-25))).toBe(true);
  });

  it('Siegert formula equals brute-force integration of e^{x²}(1 + erf x)', () => {
    const p = { mu: -58, sigma: 4, tau: 10, threshold: -50, reset: -60, refractory: 2 };
    const a = (p.reset - p.mu) / p.sigma, b = (p.threshold - p.mu) / p.sigma;
    const n = 20000; // composite Simpson, O(h⁴)
    let s = 0;
    for (let k = 0; k <= n; k++) {
      const x = a + ((b - a) * k) / n;
      s += (k === 0 || k === n ? 1 : k % 2 ? 4 : 2) * Math.exp(x * x) * (1 + erf(x));
    }
    const expected = 1 / (p.refractory + p.tau * Math.sqrt(Math.PI) * s * (b - a) / (3 * n));
    expect(Math.abs(siegertRate(p) - expected) / expected).toBeLessThan(1e-10);
  });

  it('the quadrature reduces to the Siegert formula for additive noise (random parameters)', () => {
    const rng = testRng(61);
    for (let k = 0; k < 12; k++) {
      // Means from 15 mV below to 5 mV above threshold, σ from 1 to 10 mV: rates from ~1e-6 to ~200 Hz.
      const p = {
        mu: -65 + 20 * rng(), sigma: 1 + 9 * rng(), tau: 5 + 20 * rng(),
        threshold: -50, reset: -60 + 5 * rng(), refractory: 3 * rng(),
      };
      const quadrature = firstPassageRate(additiveDiffusion(p));
      const siegert = siegertRate(p);
      expect(Math.abs(quadrature - siegert) / siegert, JSON.stringify(p)).toBeLessThan(1e-8);
    }
  });

  it('the quadrature matches an independent backward-equation solve with conductance noise (both readings)', () => {
    for (const interpretation of ['stratonovich', 'ito'] as const) {
      const m = conductanceDiffusion(DEFAULT_LIF, interpretation);
      const quadrature = firstPassageRate(m);
      // Second-order finite differences: two grids and Richardson extrapolation, error ≪ 1e-5.
      const lower = DEFAULT_LIF.reset - 60; // the reset falls on both grids
      const coarse = backwardEquationRate(m, lower, 7000);
      const fine = backwardEquationRate(m, lower, 14000);
      const extrapolated = (4 * fine - coarse) / 3;
      expect(Math.abs(quadrature - extrapolated) / extrapolated, interpretation).toBeLessThan(1e-5);
    }
  });

  it('the quadrature has converged on its default grid', () => {
    const m = conductanceDiffusion(DEFAULT_LIF);
    const coarse = firstPassageRate(m, { cellsPerReset: 1000 });
    const fine = firstPassageRate(m, { cellsPerReset: 8000 });
    expect(Math.abs(firstPassageRate(m) - fine) / fine).toBeLessThan(1e-9);
    expect(Math.abs(coarse - fine) / fine).toBeLessThan(1e-8);
  });

  it('the noise-induced (Stratonovich) drift matters for the default neuron, and validation speaks the user\'s terms', () => {
    const t = lifTheory(DEFAULT_LIF);
    expect(t.quadratureCheck.relError).toBeLessThan(1e-8);
    // Inhibitory noise (V − E_I ≈ 20 mV) has a drift D_I (V − E_I)/τ_L² pushing V up: more firing.
    expect(t.theoryHz / t.itoHz).toBeGreaterThan(1.15);
    expect(() => conductanceDiffusion({ ...DEFAULT_LIF, DE: 0, DI: 0 })).toThrow(/at least one of DE, DI/);
    expect(() => conductanceDiffusion({ ...DEFAULT_LIF, reset: -40 })).toThrow(/threshold \(-50\) must be above the reset \(-40\)/);
  });

  it('only-inhibitory noise has a natural boundary at E_I and still integrates', () => {
    const p: LifParams = { ...DEFAULT_LIF, DE: 0, DI: 2 };
    const m = conductanceDiffusion(p);
    expect(m.lowerBoundary).toBe(p.EI);
    const lower = p.EI + 1e-6;
    const fd = backwardEquationRate(m, lower, 16000);
    expect(Math.abs(firstPassageRate(m) - fd) / fd).toBeLessThan(1e-3);
  });

  it('the Siegert approximation freezes the noise at μ', () => {
    const s = siegertApproximation(DEFAULT_LIF);
    expect(s.mu).toBeCloseTo(meanPotential(DEFAULT_LIF), 12);
    expect(s.tau).toBeCloseTo(DEFAULT_LIF.tauL / (1 + DEFAULT_LIF.gE + DEFAULT_LIF.gI), 12);
  });
});

describe('lif-rate float64 reference simulation', () => {
  it('without noise fires at the deterministic rate 1/(τ_rp + τ_eff ln((μ − V_r)/(μ − θ)))', () => {
    // Suprathreshold mean: μ = (−70 + 2·0 + 0.5·(−80))/3.5 ≈ −31.4 mV > θ.
    const p: LifParams = { ...DEFAULT_LIF, gE: 2, gI: 0.5, DE: 0, DI: 0 };
    const mu = meanPotential(p);
    const tauEff = p.tauL / (1 + p.gE + p.gI);
    const dt = 0.001;
    const expected = 1000 / (p.refractory + tauEff * Math.log((mu - p.reset) / (mu - p.threshold)));
    const r = simulateLifReference(p, { tauS: 1, dt, steps: 500_000, warmupSteps: 0, trials: 1, seed: 1 });
    const { rateHz } = rateFromCounts(r.counts, r.durationMs);
    // Spikes land on the dt grid: the period is off by at most 2 dt per spike (crossing + refractory rounding).
    const period = 1000 / expected;
    expect(Math.abs(rateHz - expected)).toBeLessThanOrEqual(expected * (2 * dt) / period + 1000 / (r.durationMs));
  });

  it('rateFromCounts gives the mean rate and its standard error', () => {
    const { rateHz, stderrHz } = rateFromCounts([1, 3, 5, 3], 500);
    expect(rateHz).toBeCloseTo(6, 12);
    expect(stderrHz).toBeCloseTo(2 * Math.sqrt(8 / 3 / 4), 12);
  });
});
