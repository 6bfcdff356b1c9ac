/** lif-rate: conductance-based LIF firing rate vs synaptic time constant, with its short-τ_s theory. */
export { lifRateExperiment, type LifRatePoint, type LifRateResult } from './experiment.js';
export { lifModel, simulateLif, type SimulateLifOptions } from './simulate.js';
export {
  firstPassageRate, conductanceDiffusion, siegertRate, siegertApproximation, additiveDiffusion, meanPotential,
  effectiveTau, lifTheory, emNoiseDriftFactor, DEFAULT_LIF,
  type Diffusion1D, type SiegertParams, type QuadratureOptions, type LifTheory,
} from './theory.js';
export type { LifParams } from './reference.js';
