/**
 * Float64 CPU twin of the Morris–Lecar neuron as Hazelden et al. integrate it (SEEDS.md §6.3):
 * a semi-implicit (Crank–Nicolson-type) update of the gating variable w, then of V with the new w,
 * at dt = 0.1 ms. Also the fixed-point theory of the same map: its fixed points are those of the
 * continuous equations, so the resting potential, the saddle-node current (the SNIC onset of a
 * class-I neuron) and the stability of the upper branch (depolarisation block) follow from the
 * steady-state current–voltage curve I_ss(V) and the map's Jacobian.
 *
 * Units: mV, ms, μA/cm², μF/cm², mS/cm².
 */
import { InputError } from '../../gpu/errors.js';

/** Parameters of the Morris–Lecar neuron (defaults: {@link DEFAULT_ML}). */
export interface MorrisLecarParams {
  /** Membrane capacitance C, μF/cm². */
  C: number;
  gCa: number;
  gK: number;
  gL: number;
  ECa: number;
  EK: number;
  EL: number;
  /** Rate factor φ of the K⁺ gate. */
  phi: number;
  V1: number;
  V2: number;
  V3: number;
  V4: number;
  /** Time step, ms. */
  dt: number;
}

/** The network parameters of the reference code (SEEDS.md §6.3); dt = 0.1 ms. */
export const DEFAULT_ML: Readonly<MorrisLecarParams> = Object.freeze({
  C: 20, gCa: 4, gK: 8, gL: 2, ECa: 120, EK: -84, EL: -60,
  phi: 2 / 30, V1: -1.2, V2: 18, V3: 12, V4: 17, dt: 0.1,
});

/** Initial state of the reference code without its random jitter: V = −20 mV, w = 0.014173. */
export const ML_INITIAL = Object.freeze({ v: -20, w: 0.014173 });

/** Input scaling of the network: I_tot = (I_app + z)·36.75 + 39.9 μA/cm² (ML and HH input ranges matched). */
export const ML_INPUT_SCALE = 36.75;
export const ML_INPUT_OFFSET = 39.9;

/** Output nonlinearity T = sigmoid((V − V_t)/K_p), V_t = −3 mV, K_p = 8 mV. */
export const ML_OUTPUT = Object.freeze({ Vt: -3, Kp: 8 });

/**
 * Spike detector of the f–I curve: an upward crossing of `SPIKE_THRESHOLD_MV`, counted only when V
 * has been below `REARM_MV` since the last count. The hysteresis keeps the small damped
 * oscillations around a depolarised fixed point from counting as spikes.
 */
export const SPIKE_THRESHOLD_MV = 0;
export const REARM_MV = -20;

/** Total input current from the network's input z: (I_app + z)·36.75 + 39.9. */
export function mlTotalCurrent(iApp: number, z: number): number {
  return (iApp + z) * ML_INPUT_SCALE + ML_INPUT_OFFSET;
}

/** The output sigmoid of V. */
export function mlOutput(v: number): number {
  return 1 / (1 + Math.exp(-(v - ML_OUTPUT.Vt) / ML_OUTPUT.Kp));
}

export function mInf(p: MorrisLecarParams, v: number): number {
  return 0.5 * (1 + Math.tanh((v - p.V1) / p.V2));
}
export function wInf(p: MorrisLecarParams, v: number): number {
  return 0.5 * (1 + Math.tanh((v - p.V3) / p.V4));
}
export function tauW(p: MorrisLecarParams, v: number): number {
  return 1 / (p.phi * Math.cosh((v - p.V3) / (2 * p.V4)));
}

/**
 * One step of the semi-implicit update, in place on `s = [V, w]`:
 *   w ← (w∞ dt + (τ_w − dt/2) w)/(τ_w + dt/2)                  (w∞, τ_w at the old V)
 *   G = (g_Ca m∞ + g_K w + g_L)/C,  E = (g_Ca E_Ca m∞ + g_K E_K w + g_L E_L)/C   (new w)
 *   V ← (V(1 − dt G/2) + dt(E + I/C))/(1 + dt G/2)
 */
