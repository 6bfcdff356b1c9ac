/**
 * The record and store types of the tuner (src/core/tuning.ts), in a module of their own so the
 * Node disk store (`tuning-node.ts`, reached through the `#tuning-store` import) and its browser
 * stand-in can use them without an import cycle.
 */

/** A persistent home for tuning results (see `TuningOptions.store` in tuning.ts). */
export interface TuningStore {
  /** Where the results live, for reports (a file path, `'IndexedDB wgneuro/tuning'`, `'memory'`). */
  readonly location: string;
  /** Every record kept for this adapter (keyed by `kernel|shapeClass`). */
  load(adapterKey: string): Promise<Record<string, TuningRecord>>;
  /** Keep one record (merged with what other processes may have written meanwhile). */
  save(adapterKey: string, record: TuningRecord): Promise<void>;
}

/** One candidate's measurement in a {@link TuningRecord}. */
export interface TuningCandidate {
  /** The variant's id (see `Tunable.key` in tuning.ts). */
  variant: string;
  /** Fastest measured time in ms; undefined when the budget ran out before it was timed. */
  ms?: number;
  /** Runs timed. */
  runs: number;
}

/** The outcome of one search: what was timed and what won. */
export interface TuningRecord {
  /** Kernel family, e.g. `'gemm'`. */
  kernel: string;
  /** Problem class the winner serves, e.g. `'nn m≤1024 n≤1024 k≤1024 b1'`. */
  shapeClass: string;
  /** The problem that was timed (the class's representative), in words. */
  timed: string;
  /** Candidates in the order tried; the first is the default variant. */
  candidates: TuningCandidate[];
  /** Id of the fastest candidate. */
  winner: string;
  /** Id of the default variant (used when tuning is off). */
  fallback: string;
  /** Wall-clock ms the search took, compilation included. */
  tuningMs: number;
  /** Budget the search ran under. */
  budgetMs: number;
  /** `'timestamp-query'` or `'wall-clock'`. */
  timing: string;
  /** ISO date of the search. */
  date: string;
}
