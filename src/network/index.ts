/** Networks: populations of model neurons coupled by dense or sparse projections, many trials at once. */
export {
  defineNetwork, networkFromJSON,
  type CompiledPopulation, type CompiledProjection, type Network, type NetworkDefinition, type PopulationDefinition,
  type ProjectionDefinition, type WeightsDefinition,
} from './definition.js';
export {
  simulateNetwork, type NetworkProgress, type NetworkRecordOptions, type PopulationRecord, type SimulateNetworkOptions, type SimulateNetworkResult,
} from './simulate.js';
export { parseNetworkJSON, type NetworkJSON } from './schema.js';
export { fixedProbabilityCSR, type CSR } from './connectivity.js';
export { networkSummary, NETWORK_TIME_UNITS, type NetworkPopulationSummary, type NetworkSummary } from './summary.js';
