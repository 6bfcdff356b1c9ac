/**
 * Firing-rate theory for the leaky integrate-and-fire neuron (float64, CPU).
 *
 * - `firstPassageRate`: the stationary rate of any 1-D diffusion dV = A(V)dt + √(2D(V)) dW with
 *   threshold θ, reset V_r and refractory period τ_rp, from the first-passage double integral
 *   1/ν = τ_rp + ∫_{−∞}^{θ} dV [1/(D(V)φ(V))] ∫_{max(V,V_r)}^{θ} φ(u) du,  φ = exp(−∫ A/D)
 *   (Gardiner, Handbook of Stochastic Methods, §5.2.7; SEEDS.md §4.3), computed by quadrature.
 * - `conductanceDiffusion`: the short-τ_s (white-noise) limit of the conductance-based LIF neuron,
 *   whose multiplicative noise must be read as Stratonovich (Wong–Zakai), giving the Itô drift
 *   A(V) = −G(V − μ)/τ_L + Σ_A D_A (V − E_A)/τ_L² and D(V) = Σ_A D_A (V − E_A)²/τ_L² (SEEDS.md §4.2).
 * - `siegertRate`: the current-based Siegert/Ricciardi formula
 *   1/ν = τ_rp + τ√π ∫_{(V_r−μ)/σ}^{(θ−μ)/σ} e^{x²}(1 + erf x) dx  (Siegert 1951; Brunel 2000),
 *   with the integrand written as erfcx(−x) so it never overflows for sub-threshold means.
 */
import { InputError } from '../../gpu/errors.js';
import { erf, erfcx } from '../../reference/special.js';
import type { LifParams } from './reference.js';

/** A 1-D diffusion dV = A(V) dt + √(2 D(V)) dW (Itô), with threshold, reset and refractoriness. */
export interface Diffusion1D {
  /** Itô drift A(V), mV/ms. */
  drift: (v: number) => number;
  /** Diffusion coefficient D(V) > 0 below threshold, mV²/ms. */
  diffusion: (v: number) => number;
  threshold: number;
  reset: number;
  /** ms. */
  refractory: number;
  /** Natural lower boundary (where D vanishes), if any: the integral starts just above it. */
  lowerBoundary?: number;
  /** Typical voltage scale used to choose the integration range; default |θ − V_r|. */
  scale?: number;
}

export interface QuadratureOptions {
  /** Grid cells between the reset and the threshold (the rest of the grid has the same spacing). Default 4000. */
  cellsPerReset?: number;
}

/** Gauss–Legendre 5-point nodes and weights on [−1, 1]. */
const GL_X = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_W = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];

function gaussLegendre(f: (x: number) => number, a: number, b: number): number {
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let s = 0;
  for (let k = 0; k < 5; k++) s += GL_W[k]! * f(mid + half * GL_X[k]!);
  return s * half;
}

/**
 * Stationary firing rate (spikes per ms) of a 1-D diffusion with threshold/reset, by quadrature of the
 * first-passage double integral. The order of integration is swapped,
 * 1/ν − τ_rp = ∫_{V_r}^{θ} du ∫_{−∞}^{u} dV exp(Ψ(V) − Ψ(u)) / D(V),  Ψ = ∫ A/D,
 * and the inner integral I(u) is carried along the grid as I(u') = I(u)e^{Ψ(u)−Ψ(u')} + ∫_u^{u'} …,
 * so no exponential is ever formed on its own (no overflow for large barriers). Ψ is integrated
 * with 5-point Gauss–Legendre per half cell and the cell integrals by Simpson's rule: error O(h⁴).
 */
