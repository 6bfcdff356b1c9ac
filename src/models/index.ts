/** models: the experiments (lif-rate, whitening, ei-motifs, morris-lecar-fi, rsn, node-spiral, ml-es, shaping-1d/2d, krotov-hopfield), each with its theory and CPU twin beside it; es: the evolution-strategies estimator. */
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
export {
  morrisLecarFiExperiment, simulateMlCurrents, findFiringBoundaries, DEFAULT_ML, mlStep, restingPotential, saddleNode, hopfCurrent,
  type MlFiResult, type MlFiPoint, type MlCurrentsOptions, type MlCurrentsResult, type MorrisLecarParams,
  createMlNetwork, mlNetworkReference, type MlNetwork, type MlNetworkRun,
} from './morris-lecar/index.js';
export {
  rsnExperiment, createScoreModel, createDsmTrainer, trainScoreModel, evaluateScore, noiseLevels, sampleReservoir, noiseMap,
  sampleReservoirNetwork, reservoirNetwork, type ReservoirNetworkOptions,
  trainSamplerOnly, sampleSamplerOnly, samplerOnlyModel, mixtureScore, emStationaryCovariance,
  type RsnResult, type GpuScoreModel, type ScoreModel, type TrainScoreOptions, type ReservoirSampleOptions, type SamplerOnlyNetwork,
} from './rsn/index.js';
export {
  createSmoothingEstimator, createAdam, type SmoothingEstimator, type SmoothingEstimatorOptions, type AdamOptimizer, type AdamOptions,
} from './es/index.js';
export {
  nodeSpiralExperiment, trainSpiral, createSpiralLoss, spiralTrajectory, spiralLossReference,
  type NodeSpiralResult, type TrainSpiralOptions, type SpiralLossKernel,
} from './node-spiral/index.js';
export {
  mlEsExperiment, trainMlEs, evidenceTask, type MlEsResult, type TrainMlEsOptions, type MlEsTraining, type EvidenceTask,
} from './ml-es/index.js';
export {
  shaping1DExperiment, shaping2DExperiment, type Shaping1DResult, type Shaping1DImage, type Shaping2DResult, type Shaping2DRun,
  createCircuit, learnCircuit, respondCircuit, readCircuit, type GpuCircuit, type LearnOptions, type LearningCurve, type CircuitState,
  pyramidBand, steerableMasks, type PyramidBandOptions, type SteerableMasks, type SteerableOptions,
  columnMoments, histogram2d, mutualInformation, zcaWhiten, type ColumnMoments, type Histogram2D,
  loadImage, centreCrop, lumaFromRGBA, decodeImageBytes, decodeImageBrowser, BUNDLED_IMAGES, type GreyImage,
} from './shaping/index.js';
export {
  loadMnist, setMnistLocation, splitMnist, seededPermutation, labelCounts, mnistTensors, MNIST_SIDE, MNIST_PIXELS, MNIST_CLASSES,
  type MnistDigits, type MnistSplit, type MnistSplitOptions, type MnistTensors, type LoadMnistOptions, type MnistLocation,
} from './mnist/index.js';
export {
  krotovHopfieldExperiment, createKhLayer, trainKhLayer, hiddenFeatures, createSoftmaxLoss, trainSoftmaxReadout, evaluateSoftmaxReadout,
  khUpdateRef, softmaxGradientRef,
  type KrotovHopfieldResult, type KhLayer, type KhLayerOptions, type TrainKhOptions, type KhEpochPoint, type FeatureStats, type SoftmaxLoss,
} from './krotov-hopfield/index.js';
export { richLazyExperiment, type RichLazyResult, type RichLazyRun } from './rich-lazy/index.js';
export { flatnessExperiment, type FlatnessResult, type FlatnessCheckpoint, type FlatnessCorrelations } from './flatness/index.js';
