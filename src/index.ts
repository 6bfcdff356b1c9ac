/**
 * wgneuro: hand-written WGSL compute kernels for computational neuroscience on WebGPU.
 *
 * This file is the public API, listed by name. Layers import downward only (checked by
 * .dependency-cruiser.cjs in test/node-only/architecture.test.ts):
 * gpu → core → shaders → linalg / eig / sde / random → models → cli / bench.
 * Tuning helpers and pipeline internals are in `src/internal.ts`; test-matrix generators and the
 * CPU twins of kernels are in `src/testing.ts`.
 */
export {
  WgneuroError, GPUUnavailableError, ShaderCompileError, GPUOperationError, LimitError, DeviceLostError, InputError,
  type ShaderMessage,
} from './gpu/errors.js';
export { acquireDevice, type AcquireOptions } from './gpu/acquire.js';
export {
  createContext, Context, type ContextInfo, type ContextOptions, type DispatchDescriptor, type Binding, type Timing,
} from './core/context.js';
export { Tensor, shapeSize, type DType, type TensorOwner } from './core/tensor.js';
export { uniformLayout, type UniformLayout, type UniformSchema } from './core/layout.js';
export { foldWorkgroups, WGSL_LINEAR_INDEX } from './core/dispatch.js';
export type { KernelSource } from './core/pipelines.js';
export { seedToKey } from './core/seed.js';
export { philoxWGSL } from '../shaders/common/philox.wgsl.js';
export { fillRandom, randomNormal, randomUniform, type RandomOptions } from './random/index.js';
export {
  matmul, type MatmulOptions,
  gemv, type GemvOptions,
  sum, max, min, maxAbs, sumSquares, norm2, dot, type ReduceOptions,
  mapExpr, axpy, scale, fillIdentity, scaleByTensor, type MapExprOptions, type ScaleOptions,
  orthonormalize, type OrthonormalizeOptions,
  sqrtm, invSqrtm, newtonSchulz, type SqrtmOptions, type NewtonSchulzResult,
} from './linalg/index.js';
export {
  eigs, eigsBatched, type Complex, type EigsOptions, type EigsResult, type Which,
  powerIteration, type PowerOptions, type PowerResult,
  subspaceIteration, type SubspaceOptions,
  jacobiEigBatched, type JacobiOptions, type JacobiResult,
  EigConvergenceError, type MatrixInput, type MatrixShape,
} from './eig/index.js';
export {
  defineSDE, defineLangevin, modelFromJSON,
  type SDEDefinition, type LangevinDefinition, type SDEModel, type ModelJS, type UserFunction,
  type EventDefinition, type AbsorbingBoundary, type ExprSource, type InitSource,
  INTEGRATORS, resolveIntegrator, type IntegratorInfo, type IntegratorName,
  simulate, type SimulateOptions, type SimulateResult, type RecordOptions, type SimulateProgress, type EnsembleStats,
} from './sde/index.js';
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
} from './models/index.js';
