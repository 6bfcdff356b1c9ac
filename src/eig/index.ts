/**
 * Eigensolvers on the GPU: restarted Arnoldi / Lanczos (`eigs`, `eigsBatched`), power iteration, subspace iteration,
 * and batched Jacobi for many small symmetric matrices; plus generators of test matrices with
 * exactly known spectra.
 */
export { eigs, eigsBatched, type Complex, type EigsOptions, type EigsResult, type Which } from './eigs.js';
export { powerIteration, type PowerOptions, type PowerResult } from './power.js';
export { subspaceIteration, type SubspaceOptions } from './subspace.js';
export { jacobiEigBatched, type JacobiOptions, type JacobiResult } from './jacobi.js';
export { EigConvergenceError, type MatrixInput, type MatrixShape } from './input.js';
export {
  diagonalMatrix,
  gaussianMatrix,
  knownSpectrumMatrix,
  randomOrthogonal,
  rankOneOutlierMatrix,
  seededNormal,
  symmetricWithSpectrum,
  type KnownSpectrumOptions,
  type RankOneOptions,
} from './testmatrices.js';
