/** The ei-motifs experiment: E–I networks with pairwise connectivity motifs (SEEDS.md §3). */
export {
  eiMotifsExperiment,
  paradoxNetwork,
  type EIMotifsResult,
  type MotifCase,
  type MotifRealization,
  type ParadoxPoint,
} from './experiment.js';
export { generateMotifConnectivity, validateMotifNetwork, type MotifConnectivity, type MotifGenerateOptions } from './generate.js';
export { dominantEigenvalues, motifStatisticsGPU, steadyState, type DominantEigenvalues, type SteadyState } from './analysis.js';