export function firstPassageRate(model: Diffusion1D, options: QuadratureOptions = {}): number {
  const { drift, diffusion, threshold, reset, refractory } = model;
  if (!(threshold > reset)) throw new InputError(`threshold (${threshold}) must be above the reset (${reset})`);
  if (!(refractory >= 0)) throw new InputError(`refractory period must be ≥ 0, got ${refractory}`);
  const cells = 2 * Math.ceil((options.cellsPerReset ?? 4000) / 2); // even, for Simpson
  const h = (threshold - reset) / cells;
  const scale = model.scale ?? threshold - reset;
  const ratio = (v: number): number => drift(v) / diffusion(v);
  const lower = model.lowerBoundary;

  // Walk downward from the reset until the stationary density is negligible (relative 1e-18) or
  // the natural boundary is reached; the grid then runs upward from there.
  let steps = 0;
  let psiDrop = 0; // Ψ(V_r) − Ψ(V), accumulated downward
  let v = reset;
  const maxSteps = 200 * cells;
  for (;;) {
    const next = v - h;
    if (lower !== undefined && next <= lower + 1e-9 * scale) break;
    psiDrop += gaussLegendre(ratio, next, v);
    v = next;
    steps++;
    // Density ∝ e^{Ψ}/D, relative to its value at the reset; stop when it is below 1e-18 and falling.
    const rel = Math.exp(-psiDrop) * diffusion(reset) / diffusion(v);
    if (rel < 1e-18 && ratio(v) > 0) break;
    if (steps > maxSteps) throw new InputError('the stationary density does not decay below the reset; is the drift confining?');
  }
  const start = v;
  const n = steps + cells; // cells on the whole grid
  // I(u) on the grid points from V_r to θ (the outer integral uses composite Simpson over them).
  const innerOnGrid = new Float64Array(cells + 1);
  let inner = 0; // I(u) at the current grid point
  for (let j = 0; j < n; j++) {
    const a = start + j * h;
    const b = j === n - 1 ? threshold : start + (j + 1) * h;
    const m = (a + b) / 2;
    const psiMB = gaussLegendre(ratio, m, b); // Ψ(b) − Ψ(m)
    const psiAB = gaussLegendre(ratio, a, m) + psiMB; // Ψ(b) − Ψ(a)
    const cell = ((b - a) / 6) * (Math.exp(-psiAB) / diffusion(a) + 4 * Math.exp(-psiMB) / diffusion(m) + 1 / diffusion(b));
    inner = inner * Math.exp(-psiAB) + cell;
    if (j + 1 >= steps) innerOnGrid[j + 1 - steps] = inner;
  }
  if (steps === 0) innerOnGrid[0] = 0;
  let outer = 0;
  for (let k = 0; k + 2 <= cells; k += 2) {
    outer += (h / 3) * (innerOnGrid[k]! + 4 * innerOnGrid[k + 1]! + innerOnGrid[k + 2]!);
  }
  return 1 / (refractory + outer);
}

/**
 * The white-noise (τ_s → 0) limit of the conductance-based LIF neuron as an Itô diffusion, with the
 * Stratonovich (noise-induced) drift included (`'stratonovich'`, the correct reading), left out
 * (`'ito'`, the naive and wrong reading, for comparison), or scaled by a number κ (the limit of a
 * time-discretised simulation, see {@link emNoiseDriftFactor}).
 */
export function conductanceDiffusion(p: LifParams, interpretation: 'stratonovich' | 'ito' | number = 'stratonovich'): Diffusion1D {
  validateLif(p);
  const G = 1 + p.gE + p.gI;
  const mu = meanPotential(p);
  const t2 = p.tauL * p.tauL;
  const spurious = interpretation === 'stratonovich' ? 1 : interpretation === 'ito' ? 0 : interpretation;
  if (!Number.isFinite(spurious)) throw new InputError(`noise-drift factor must be a finite number, got ${interpretation}`);
  const drift = (v: number): number => -G * (v - mu) / p.tauL + spurious * (p.DE * (v - p.EE) + p.DI * (v - p.EI)) / t2;
  const diffusion = (v: number): number => (p.DE * (v - p.EE) ** 2 + p.DI * (v - p.EI) ** 2) / t2;
  // D vanishes only at a reversal potential when the other noise is absent (or both are equal).
  let lowerBoundary: number | undefined;
  const zeros = [p.DE > 0 && p.DI === 0 ? p.EE : NaN, p.DI > 0 && p.DE === 0 ? p.EI : NaN, p.EE === p.EI ? p.EE : NaN];
  for (const z of zeros) if (z < p.reset) lowerBoundary = Math.max(lowerBoundary ?? -Infinity, z);
  return { drift, diffusion, threshold: p.threshold, reset: p.reset, refractory: p.refractory, lowerBoundary };
}

