/**
 * Sweeps: a plan (model, network or experiment × parameter points × seeds × trials), cut into shards that
 * any batch scheduler can run, and merged into the result one process would give, bit for bit.
 * Files are read and written by the command line (src/cli/sweep-files.ts).
 */
export {
  parseSweepPlan, planHash, planSize, planUnits, parseShard, shardRange, segmentsOf, checkShardCount, KEEP, SWEEP_FORMAT_VERSION,
  type SweepPlan, type ModelTarget, type NetworkTarget, type ExperimentTarget, type Keep, type ShardId, type Segment,
} from './plan.js';
export { prepareSweep, runShard, estimateShardMemory, shardArrayNames, networkShardWidths, type PreparedSweep, type ShardData, type SweepArray, type RunShardOptions } from './run.js';
export { mergeShards, checkCoverage, finishSweep, networkPopulations, type ShardRecord, type SweepResult, type ResultArray } from './merge.js';
export { slurmArrayScript, slurmMergeScript, parseSbatchJobId, shellQuote, type SlurmScriptOptions } from './slurm.js';
