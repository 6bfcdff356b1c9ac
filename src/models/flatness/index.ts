/** flatness: loss sharpness against representation volume and dimension along SGD training of an MNIST MLP (arXiv 2310.01770). */
export { flatnessExperiment, flatnessCorrelations, lateCheckpoints, LATE_RULES, type LateRule, type FlatnessResult, type FlatnessCheckpoint, type FlatnessCorrelations, type CorrelationName } from './experiment.js';
export {
  initialMlp, uploadMlp, MLP_LOSS_KINDS, type MlpLossKind, uploadBatch, mlpForward, mlpLoss, evaluateMlp, sharpness, lossGradient,
  type GpuMlp, type GpuBatch, type Sharpness, type SharpnessOptions,
} from './mlp.js';
export {
  covariance, representationStats, logDetCholesky, hiddenJacobian, localRepresentationStats, type LocalStats, pearson, spearman, ranks, checkpointSteps, latePhase, interpolationPhase, type RepresentationStats,
} from './stats.js';
