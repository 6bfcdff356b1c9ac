/**
 * Conventions shared by the SDE integrator kernel (shaders/sde.wgsl.ts), its statistics kernel,
 * the host side (src/sde/simulate.ts) and the float64 CPU twin (src/reference/sde.ts). They live
 * here, below all of them, so the CPU twin needs nothing from the shader layer.
 */
import { storageRecordLayout } from './layout.js';

/** Bit of `TrialStatus.flags`: the state became non-finite; the trial is frozen at its last finite state. */
export const SDE_FLAG_DIVERGED = 1;
/** Bit of `TrialStatus.flags`: the trial reached an absorbing boundary and stopped there. */
export const SDE_FLAG_ABSORBED = 2;

/** Philox counter tag (word 3) of the Wiener increments. */
export const SDE_TAG_WIENER = 0;
/** Philox counter tag (word 3) of MALA's accept/reject uniforms. */
export const SDE_TAG_ACCEPT = 1;

/**
 * Per-trial bookkeeping carried across dispatches (one `TrialStatus` per trial). Written at the
 * start of every chunk with {@link SDE_TRIAL_STATUS_INITIAL}, read back and decoded by field name.
 */
export const sdeTrialStatus = storageRecordLayout({
  flags: 'u32',
  spikes: 'u32',
  first_spike: 'f32',
  refractory_left: 'u32',
  accepted: 'u32',
  stop_step: 'u32',
}, {
  flags: 'bit 0: diverged (non-finite, frozen), bit 1: absorbed at a boundary',
  spikes: 'events so far',
  first_spike: 'time of the first event (-1: none yet)',
  refractory_left: 'steps left at reset',
  accepted: 'MALA: accepted proposals',
  stop_step: 'step at which the trial was frozen (diverged or absorbed)',
});

/** Status of a trial before its first step: no flags, no events, `first_spike` = −1 (none yet). */
export const SDE_TRIAL_STATUS_INITIAL = { first_spike: -1 } as const;

/**
 * Normals reserved per fine step for `active` Wiener processes: exactly `active`, packed back to back
 * across Philox blocks, so every word of every Philox call becomes a used normal (the integrator
 * draws whole blocks per group of steps; see shaders/sde.wgsl.ts).
 */
export function sdeNoiseStride(active: number): number {
  return active;
}
