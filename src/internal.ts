/**
 * Internal entry point (`wgneuro/internal`) for benches and tests: tuning choices, timing helpers
 * and pipeline-cache internals. Not part of the public API: names here may change in any release.
 */
export {
  chooseTiling, GEMM_TILING_LARGE, GEMM_TILING_SMALL, GEMM_TILING_CPU, type GemmTiling,
} from './linalg/matmul.js';
export {
  measure, measureFmaPeak, measureCopyBandwidth, median, type Measurement, type PeakResult, type BandwidthResult,
} from './linalg/peak.js';
export { getPipeline, pipelineCacheSize } from './core/pipelines.js';
export { compileExpression, type CompiledExpression } from './linalg/index.js';
