/** ml-es: recurrent Morris–Lecar networks trained by evolution strategies on evidence integration (Hazelden et al.). */
export { mlEsExperiment, type MlEsResult } from './experiment.js';
export { evidenceTask, EVIDENCE_CLASSES, EVIDENCE_VOCABULARY, NULL_TOKEN, EOS_TOKEN, type EvidenceTask, type EvidenceTaskOptions } from './task.js';
export {
  trainMlEs, mlEsInitialWeights, mlEsInitialState, mlValidationReference, readoutGradient,
  type TrainMlEsOptions, type MlEsTraining, type MlEsEpoch, type MlEsWeights,
} from './train.js';
