/** rich-lazy: rich vs lazy learning of a rate RNN from initial connectivity of controlled rank (arXiv 2310.08513). */
export { richLazyExperiment, type RichLazyResult, type RichLazyRun } from './experiment.js';
export { decisionBatch, initialNetwork, effectiveRank, relativeChange, gram, kernelAlignment, INIT_KINDS, type InitKind, type Network, type TaskBatch } from './task.js';
