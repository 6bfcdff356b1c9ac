/**
 * autodiff: reverse-mode gradients of tensor programs on the GPU (a tape of matmul, elementwise
 * expressions, sums, log-softmax and cross-entropy), backpropagation through time for rate RNNs,
 * Hessian-vector products by double backward with Lanczos eigenvalues and Hutchinson traces, and
 * the SGD/Adam optimizers. Float64 references: ./reference.ts (replay of a tape) and
 * src/reference/optim.ts.
 *
 * Layer: above linalg/eig/sde/random, below network and models.
 */
export { createTape, Tape, Var, type GradOptions, type OpRecord, type TapeNode } from './tape.js';
export { rnnStep, rnnRollout, type RateRNNOptions, type RateRNNWeights } from './rnn.js';
export {
  hessianOperator, hvp, hessianEigenvalues, hutchinsonTrace, rademacherProbes,
  type HessianOperator, type HutchinsonOptions, type HutchinsonResult,
} from './hessian.js';
export {
  createAdam, createSGD, createOptimizer,
  type AdamOptimizer, type AdamOptions, type SGDOptions, type TensorOptimizer, type OptimizerOptions, type ParameterOptimizer,
} from './optim.js';
export { leafValues, replayReference, finiteDifferenceGradient, finiteDifferenceHessian } from './reference.js';
