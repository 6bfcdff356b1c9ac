/**
 * All experiments `wgneuro run` knows. Each model folder exports its experiment; add it here.
 */
import type { Experiment } from './experiment.js';

export const experiments: Experiment<any>[] = [];

export function findExperiment(name: string): Experiment<any> | undefined {
  return experiments.find((e) => e.name === name);
}
