/** node-spiral: the neural-ODE spiral benchmark trained by the Gaussian-smoothing estimator, with its float64 twin. */
export { nodeSpiralExperiment, type NodeSpiralResult } from './experiment.js';
export { createSpiralLoss, trainSpiral, spiralInitialWeights, type SpiralLossKernel, type TrainSpiralOptions } from './train.js';
export { spiralTrajectory, spiralLossReference, spiralRollout, modelRhs } from './reference.js';
