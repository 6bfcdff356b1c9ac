/**
 * Testing entry point (`wgneuro/testing`): generators of test matrices with exactly known spectra,
 * and the CPU twins of kernels (float64) that tests and benches compare the GPU against. Not part of
 * the public API.
 */
export {
  diagonalMatrix, gaussianMatrix, knownSpectrumMatrix, randomOrthogonal, rankOneOutlierMatrix, seededNormal,
  symmetricWithSpectrum, type KnownSpectrumOptions, type RankOneOptions,
} from './eig/testmatrices.js';
export { philox4x32_10, uniformFromBits, normal4FromBits } from './reference/philox.js';
export { threefry4x32 } from './reference/threefry.js';
export { seedToKey } from './core/seed.js';
export { simulateReference, type ReferenceOptions, type ReferenceResult } from './reference/sde.js';
export { simulateNetworkReference, type NetworkPlan, type NetworkReferenceOptions, type NetworkReferenceResult } from './reference/network.js';
export { dftRef, dft2Ref, dftAxisRef, fftAxisRef, fft2Ref } from './reference/fft.js';
