/**
 * The contract every scientific experiment implements, so `wgneuro run <name>` can run it, print its
 * result table, and write JSON, CSV and figures.
 */
import type { Context } from '../core/context.js';

/** Parameter values an experiment accepts from the command line (`--name value`). */
export type ParamValue = number | string | boolean | number[];

export interface ExperimentParam {
  /** Default value; its type decides how the CLI parses `--name value`. */
  default: ParamValue;
  /** One line shown in `wgneuro run <name> --help`. */
  description: string;
}

/** A figure: a Vega-Lite specification rendered to SVG by the runner. */
export interface Figure {
  /** File stem, e.g. `'convergence-time'`. */
  name: string;
  /** A complete Vega-Lite spec with inline data (`data: { values: [...] }`). */
  spec: Record<string, unknown>;
}

export interface Experiment<R = unknown> {
  /** CLI name, e.g. `'whitening'`. */
  name: string;
  /** One line for `wgneuro run --help`. */
  description: string;
  params: Record<string, ExperimentParam>;
  /**
   * Run with fully resolved parameters. `progress(fraction, message)` drives the CLI progress bar;
   * `signal` is checked between dispatches so a long run can be cancelled.
   */
  run(
    ctx: Context,
    params: Record<string, ParamValue>,
    progress: (fraction: number, message?: string) => void,
    signal?: AbortSignal,
  ): Promise<R>;
  /** The machine-checkable JSON result (the documented shape). */
  toJSON(result: R): Record<string, unknown>;
  /** Rows for the CSV file(s): file stem → rows of flat records. */
  tables(result: R): Record<string, Record<string, number | string>[]>;
  figures(result: R): Figure[];
  /** Short human-readable summary printed without --json: simulation beside theory. */
  summary(result: R): string;
}
