/**
 * wgneuro: hand-written WGSL compute kernels for computational neuroscience on WebGPU.
 * Data flows one way: models → sde / eig / linalg → core → gpu.
 */
export * from './gpu/errors.js';
export { acquireDevice, type AcquireOptions } from './gpu/acquire.js';
export { createContext, Context, type ContextInfo, type ContextOptions, type DispatchDescriptor, type Binding, type Timing } from './core/context.js';
export { Tensor, shapeSize, type DType } from './core/tensor.js';
export { uniformLayout, type UniformLayout, type UniformSchema } from './core/layout.js';
export { foldWorkgroups, WGSL_LINEAR_INDEX } from './core/dispatch.js';
export { getPipeline, pipelineCacheSize, type KernelSource } from './core/pipelines.js';
export { fillRandom, randomNormal, randomUniform, type RandomOptions } from './random/index.js';
export { philoxWGSL } from '../shaders/common/philox.wgsl.js';
export * as reference from './reference/index.js';
export * from './linalg/index.js';
export * from './eig/index.js';
export * from './sde/index.js';
export * from './models/index.js';
