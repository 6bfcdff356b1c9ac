/** rsn: reservoir-sampler networks (score model, DSM training, reservoir sampling) with float64 twins and exact oracles. */
export { rsnExperiment, type RsnResult, type GmmStats } from './experiment.js';
export {
  createScoreModel, createDsmTrainer, trainScoreModel, evaluateScore, noiseLevels,
  type GpuScoreModel, type ScoreModelOptions, type DsmTrainer, type DsmTrainerOptions, type TrainScoreOptions, type DsmCurvePoint,
} from './train.js';
export { sampleReservoir, noiseMap, type ReservoirSampleOptions } from './sample.js';
export { sampleReservoirNetwork, reservoirNetwork, type ReservoirNetworkOptions } from './network-sampler.js';
export {
  DOUBLE_PEAK, mixtureDensity, mixtureScore, mixtureCdf, emStationaryCovariance, scoreReference, dsmStepReference,
  type ScoreModel, type Mixture1D, type RsnActivation,
} from './reference.js';
export {
  trainSamplerOnly, sampleSamplerOnly, samplerOnlyModel, samplerOnlyScore, samplerOnlyDsmGradient,
  type SamplerOnlyNetwork, type SamplerOnlyTrainOptions,
} from './sampler-only.js';
