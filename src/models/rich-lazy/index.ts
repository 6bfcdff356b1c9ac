/** rich-lazy: rich vs lazy learning of a ReLU RNN from initial connectivity of swept rank (arXiv 2310.08513). */
export {
  richLazyExperiment, groupRuns, compareRuns, type RichLazyResult, type RichLazyRun, type RichLazyGroup, type RichLazyComparison, type InitLabel,
} from './experiment.js';
export {
  decisionBatch, seedDraw, initialNetwork, effectiveRank, relativeChange, frobenius, gram, kernelAlignment, lossReference, outputJacobian, tangentKernel,
  COHERENCES, PAPER_TIMING, TASK_INPUTS, TASK_OUTPUTS, type InitKind, type Network, type SeedDraw, type TaskBatch, type TaskTiming,
} from './task.js';
export { meanSE, signTestP, pairedComparison, type MeanSE, type PairedComparison } from './stats.js';
