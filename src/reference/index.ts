/**
 * `wgneuro/reference`: the float64 CPU twins of the kernels, for checking GPU results in your own
 * tests. Plain TypeScript over typed arrays: no GPU, no WebGPU types, nothing above core imported.
 */
export { matmulRef, gemvRef, reduceRef, mapExprRef, orthonormalizeRef, sqrtmRef, invSqrtmRef, symmetricFunctionRef,
  symmetricEigenvaluesRef, type MatmulRefOptions, type ReduceRefOp } from './linalg.js';
export { jacobiEigReference, powerIterationReference, type SymmetricEig, type PowerReference } from './eig.js';
export { philox4x32_10, uniformFromBits, normal4FromBits } from './philox.js';
export { threefry4x32 } from './threefry.js';
export { simulateReference, type ReferenceOptions, type ReferenceResult } from './sde.js';
export { erf, erfcx } from './special.js';
export { dftRef, dft2Ref, fftAxisRef, fft2Ref } from './fft.js';
