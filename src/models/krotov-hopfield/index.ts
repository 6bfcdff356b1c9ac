/** krotov-hopfield: unsupervised learning by competing hidden units (Krotov & Hopfield 2019) with a softmax readout, GPU kernels and float64 twins. */
export { krotovHopfieldExperiment, type KrotovHopfieldResult } from './experiment.js';
export {
  createKhLayer, createKhTrainer, trainKhLayer, validateKhRule, rowNorms,
  type KhLayer, type KhLayerOptions, type KhTrainer, type KhTrainerOptions, type TrainKhOptions, type KhEpochPoint,
} from './train.js';
export {
  hiddenFeatures, createSoftmaxLoss, trainSoftmaxReadout, evaluateSoftmaxReadout,
  type FeatureStats, type HiddenFeaturesOptions, type SoftmaxLoss, type TrainReadoutOptions, type ReadoutCurvePoint,
} from './readout.js';
export {
  khUpdateRef, lebesgueCurrentsRef, rankRef, rankUnits, activationRef, softmaxGradientRef, signedPower, KH_RNG_TAG,
  type KhSizes, type KhRule, type KhUpdate, type SoftmaxGradient,
} from './reference.js';
