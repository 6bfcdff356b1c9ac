/** The whitening experiment: direct recurrent vs interneuron whitening circuits (SEEDS.md §1). */
export { whiteningExperiment, type WhiteningResult, type WhiteningRow } from './experiment.js';
export {
  runWhiteningTrials,
  whiteningCovariance,
  whiteningInitialState,
  type WhiteningCovariance,
  type WhiteningTrialsOptions,
  type WhiteningTrialsResult,
} from './simulate.js';
