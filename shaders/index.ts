/**
 * `wgneuro/shaders`: the WGSL sources of wgneuro's kernels and the helpers that compose them, for
 * people who build their own pipelines on their own `GPUDevice`. Each `*WGSL(options)` returns WGSL
 * text; each `*Params` is the uniform layout (`uniformLayout`) its kernel reads at `@group(0)`, whose
 * `pack(values)` gives the bytes to upload. Workgroup sizes are WGSL override constants with defaults
 * (named in each generator's doc comment), set through the pipeline's `constants`.
 */
export { uniformLayout, type UniformLayout, type UniformSchema } from '../src/core/layout.js';
export { foldWorkgroups, WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
export { philoxWGSL } from './common/philox.wgsl.js';
export { threefryWGSL, threefryFn } from './common/threefry.wgsl.js';
export { generatorWGSL, generatorBlockFn } from './common/generator.wgsl.js';
export { workgroupReduceWGSL, type WorkgroupReduceOptions } from './common/workgroup-reduce.wgsl.js';
export { gemmWGSL, gemmDirectWGSL, gemmParams, type GemmShaderOptions, type GemmDirectOptions } from './gemm.wgsl.js';
export { gemvWGSL, gemvParams, type GemvShaderOptions } from './gemv.wgsl.js';
export { reduceWGSL, reduceParams, type ReduceShaderOptions } from './reduce.wgsl.js';
export { mapWGSL, identityWGSL, identityParams, scaleByWGSL, scaleByParams, type MapShaderOptions } from './elementwise.wgsl.js';
export { randomFillWGSL, randomFillParams, type RandomFillOptions } from './random.wgsl.js';
export { cholInverseWGSL, cholInverseParams } from './orthonormalize.wgsl.js';
export { jacobiWGSL, jacobiSerialWGSL, jacobiParams, JACOBI_MAX_N } from './jacobi.wgsl.js';
export { fftPassWGSL, fftPassParams, fftPointwiseWGSL, fftPointwiseParams, type FftShaderOptions, type FftPointwiseOp } from './fft.wgsl.js';
