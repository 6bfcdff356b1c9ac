/** models: the experiments (lif-rate, whitening, ei-motifs), each with its theory and CPU twin beside it. */
export {
  lifRateExperiment, type LifRatePoint, type LifRateResult,
  lifModel, simulateLif, type SimulateLifOptions,
  firstPassageRate, conductanceDiffusion, siegertRate, siegertApproximation, additiveDiffusion, meanPotential,
  effectiveTau, lifTheory, emNoiseDriftFactor, DEFAULT_LIF,
  type LifParams, type Diffusion1D, type SiegertParams, type QuadratureOptions, type LifTheory,
} from './lif-rate/index.js';
export {
  whiteningExperiment, type WhiteningResult, type WhiteningRow,
  runWhiteningTrials, whiteningCovariance, whiteningInitialState,
  type WhiteningCovariance, type WhiteningTrialsOptions, type WhiteningTrialsResult,
} from './whitening/index.js';
export {
  eiMotifsExperiment, paradoxNetwork, type EIMotifsResult, type MotifCase, type MotifRealization, type ParadoxPoint,
  generateMotifConnectivity, validateMotifNetwork, type MotifConnectivity, type MotifGenerateOptions,
  dominantEigenvalues, motifStatisticsGPU, steadyState, type DominantEigenvalues, type SteadyState,
} from './ei-motifs/index.js';