/**
 * The fraction κ of the noise-induced drift that an Euler–Maruyama simulation with dt = τ_s / r
 * keeps as τ_s → 0 at fixed r. The EM OU sequence has variance s²/(1 − 1/(2r)) and lag-k
 * correlation (1 − 1/r)^k, so its total intensity h Σ_k C(k) is exactly 2s²τ_s (the diffusion is
 * right), but v_n only feels x_{n−1}, x_{n−2}, …: the one-sided sum h Σ_{k≥1} C(k) that sets the
 * drift is s²τ_s (1 − 1/r)/(1 − 1/(2r)) instead of s²τ_s. κ → 1 as r → ∞ (0.947 at r = 10).
 */
export function emNoiseDriftFactor(dtRatio: number): number {
  if (!(dtRatio >= 1)) throw new InputError(`dtRatio must be ≥ 1, got ${dtRatio}`);
  return (1 - 1 / dtRatio) / (1 - 1 / (2 * dtRatio));
}

/** Effective reversal potential μ = (E_L + ḡ_E E_E + ḡ_I E_I)/G. */
export function meanPotential(p: LifParams): number {
  return (p.EL + p.gE * p.EE + p.gI * p.EI) / (1 + p.gE + p.gI);
}

/** Effective membrane time constant τ_L / G, ms. */
export function effectiveTau(p: LifParams): number {
  return p.tauL / (1 + p.gE + p.gI);
}

const LIF_KEYS: (keyof LifParams)[] = ['tauL', 'EL', 'EE', 'EI', 'gE', 'gI', 'DE', 'DI', 'threshold', 'reset', 'refractory'];

function validateLif(p: LifParams): void {
  for (const name of LIF_KEYS) {
    const value = p[name];
    if (!Number.isFinite(value)) throw new InputError(`LIF parameter '${name}' must be a finite number, got ${value}`);
  }
  if (!(p.tauL > 0)) throw new InputError(`tauL must be > 0 ms, got ${p.tauL}`);
  if (p.gE < 0 || p.gI < 0) throw new InputError(`mean conductances must be ≥ 0, got gE=${p.gE}, gI=${p.gI}`);
  if (p.DE < 0 || p.DI < 0) throw new InputError(`noise intensities must be ≥ 0, got DE=${p.DE}, DI=${p.DI}`);
  if (p.DE === 0 && p.DI === 0) throw new InputError('at least one of DE, DI must be > 0 (no noise: the rate is deterministic)');
  if (!(p.threshold > p.reset)) throw new InputError(`threshold (${p.threshold}) must be above the reset (${p.reset})`);
  if (p.refractory < 0) throw new InputError(`refractory must be ≥ 0 ms, got ${p.refractory}`);
}

/** Current-based LIF: τ dV/dt = −(V − μ) + σ√τ η(t); the free-membrane standard deviation is σ/√2. */
export interface SiegertParams {
  /** Mean input μ, mV. */
  mu: number;
  /** Noise amplitude σ, mV. */
  sigma: number;
  /** Membrane time constant τ, ms. */
  tau: number;
  threshold: number;
  reset: number;
  /** ms. */
  refractory: number;
}

