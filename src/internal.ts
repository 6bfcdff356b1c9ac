/**
 * Internal entry point (`wgneuro/internal`) for benches and tests: tuning choices, timing helpers
 * and pipeline-cache internals. Not part of the public API: names here may change in any release.
 */
export {
  chooseTiling, GEMM_TILING_LARGE, GEMM_TILING_SMALL, GEMM_TILING_CPU, GEMM_VARIANTS, gemmTunable, tilingKey,
  type GemmTiling, type GemmProblemClass,
} from './linalg/matmul.js';
export { GEMV_VARIANTS, gemvTunable, gemvDefaultVariant, gemvVariantKey, type GemvProblemClass } from './linalg/gemv.js';
export { JACOBI_VARIANTS, jacobiTunable, jacobiDefaultVariant, jacobiVariantKey, type JacobiProblemClass } from './eig/jacobi.js';
export {
  chooseVariant, search, tuningReport, tuningLocation, forgetTuning, memoryStore, defaultTuningStore, adapterKey, sizeBucket,
  TUNING_VERSION, type Tunable, type TuningTrial, type TunerHost,
} from './core/tuning.js';
export {
  measure, measureFmaPeak, measureCopyBandwidth, median, type Measurement, type PeakResult, type FmaPeakMeasureOptions, type BandwidthResult, type CopyShape,
} from './linalg/peak.js';
export { getPipeline, pipelineCacheSize } from './core/pipelines.js';
export {
  compileExpression, parseExpr, toWGSL, toJS, differentiate, BUILTINS, type CompiledExpression, type Expr,
} from './expr/index.js';
