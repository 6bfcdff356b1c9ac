/**
 * All experiments `wgneuro run` knows. Each model folder exports its experiment; add it here.
 */
import type { Experiment } from './experiment.js';
import { lifRateExperiment } from './lif-rate/index.js';
import { whiteningExperiment } from './whitening/index.js';
import { eiMotifsExperiment } from './ei-motifs/index.js';
import { morrisLecarFiExperiment } from './morris-lecar/index.js';
import { rsnExperiment } from './rsn/index.js';
import { nodeSpiralExperiment } from './node-spiral/index.js';
import { mlEsExperiment } from './ml-es/index.js';
import { shaping1DExperiment, shaping2DExperiment } from './shaping/index.js';
import { krotovHopfieldExperiment } from './krotov-hopfield/index.js';
import { richLazyExperiment } from './rich-lazy/index.js';
import { flatnessExperiment } from './flatness/index.js';

export const experiments: Experiment<any>[] = [];
experiments.push(lifRateExperiment);
experiments.push(whiteningExperiment);
experiments.push(eiMotifsExperiment);
experiments.push(morrisLecarFiExperiment);
experiments.push(rsnExperiment);
experiments.push(nodeSpiralExperiment);
experiments.push(mlEsExperiment);
experiments.push(shaping1DExperiment);
experiments.push(shaping2DExperiment);
experiments.push(krotovHopfieldExperiment);
experiments.push(richLazyExperiment);
experiments.push(flatnessExperiment);

export function findExperiment(name: string): Experiment<any> | undefined {
  return experiments.find((e) => e.name === name);
}