/** Siegert rate (spikes per ms) of the current-based LIF neuron; 64-panel Gauss–Legendre of erfcx(−x). */
export function siegertRate(p: SiegertParams): number {
  if (!(p.sigma > 0) || !(p.tau > 0)) throw new InputError(`sigma and tau must be > 0, got sigma=${p.sigma}, tau=${p.tau}`);
  if (!(p.threshold > p.reset)) throw new InputError(`threshold (${p.threshold}) must be above the reset (${p.reset})`);
  const a = (p.reset - p.mu) / p.sigma;
  const b = (p.threshold - p.mu) / p.sigma;
  const panels = 256;
  let integral = 0;
  for (let k = 0; k < panels; k++) {
    integral += gaussLegendre((x) => erfcx(-x), a + ((b - a) * k) / panels, a + ((b - a) * (k + 1)) / panels);
  }
  return 1 / (p.refractory + p.tau * Math.sqrt(Math.PI) * integral);
}

/** The current-based diffusion with the same μ, σ, τ, for checking `firstPassageRate` against `siegertRate`. */
export function additiveDiffusion(p: SiegertParams): Diffusion1D {
  const d = (p.sigma * p.sigma) / (2 * p.tau);
  return {
    drift: (v) => -(v - p.mu) / p.tau,
    diffusion: () => d,
    threshold: p.threshold,
    reset: p.reset,
    refractory: p.refractory,
    scale: p.sigma,
  };
}

/**
 * The Gaussian (effective-time-constant) approximation of the conductance neuron as a current-based
 * one: μ, τ_eff = τ_L/G, and σ² = 2 D(μ) τ_eff (noise frozen at the mean potential).
 */
export function siegertApproximation(p: LifParams): SiegertParams {
  const mu = meanPotential(p);
  const tau = effectiveTau(p);
  const dMu = (p.DE * (mu - p.EE) ** 2 + p.DI * (mu - p.EI) ** 2) / (p.tauL * p.tauL);
  return { mu, sigma: Math.sqrt(2 * dMu * tau), tau, threshold: p.threshold, reset: p.reset, refractory: p.refractory };
}

/** Default neuron (ms, mV, conductances in leak units): inhibition-dominated noise, where the
 * noise-induced (Stratonovich) drift raises the rate by about a quarter over the Itô reading. */
export const DEFAULT_LIF: LifParams = {
  tauL: 20, EL: -70, EE: 0, EI: -80, gE: 0.6, gI: 1, DE: 0.02, DI: 3, threshold: -50, reset: -60, refractory: 2,
};

/** The theory numbers of the `lif-rate` experiment, in Hz. */
export interface LifTheory {
  /** Short-τ_s limit, first-passage quadrature with the Stratonovich drift. */
  theoryHz: number;
  /** The same quadrature with the noise read as Itô (no noise-induced drift): the wrong answer. */
  itoHz: number;
  /** What the Euler–Maruyama simulation with dt = τ_s/dtRatio converges to as τ_s → 0 (κ-scaled drift). */
  schemeHz: number;
  /** Current-based Siegert rate with μ, τ_eff = τ_L/G and σ² = 2D(μ)τ_eff (noise frozen at μ). */
  siegertHz: number;
  /** Check of the quadrature: it must reproduce the Siegert rate for the same additive-noise problem. */
  quadratureCheck: { siegertHz: number; quadratureHz: number; relError: number };
}

/** The theory numbers for a neuron (Hz); `dtRatio` (default 10) sets `schemeHz`. */
export function lifTheory(p: LifParams, dtRatio = 10): LifTheory {
  const siegert = siegertApproximation(p);
  const siegertHz = 1000 * siegertRate(siegert);
  const quadratureHz = 1000 * firstPassageRate(additiveDiffusion(siegert));
  return {
    theoryHz: 1000 * firstPassageRate(conductanceDiffusion(p, 'stratonovich')),
    itoHz: 1000 * firstPassageRate(conductanceDiffusion(p, 'ito')),
    schemeHz: 1000 * firstPassageRate(conductanceDiffusion(p, emNoiseDriftFactor(dtRatio))),
    siegertHz,
    quadratureCheck: { siegertHz, quadratureHz, relError: Math.abs(quadratureHz - siegertHz) / siegertHz },
  };
}

