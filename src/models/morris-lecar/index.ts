/** morris-lecar: the Morris–Lecar neuron of Hazelden et al. (semi-implicit update), its f–I curve and fixed-point theory, and recurrent networks of it (S weight copies × B trials per launch). */
export { morrisLecarFiExperiment, type MlFiPoint, type MlFiResult } from './experiment.js';
export {
  simulateMlCurrents, findFiringBoundaries, type MlCurrentsOptions, type MlCurrentsResult, type FiringBoundary,
} from './simulate.js';
export {
  DEFAULT_ML, ML_INITIAL, ML_INPUT_SCALE, ML_INPUT_OFFSET, ML_OUTPUT, mlTotalCurrent, mlOutput, mlStep, mlRunReference,
  restingPotential, saddleNode, hopfCurrent, steadyStateCurrent, firingBoundaryReference, type MorrisLecarParams,
} from './reference.js';
export { morrisLecarDefinition } from './equations.js';
export { createMlNetwork, type MlNetwork, type MlNetworkOptions, type MlNetworkRun, type MlReadout } from './network.js';
export {
  mlNetworkReference, mlReadoutLossReference, mlReadoutLogits, mlNetworkOutput, crossEntropy,
  type MlNetworkProblem, type MlNetworkState,
} from './network-reference.js';
