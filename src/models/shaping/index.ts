/**
 * The shaping experiments (Lipshutz & Simoncelli, NeurIPS 2024; SEEDS.md §2): interneurons that
 * Gaussianize natural-image responses, with the steerable pyramid, the circuit and its statistics.
 */
export { shaping1DExperiment, type Shaping1DResult, type Shaping1DImage } from './experiment-1d.js';
export { shaping2DExperiment, type Shaping2DResult, type Shaping2DRun } from './experiment-2d.js';
export {
  createCircuit, learnCircuit, respondCircuit, readCircuit, batchIndices,
  type GpuCircuit, type LearnOptions, type LearningCurve,
} from './circuit.js';
export { pyramidBand, filterImages, type PyramidBandOptions } from './pyramid.js';
export { steerableMasks, type SteerableMasks, type SteerableOptions } from './steerable.js';
export { columnMoments, histogram2d, mutualInformation, zcaWhiten, type ColumnMoments, type Histogram2D } from './metrics.js';
export { loadImage, centreCrop, lumaFromRGBA, decodeImageBytes, decodeImageBrowser, BUNDLED_IMAGES, type GreyImage } from './images.js';
export { bandPairs, initialState1D, initialState2D } from './data.js';
export type { CircuitState } from './reference.js';
