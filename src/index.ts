/**
 * wgneuro: hand-written WGSL compute kernels for computational neuroscience on WebGPU.
 *
 * This file is the public API, listed by name. Layers import downward only (checked by
 * .dependency-cruiser.cjs in test/node-only/architecture.test.ts):
 * gpu → core → expr → shaders → linalg / eig / sde / random → network → models → sweep → cli / bench.
 * Tuning helpers and pipeline internals are in `src/internal.ts`; test-matrix generators and the
 * CPU twins of kernels are in `src/testing.ts`.
 */
export {
  WgneuroError, GPUUnavailableError, ShaderCompileError, GPUOperationError, LimitError, DeviceLostError, InputError, NumericalError,
  type ShaderMessage,
} from './gpu/errors.js';
export { acquireDevice, type AcquireOptions } from './gpu/acquire.js';
export {
  createContext, Context, type ContextInfo, type ContextOptions, type DispatchDescriptor, type Binding, type Timing,
} from './core/context.js';
export { Tensor, shapeSize, type DType, type TensorOwner } from './core/tensor.js';
export type { TuningOptions, TuningStore, TuningRecord, TuningCandidate } from './core/tuning.js';
export { uniformLayout, type UniformLayout, type UniformSchema } from './core/layout.js';
export { foldWorkgroups, WGSL_LINEAR_INDEX } from './core/dispatch.js';
export type { KernelSource } from './core/pipelines.js';
export { seedToKey } from './core/seed.js';
export type { NormalTransform, RandomGenerator } from './core/seed.js';
export { philoxWGSL } from '../shaders/common/philox.wgsl.js';
export { fillRandom, randomNormal, randomUniform, type RandomOptions } from './random/index.js';
export {
  matmul, type MatmulOptions,
  gemv, type GemvOptions, type GemvVariant,
  sum, max, min, maxAbs, sumSquares, norm2, dot, type ReduceOptions,
  mapExpr, axpy, scale, fillIdentity, scaleByTensor, type MapExprOptions, type ScaleOptions,
  orthonormalize, type OrthonormalizeOptions,
  sqrtm, invSqrtm, newtonSchulz, MatrixFunctionError, type SqrtmOptions, type NewtonSchulzResult, type MatrixStatus,
  fft, ifft, fft2, ifft2, toComplex, realPart, multiplySpectrum, type FftOptions,
} from './linalg/index.js';
export {
  eigs, eigsBatched, type Complex, type EigsOptions, type EigsResult, type Which,
  powerIteration, type PowerOptions, type PowerResult,
  subspaceIteration, type SubspaceOptions,
  jacobiEigBatched, type JacobiOptions, type JacobiResult, type JacobiVariant,
  EigConvergenceError, type LinearOperator, type MatrixInput, type MatrixShape,
} from './eig/index.js';
export {
  createTape, Tape, Var, type GradOptions, type OpRecord, type TapeNode,
  rnnStep, rnnRollout, type RateRNNOptions, type RateRNNWeights,
  hessianOperator, hvp, hessianEigenvalues, hutchinsonTrace, rademacherProbes, type HessianOperator, type HutchinsonOptions, type HutchinsonResult,
  createAdam, createSGD, createOptimizer, type AdamOptimizer, type AdamOptions, type SGDOptions, type TensorOptimizer, type OptimizerOptions, type ParameterOptimizer,
  leafValues, replayReference, finiteDifferenceGradient, finiteDifferenceHessian,
} from './autodiff/index.js';
export {
  defineSDE, defineLangevin, modelFromJSON,
  type SDEDefinition, type LangevinDefinition, type SDEModel, type ModelJS, type UserFunction,
  type EventDefinition, type AbsorbingBoundary, type ExprSource, type InitSource, type ModelOptions,
  INTEGRATORS, resolveIntegrator, type IntegratorInfo, type IntegratorName,
  simulate, type SimulateOptions, type SimulateResult, type RecordOptions, type SimulateProgress, type EnsembleStats,
} from './sde/index.js';
export {
  defineNetwork, networkFromJSON, parseNetworkJSON, simulateNetwork,
  type Network, type NetworkDefinition, type PopulationDefinition, type ProjectionDefinition, type WeightsDefinition,
  type NetworkRecordOptions, type PopulationRecord, type SimulateNetworkOptions, type SimulateNetworkResult,
} from './network/index.js';
export {
  lifRateExperiment, type LifRatePoint, type LifRateResult,
  lifModel, simulateLif, type SimulateLifOptions,
  firstPassageRate, conductanceDiffusion, siegertRate, siegertApproximation, additiveDiffusion, meanPotential,
  effectiveTau, lifTheory, emNoiseDriftFactor, DEFAULT_LIF,
  type LifParams, type Diffusion1D, type SiegertParams, type QuadratureOptions, type LifTheory,
  whiteningExperiment, type WhiteningResult, type WhiteningRow,
  runWhiteningTrials, whiteningCovariance, whiteningInitialState,
  type WhiteningCovariance, type WhiteningTrialsOptions, type WhiteningTrialsResult,
  eiMotifsExperiment, paradoxNetwork, type EIMotifsResult, type MotifCase, type MotifRealization, type ParadoxPoint,
  generateMotifConnectivity, validateMotifNetwork, type MotifConnectivity, type MotifGenerateOptions,
  dominantEigenvalues, motifStatisticsGPU, steadyState, type DominantEigenvalues, type SteadyState,
  morrisLecarFiExperiment, simulateMlCurrents, findFiringBoundaries, DEFAULT_ML, mlStep, restingPotential, saddleNode, hopfCurrent,
  type MlFiResult, type MlFiPoint, type MlCurrentsOptions, type MlCurrentsResult, type MorrisLecarParams,
  rsnExperiment, createScoreModel, createDsmTrainer, trainScoreModel, evaluateScore, noiseLevels, sampleReservoir, noiseMap,
  sampleReservoirNetwork, reservoirNetwork, type ReservoirNetworkOptions,
  trainSamplerOnly, sampleSamplerOnly, samplerOnlyModel, mixtureScore, emStationaryCovariance,
  type RsnResult, type GpuScoreModel, type ScoreModel, type TrainScoreOptions, type ReservoirSampleOptions, type SamplerOnlyNetwork,
  createSmoothingEstimator, type SmoothingEstimator, type SmoothingEstimatorOptions,
  richLazyExperiment, type RichLazyResult, type RichLazyRun,
  nodeSpiralExperiment, trainSpiral, createSpiralLoss, spiralTrajectory, spiralLossReference,
  type NodeSpiralResult, type TrainSpiralOptions, type SpiralLossKernel,
  mlEsExperiment, trainMlEs, evidenceTask, createMlNetwork, mlNetworkReference,
  type MlEsResult, type TrainMlEsOptions, type MlEsTraining, type EvidenceTask, type MlNetwork, type MlNetworkRun,
  shaping1DExperiment, shaping2DExperiment, type Shaping1DResult, type Shaping1DImage, type Shaping2DResult, type Shaping2DRun,
  createCircuit, learnCircuit, respondCircuit, readCircuit, type GpuCircuit, type LearnOptions, type LearningCurve, type CircuitState,
  pyramidBand, steerableMasks, type PyramidBandOptions, type SteerableMasks, type SteerableOptions,
  columnMoments, histogram2d, mutualInformation, zcaWhiten, type ColumnMoments, type Histogram2D,
  loadImage, centreCrop, lumaFromRGBA, decodeImageBytes, decodeImageBrowser, BUNDLED_IMAGES, type GreyImage,
  loadMnist, setMnistLocation, splitMnist, seededPermutation, labelCounts, mnistTensors, MNIST_SIDE, MNIST_PIXELS, MNIST_CLASSES,
  type MnistDigits, type MnistSplit, type MnistSplitOptions, type MnistTensors, type LoadMnistOptions, type MnistLocation,
  krotovHopfieldExperiment, createKhLayer, trainKhLayer, hiddenFeatures, createSoftmaxLoss, trainSoftmaxReadout, evaluateSoftmaxReadout,
  khUpdateRef, softmaxGradientRef,
  type KrotovHopfieldResult, type KhLayer, type KhLayerOptions, type TrainKhOptions, type KhEpochPoint, type FeatureStats, type SoftmaxLoss,
} from './models/index.js';
export {
  parseSweepPlan, planHash, planSize, parseShard, shardRange, prepareSweep, runShard, mergeShards, checkCoverage,
  estimateShardMemory, slurmArrayScript, slurmMergeScript, KEEP, SWEEP_FORMAT_VERSION,
  type SweepPlan, type ModelTarget, type ExperimentTarget, type Keep, type ShardId, type PreparedSweep, type ShardData,
  type SweepArray, type RunShardOptions, type ShardRecord, type SweepResult, type ResultArray, type SlurmScriptOptions,
} from './sweep/index.js';