export function mlStep(p: MorrisLecarParams, s: Float64Array, iTot: number): void {
  const v = s[0]!;
  const dt = p.dt;
  const tau = tauW(p, v);
  const w = (wInf(p, v) * dt + (tau - dt / 2) * s[1]!) / (tau + dt / 2);
  const m = mInf(p, v);
  const g = (p.gCa * m + p.gK * w + p.gL) / p.C;
  const e = (p.gCa * p.ECa * m + p.gK * p.EK * w + p.gL * p.EL) / p.C;
  s[0] = (v * (1 - (dt * g) / 2) + dt * (e + iTot / p.C)) / (1 + (dt * g) / 2);
  s[1] = w;
}

/** Check the parameters in the user's terms. */
export function validateMl(p: MorrisLecarParams): void {
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`morris-lecar: parameter ${k} must be a finite number, got ${String(v)}`);
  }
  for (const k of ['C', 'gCa', 'gK', 'gL', 'phi', 'V2', 'V4', 'dt'] as const) {
    if (!(p[k] > 0)) throw new InputError(`morris-lecar: parameter ${k} must be positive, got ${p[k]}`);
  }
}

/** Spike count and final state of one neuron at constant current; see {@link mlRateReference}. */
export interface MlRunResult {
  spikes: number;
  /** Counted time, ms. */
  countedMs: number;
  v: number;
  w: number;
}

/**
 * Simulate one neuron from {@link ML_INITIAL} for `warmupSteps + steps` steps at current `iTot`
 * and count the spikes (see {@link SPIKE_THRESHOLD_MV}) of the last `steps`.
 */
export function mlRunReference(p: MorrisLecarParams, iTot: number, steps: number, warmupSteps = 0): MlRunResult {
  const s = Float64Array.of(ML_INITIAL.v, ML_INITIAL.w);
  let armed = s[0]! < REARM_MV;
  let spikes = 0;
  for (let k = 0; k < warmupSteps + steps; k++) {
    const before = s[0]!;
    mlStep(p, s, iTot);
    const v = s[0]!;
    if (v < REARM_MV) armed = true;
    if (armed && before < SPIKE_THRESHOLD_MV && v >= SPIKE_THRESHOLD_MV) {
      armed = false;
      if (k >= warmupSteps) spikes++;
    }
  }
  return { spikes, countedMs: steps * p.dt, v: s[0]!, w: s[1]! };
}

/** Steady-state current at voltage V: the I that makes V a fixed point (w = w∞(V)). */
export function steadyStateCurrent(p: MorrisLecarParams, v: number): number {
  return p.gCa * mInf(p, v) * (v - p.ECa) + p.gK * wInf(p, v) * (v - p.EK) + p.gL * (v - p.EL);
}

/** Find a root of f in [a, b] (f(a), f(b) of opposite signs) by bisection to width `tol`. */
export function bisect(f: (x: number) => number, a: number, b: number, tol: number): number {
  let fa = f(a);
  const fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) throw new InputError(`bisect: no sign change on [${a}, ${b}]`);
  while (b - a > tol) {
    const m = 0.5 * (a + b);
    const fm = f(m);
    if (fm === 0) return m;
    if (Math.sign(fm) === Math.sign(fa)) { a = m; fa = fm; } else b = m;
  }
  return 0.5 * (a + b);
}

/** The lowest fixed point (resting potential) at current `iTot`, mV, by bisection to 1e-9 mV. */
export function restingPotential(p: MorrisLecarParams, iTot: number, lo = -100, hi = 100): number {
  const f = (v: number): number => steadyStateCurrent(p, v) - iTot;
  // Scan upward for the first sign change, so the lowest root is taken where there are three.
  const n = 2000;
  let prev = lo;
  for (let i = 1; i <= n; i++) {
    const x = lo + ((hi - lo) * i) / n;
    if (Math.sign(f(x)) !== Math.sign(f(prev))) return bisect(f, prev, x, 1e-9);
    prev = x;
  }
  throw new InputError(`morris-lecar: no fixed point in [${lo}, ${hi}] mV at I = ${iTot}`);
}

