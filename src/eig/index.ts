/**
 * Eigensolvers on the GPU: restarted Arnoldi / Lanczos (`eigs`, `eigsBatched`), power iteration, subspace iteration,
 * and batched Jacobi for many small symmetric matrices. The generators of test matrices with exactly
 * known spectra (testmatrices.ts) are exported by src/testing.ts.
 */
export { eigs, eigsBatched, type Complex, type EigsOptions, type EigsResult, type Which } from './eigs.js';
export { powerIteration, type PowerOptions, type PowerResult } from './power.js';
export { subspaceIteration, type SubspaceOptions } from './subspace.js';
export { jacobiEigBatched, type JacobiOptions, type JacobiResult, type JacobiVariant } from './jacobi.js';
export { EigConvergenceError, type LinearOperator, type MatrixInput, type MatrixShape } from './input.js';
