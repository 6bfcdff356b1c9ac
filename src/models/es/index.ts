/** es: the Gaussian-smoothing (SONG) gradient estimator and Adam on the GPU, with float64 twins. */
export {
  createSmoothingEstimator, createAdam,
  type SmoothingEstimator, type SmoothingEstimatorOptions, type AdamOptimizer,
} from './estimator.js';
export {
  esNormalsReference, esPerturbReference, esGradientReference, adamStepReference, adamConstants, type AdamOptions,
} from './reference.js';