/**
 * The saddle-node (knee) of I_ss(V): the local maximum where the resting branch ends. For this
 * class-I parameter set the rest state disappears there into a SNIC, so it is the firing onset.
 * Returns { current, voltage }; null when I_ss is monotone (no knee: class II).
 */
export function saddleNode(p: MorrisLecarParams): { current: number; voltage: number } | null {
  const dI = (v: number): number => (steadyStateCurrent(p, v + 1e-6) - steadyStateCurrent(p, v - 1e-6)) / 2e-6;
  let prev = -90;
  for (let v = -89.9; v <= 60; v += 0.1) {
    if (dI(prev) > 0 && dI(v) <= 0) {
      const vk = bisect(dI, prev, v, 1e-10);
      return { current: steadyStateCurrent(p, vk), voltage: vk };
    }
    prev = v;
  }
  return null;
}

/**
 * Spectral radius of the update map's Jacobian at its fixed point on the upper branch (V above
 * the knee) at current `iTot`, by central differences. Below 1 the depolarised state is stable
 * (depolarisation block); its crossing of 1 is the map's Hopf point.
 */
export function upperBranchSpectralRadius(p: MorrisLecarParams, iTot: number): { v: number; radius: number } {
  const knee = saddleNode(p);
  const f = (v: number): number => steadyStateCurrent(p, v) - iTot;
  // The upper root lies above the knee's upper partner; scan down from a high voltage.
  let hi = 80;
  let v0 = NaN;
  for (let x = 79.9; x > (knee ? knee.voltage : -90); x -= 0.1) {
    if (Math.sign(f(x)) !== Math.sign(f(hi))) { v0 = bisect(f, x, hi, 1e-11); break; }
    hi = x;
  }
  if (!Number.isFinite(v0)) throw new InputError(`morris-lecar: no upper fixed point at I = ${iTot}`);
  const w0 = wInf(p, v0);
  const h = 1e-6;
  const J = [0, 0, 0, 0];
  for (let j = 0; j < 2; j++) {
    const plus = Float64Array.of(v0 + (j === 0 ? h : 0), w0 + (j === 1 ? h : 0));
    const minus = Float64Array.of(v0 - (j === 0 ? h : 0), w0 - (j === 1 ? h : 0));
    mlStep(p, plus, iTot);
    mlStep(p, minus, iTot);
    J[j] = (plus[0]! - minus[0]!) / (2 * h);
    J[2 + j] = (plus[1]! - minus[1]!) / (2 * h);
  }
  const tr = J[0]! + J[3]!;
  const det = J[0]! * J[3]! - J[1]! * J[2]!;
  const disc = tr * tr - 4 * det;
  const radius = disc >= 0 ? Math.max(Math.abs((tr + Math.sqrt(disc)) / 2), Math.abs((tr - Math.sqrt(disc)) / 2)) : Math.sqrt(det);
  return { v: v0, radius };
}

/**
 * The current at which the map's upper fixed point turns stable (spectral radius 1; the Hopf point
 * of the update map), by bisection to `tol` on [lo, hi]. Firing may persist above it where the
 * bifurcation is subcritical (a stable rest and a stable cycle coexist).
 */
export function hopfCurrent(p: MorrisLecarParams, lo = 60, hi = 200, tol = 1e-6): number {
  return bisect((i) => upperBranchSpectralRadius(p, i).radius - 1, lo, hi, tol);
}

/**
 * The boundary between silent and firing currents by plain bisection on float64 simulations of
 * `steps` counted steps after `warmupSteps` (firing: at least one counted spike), to width `tol`.
 */
export function firingBoundaryReference(
  p: MorrisLecarParams, silent: number, firing: number, steps: number, warmupSteps: number, tol: number,
): number {
  const fires = (i: number): boolean => mlRunReference(p, i, steps, warmupSteps).spikes >= 1;
  if (fires(silent) || !fires(firing)) throw new InputError(`morris-lecar: [${silent}, ${firing}] does not bracket the firing boundary`);
  while (Math.abs(firing - silent) > tol) {
    const m = 0.5 * (silent + firing);
    if (fires(m)) firing = m; else silent = m;
  }
  return 0.5 * (silent + firing);
}
