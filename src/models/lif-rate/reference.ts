/**
 * Float64 CPU reference of the conductance-based LIF neuron with Ornstein–Uhlenbeck conductance
 * noise (SEEDS.md §4.2, §4.5), integrated with the same scheme as the GPU simulation:
 * Euler–Maruyama for all three state variables (v, xE, xI) from the values at the start of the step,
 * then threshold → reset with an absolute refractory period during which v is clamped at the reset.
 *
 *   τ_L dv = [−(v − E_L) − (ḡ_E + x_E)(v − E_E) − (ḡ_I + x_I)(v − E_I)] dt
 *   dx_A   = −x_A/τ_s dt + √(2 s_A²/τ_s) dW_A,   s_A² = D_A/τ_s  (noise intensity D_A held fixed)
 *
 * Random numbers: Philox4x32-10 (the CPU twin of the GPU generator), block counter
 * (trial, step, stream, 0), its first two normals driving x_E and x_I. Statistically, not bitwise,
 * comparable with the GPU run (the engine's stream layout is its own).
 */
import { InputError } from '../../gpu/errors.js';
import { normal4FromBits, philox4x32_10 } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';

/** Parameters of the conductance-based LIF neuron; times in ms, voltages in mV, conductances in units of the leak. */
export interface LifParams {
  /** Membrane (leak) time constant τ_L, ms. */
  tauL: number;
  /** Leak reversal potential E_L, mV. */
  EL: number;
  /** Excitatory reversal potential E_E, mV. */
  EE: number;
  /** Inhibitory reversal potential E_I, mV. */
  EI: number;
  /** Mean excitatory conductance ḡ_E (units of the leak conductance). */
  gE: number;
  /** Mean inhibitory conductance ḡ_I (units of the leak conductance). */
  gI: number;
  /** Excitatory noise intensity D_E = s_E² τ_E, ms (held fixed as τ_s → 0). */
  DE: number;
  /** Inhibitory noise intensity D_I = s_I² τ_I, ms. */
  DI: number;
  /** Spike threshold θ, mV. */
  threshold: number;
  /** Reset potential V_r, mV. */
  reset: number;
  /** Refractory period τ_rp, ms. */
  refractory: number;
}

/** Simulation settings shared by the CPU reference and the GPU experiment. */
export interface LifSimSettings {
  /** Synaptic (OU) time constant τ_s, ms. */
  tauS: number;
  /** Time step, ms. */
  dt: number;
  /** Steps counted for the rate (after the warm-up). */
  steps: number;
  /** Steps simulated first and not counted, so the state is stationary. Default 0. */
  warmupSteps?: number;
  /** Independent neurons. */
  trials: number;
  /** Generator seed. Default 0. */
  seed?: number;
  /** Philox stream (counter word 2). Default 0. */
  stream?: number;
}

/** Spike counts per trial, and the OU samples when asked for. */
export interface LifSimResult {
  /** Spikes of each trial during the counted steps. */
  counts: Float64Array;
  /** Counted time per trial, ms. */
  durationMs: number;
}

/** Standard deviation s_A = √(D_A/τ_s) of the OU conductance for noise intensity D_A. */
export function ouStd(intensity: number, tauS: number): number {
  return Math.sqrt(intensity / tauS);
}

/** Check settings in the user's terms before any work. */
export function validateLifSettings(s: LifSimSettings): void {
  if (!(s.tauS > 0)) throw new InputError(`tauS must be > 0 ms, got ${s.tauS}`);
  if (!(s.dt > 0)) throw new InputError(`dt must be > 0 ms, got ${s.dt}`);
  if (!(s.dt <= s.tauS)) throw new InputError(`dt (${s.dt} ms) must not exceed tauS (${s.tauS} ms); use dt ≤ tauS/10`);
  for (const [name, v] of [['steps', s.steps], ['trials', s.trials], ['warmupSteps', s.warmupSteps ?? 0]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(`${name} must be a whole number ≥ 0, got ${v}`);
  }
  if (s.trials < 1 || s.steps < 1) throw new InputError(`trials and steps must be ≥ 1, got trials=${s.trials}, steps=${s.steps}`);
}

/**
 * Simulate `trials` independent neurons in float64 (small sizes: tests and checks).
 * Initial state: v = reset, x_A drawn from the stationary law N(0, s_A²).
 */
export function simulateLifReference(p: LifParams, s: LifSimSettings): LifSimResult {
  validateLifSettings(s);
  const key = seedToKey(s.seed ?? 0);
  const stream = s.stream ?? 0;
  const warmup = s.warmupSteps ?? 0;
  const { dt, tauS } = s;
  const sE = ouStd(p.DE, tauS);
  const sI = ouStd(p.DI, tauS);
  const decay = dt / tauS;
  const kickE = Math.sqrt(2 * sE * sE * decay); // √(2 s²/τ_s · dt)
  const kickI = Math.sqrt(2 * sI * sI * decay);
  const refractorySteps = Math.round(p.refractory / dt);
  const counts = new Float64Array(s.trials);
  const block = new Uint32Array(4);
  const z = new Float64Array(4);
  for (let trial = 0; trial < s.trials; trial++) {
    // Initial OU values from the block with step word 0xffffffff (never a time step).
    normal4FromBits(philox4x32_10([trial, 0xffffffff, stream, 0], key, block), z);
    let xE = sE * z[0]!;
    let xI = sI * z[1]!;
    let v = p.reset;
    let refractoryLeft = 0;
    let spikes = 0;
    for (let step = 0; step < warmup + s.steps; step++) {
      normal4FromBits(philox4x32_10([trial, step, stream, 0], key, block), z);
      const dv = (-(v - p.EL) - (p.gE + xE) * (v - p.EE) - (p.gI + xI) * (v - p.EI)) / p.tauL;
      xE += -xE * decay + kickE * z[0]!;
      xI += -xI * decay + kickI * z[1]!;
      if (refractoryLeft > 0) {
        refractoryLeft--;
        v = p.reset;
        continue;
      }
      v += dv * dt;
      if (v >= p.threshold) {
        v = p.reset;
        refractoryLeft = refractorySteps;
        if (step >= warmup) spikes++;
      }
    }
    counts[trial] = spikes;
  }
  return { counts, durationMs: s.steps * dt };
}

/** Mean rate over trials in Hz and its standard error (from the spread of the per-trial counts). */
export function rateFromCounts(counts: ArrayLike<number>, durationMs: number): { rateHz: number; stderrHz: number } {
  const n = counts.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += counts[i]!;
  mean /= n;
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += (counts[i]! - mean) ** 2;
  const variance = n > 1 ? m2 / (n - 1) : 0;
  const perSecond = 1000 / durationMs;
  return { rateHz: mean * perSecond, stderrHz: Math.sqrt(variance / n) * perSecond };
}
