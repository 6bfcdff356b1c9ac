/**
 * linalg: matrix products, reductions, elementwise maps, column orthonormalization and matrix
 * square roots on the GPU (f32), each with a float64 CPU reference in `src/reference/linalg.ts`.
 * Every operation validates its inputs before any GPU work, records dispatches (the context's
 * scheduler submits them), and returns tensors the caller owns unless a `dst` was given.
 * Tiling choices and the peak/bandwidth probes (src/linalg/peak.ts) are exported by src/internal.ts.
 */
export { matmul, type MatmulOptions } from './matmul.js';
export { gemv, type GemvOptions, type GemvVariant } from './gemv.js';
export { sum, max, min, maxAbs, sumSquares, norm2, dot, type ReduceOptions } from './reduce.js';
export { mapExpr, axpy, scale, fillIdentity, scaleByTensor, type MapExprOptions, type ScaleOptions } from './elementwise.js';
export { orthonormalize, type OrthonormalizeOptions } from './orthonormalize.js';
export { sqrtm, invSqrtm, newtonSchulz, isUsable, describeFailures, MatrixFunctionError, type SqrtmOptions, type NewtonSchulzResult, type MatrixStatus } from './sqrtm.js';
export { fft, ifft, fft2, ifft2, toComplex, realPart, multiplySpectrum, type FftOptions } from './fft.js';
