/**
 * `simulateNetwork`: T trials of a network as one batch on the GPU. Each step records, in order,
 * the presynaptic sources and continuous coupling products, the fused neuron update of every
 * population, the spike propagation of every spike projection, and a clock tick; many steps go into
 * one compute pass, and the scheduler's encoder is submitted every `stepsPerSubmit` steps.
 * Trials are split into chunks when buffers would exceed the device limits; results do not
 * depend on the chunking (noise, initial values and connectivity are keyed by trial, not chunk).
 */
import {
  networkEventSections, networkPopulationUniforms, networkPopulationWGSL, NETWORK_NOT_MONITORED,
  NETWORK_SPIKE_RECORD_WORDS, type NetworkParamSlot,
} from '../../shaders/network.wgsl.js';
import {
  networkCouplingUniforms, networkCouplingWGSL, networkSpikeUniforms, networkSpikeWGSL, networkStatsUniforms,
  networkStatsWGSL, networkTickWGSL, NETWORK_STATS_WG, NETWORK_TILE, type NetworkCouplingKind,
} from '../../shaders/network-coupling.wgsl.js';
import type { Context } from '../core/context.js';
import { GPUOperationError, InputError } from '../gpu/errors.js';
import { seedToKey } from '../core/seed.js';
import { NETWORK_NOISE_TAG, refractorySteps, sortSpikes } from '../reference/network.js';
import type { CompiledPopulation, CompiledProjection, Network } from './definition.js';

/** What to record. */
export interface NetworkRecordOptions {
  /** Read back the final state. Default true. */
  final?: boolean;
  /**
   * Spike records (trial, neuron, step) kept per population, over the whole run. Default 2^20.
   * Records fill in step order; when one step overflows the capacity, which of that step's spikes
   * are kept is up to the GPU's ordering (counts and rates stay exact).
   */
  spikeCapacity?: number;
  /** Steps per population-rate bin. Default: one bin over the whole run. */
  rateBinSteps?: number;
  /** State monitors: chosen neurons of a population, every `every` steps (all variables by default). */
  monitors?: { population: string; neurons: number[]; variables?: string[]; every: number }[];
  /** Mean and variance of each variable over trials and neurons at the end, reduced on the GPU. Default true. */
  stats?: boolean;
}

/** Options of {@link simulateNetwork}. */
export interface SimulateNetworkOptions {
  trials: number;
  steps: number;
  dt: number;
  /** Default 0. */
  seed?: number;
  /** Time at step 0. Default 0. */
  t0?: number;
  record?: NetworkRecordOptions;
  /** Upper bound on trials per chunk. Default: as many as the device limits allow. */
  maxTrialsPerChunk?: number;
  /** Steps recorded per submission. Default 128. Results do not depend on it. */
  stepsPerSubmit?: number;
  /**
   * Kernel of dense continuous coupling: `'tiled'` (the batched product, trials as columns),
   * `'gather'` (one dot product per (trial, neuron)), or `'auto'` (default): tiled when at least a
   * tile (16) of postsynaptic neurons and of trials fill it, gather otherwise.
   */
  coupling?: 'auto' | 'tiled' | 'gather';
  /**
   * Stops the run between two submissions: the steps of the current chunk stop where they are, later
   * chunks do not run, and the result is `partial` (see `stepsCompleted`). Default: none.
   */
  signal?: AbortSignal;
  /** Called after each submission has finished on the GPU. Default: none. */
  onProgress?: (progress: NetworkProgress) => void;
  /**
   * With `onProgress`: also read back, after each submission, each population's spike records
   * written since the previous call and its rate counts so far (for live plots). Default false.
   */
  progressSpikes?: boolean;
}

/** How far a {@link simulateNetwork} run got (the argument of `onProgress`). */
export interface NetworkProgress {
  /** Trial-steps done over all trial-steps of the run, in [0, 1]. */
  fraction: number;
  /** The chunk running, its first trial and its number of trials. */
  chunk: number;
  trialOffset: number;
  trials: number;
  /** Steps the chunk's trials have completed. */
  step: number;
  /**
   * With `progressSpikes`, per population: the spike records (trial, neuron, step triples; trials are
   * indices of the whole run) written since the previous call, and the chunk's rate counts so far
   * [chunk trial][bin].
   */
  populations?: Record<string, { spikes: Uint32Array; rates: Uint32Array }>;
}

/** What one population recorded. */
export interface PopulationRecord {
  name: string;
  size: number;
  state: readonly string[];
  /** Final state [trial][neuron][variable]. */
  final?: Float32Array;
  /** Spikes sorted by trial, step, neuron (at most `capacity`). */
  spikes: { trial: Uint32Array; neuron: Uint32Array; step: Uint32Array; total: number; capacity: number; overflow: boolean };
  /** Spike counts [trial][bin] and the bin width in steps. */
  rates: { binSteps: number; bins: number; counts: Uint32Array };
  /** Spikes per trial. */
  spikeCounts: Uint32Array;
  monitor?: { neurons: number[]; variables: string[]; every: number; times: Float64Array; data: Float32Array };
  /** Over trials and neurons at the end (finite values only). */
  stats?: { count: number; mean: Record<string, number>; var: Record<string, number> };
}

/** Everything {@link simulateNetwork} recorded. */
export interface SimulateNetworkResult {
  network: Network;
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  populations: Record<string, PopulationRecord>;
  /** Per trial: bit 0 set when some state became NaN/Inf. */
  flags: Uint8Array;
  nonFinite: number;
  chunks: number;
  trialsPerChunk: number;
  /** Whether `signal` stopped the run before every trial completed every step. */
  partial: boolean;
  /**
   * Steps each trial completed (`steps` unless partial). A stopped run's final state, statistics
   * and rates are those of the step each trial reached; trials never started count no spikes.
   */
  stepsCompleted: Uint32Array;
}

const WG = 64;

function checkInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`${name}: got ${value}, expected a whole number in [${min}, ${max}]`);
}

interface PopulationSetup {
  pop: CompiledPopulation;
  paramSlots: NetworkParamSlot[];
  paramTable: Float32Array;
  monitor: { neurons: number[]; variables: number[]; every: number; records: number } | null;
  module: string;
}

/**
 * Simulate `trials` trials of `network` for `steps` steps of `dt`.
 * @throws InputError for bad options (before any GPU work).
 */
export async function simulateNetwork(ctx: Context, network: Network, options: SimulateNetworkOptions): Promise<SimulateNetworkResult> {
  const setup = validate(network, options, Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize));
  const { trials, steps, dt, seed, t0, record, chunk, stepsPerSubmit, capacity, binSteps, bins } = setup;
  const chunks = Math.ceil(trials / chunk);
  const pops = network.populations;
  const projections = network.projections;
  const popSetup = pops.map((pop) => preparePopulation(pop, projections, trials, steps, record));

  // ---- pipelines
  const popPipelines = await Promise.all(popSetup.map(async (ps) => ({
    update: await ctx.kernel({ label: `network.${ps.pop.name}.update`, code: ps.module, entryPoint: 'update', constants: { WG_SIZE: WG } }),
    sources: new Map(await Promise.all(projections.filter((p) => p.on === 'step' && p.from === ps.pop.index).map(async (p) =>
      [p.index, await ctx.kernel({ label: `network.${ps.pop.name}.source${p.index}`, code: ps.module, entryPoint: `source_${p.index}`, constants: { WG_SIZE: WG } })] as const))),
  })));
  const couplingKind = (p: CompiledProjection): NetworkCouplingKind => {
    if (p.csr) return 'csr';
    if (p.perTrial) return 'gather';
    const choice = options.coupling ?? 'auto';
    if (choice !== 'auto') return choice;
    return pops[p.to]!.size >= NETWORK_TILE && chunk >= NETWORK_TILE ? 'tiled' : 'gather';
  };
  const projPipelines = await Promise.all(projections.map((p) => {
    if (p.on === 'spike') return ctx.kernel({ label: `network.spikes.${p.storage}`, code: networkSpikeWGSL({ dense: p.storage === 'dense' }), constants: { WG_SIZE: WG } });
    const kind = couplingKind(p);
    return ctx.kernel({ label: `network.coupling.${kind}`, code: networkCouplingWGSL({ kind }), ...(kind === 'tiled' ? {} : { constants: { WG_SIZE: WG } }) });
  }));
  const tickPipeline = await ctx.kernel({ label: 'network.tick', code: networkTickWGSL });
  const statsPipeline = record.stats ? await ctx.kernel({ label: 'network.stats', code: networkStatsWGSL }) : null;

  // ---- host-side results
  const results = pops.map((pop, q) => ({
    final: record.final ? new Float32Array(trials * pop.size * pop.state.length).fill(Number.NaN) : undefined,
    spikes: [] as number[],
    total: 0,
    rates: new Uint32Array(trials * bins),
    monitor: popSetup[q]!.monitor ? new Float32Array(popSetup[q]!.monitor!.records * trials * popSetup[q]!.monitor!.neurons.length * popSetup[q]!.monitor!.variables.length).fill(Number.NaN) : undefined,
    stats: pop.state.map(() => ({ n: 0, mean: 0, m2: 0 })),
  }));
  const flags = new Uint8Array(trials);
  const stepsCompleted = new Uint32Array(trials);

  const made: GPUBuffer[] = [];
  const buffer = (label: string, size: number, usage: number, data?: ArrayBufferView): GPUBuffer => {
    const b = ctx.createBuffer({ label, size, usage, data });
    made.push(b);
    return b;
  };
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const UNIFORM = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  try {
    // ---- buffers sized for the largest chunk
    const clock = buffer('network.clock', 4, STORAGE);
    const popBuffers = pops.map((pop, q) => {
      const ps = popSetup[q]!;
      const N = pop.size;
      const V = pop.state.length;
      const sections = networkEventSections(chunk, N, bins, capacity);
      const mon = ps.monitor;
      return {
        state: buffer(`network.${pop.name}.state`, 4 * V * chunk * N, STORAGE),
        params: buffer(`network.${pop.name}.params`, 4 * Math.max(1, ps.paramTable.length), STORAGE, ps.paramTable),
        inputs: buffer(`network.${pop.name}.inputs`, 4 * Math.max(1, pop.inputs.length) * chunk * N, STORAGE),
        acc: buffer(`network.${pop.name}.spike-accumulators`, 4 * Math.max(1, pop.ringDepth * pop.spikeTargets.length * chunk * N), STORAGE),
        aux: buffer(`network.${pop.name}.aux`, 4 * (chunk * N + N), STORAGE),
        events: buffer(`network.${pop.name}.events`, 4 * sections.words, STORAGE),
        monitor: buffer(`network.${pop.name}.monitor`, 4 * Math.max(1, mon ? mon.records * chunk * mon.neurons.length * mon.variables.length : 1), STORAGE),
        partials: buffer(`network.${pop.name}.stats-partials`, 4 * 3 * V * Math.ceil((chunk * N) / NETWORK_STATS_WG), STORAGE),
      };
    });
    const projBuffers = projections.map((p) => {
      const from = pops[p.from]!;
      const to = pops[p.to]!;
      if (p.on === 'spike') {
        if (p.storage === 'dense') {
          const wq = new Int32Array(from.size * to.size);
          const out = p.outgoing!;
          for (let j = 0; j < from.size; j++) for (let e = out.offsets[j]!; e < out.offsets[j + 1]!; e++) wq[j * to.size + out.post[e]!] = out.wq[e]!;
          return { synapses: buffer(`network.projection${p.index}.dense-weights`, 4 * wq.length, STORAGE, wq), offPost: 0, offWeight: 0 };
        }
        const out = p.outgoing!;
        const words = new Uint32Array(from.size + 1 + 2 * out.post.length);
        words.set(out.offsets, 0);
        words.set(out.post, from.size + 1);
        words.set(new Uint32Array(out.wq.buffer, out.wq.byteOffset, out.wq.length), from.size + 1 + out.post.length);
        return { synapses: buffer(`network.projection${p.index}.synapses`, 4 * words.length, STORAGE, words), offPost: from.size + 1, offWeight: from.size + 1 + out.post.length };
      }
      const source = buffer(`network.projection${p.index}.source`, 4 * chunk * from.size, STORAGE);
      if (p.csr) {
        const index = new Uint32Array(to.size + 1 + p.csr.indices.length);
        index.set(p.csr.indptr, 0);
        index.set(p.csr.indices, to.size + 1);
        return {
          source,
          weights: buffer(`network.projection${p.index}.csr-values`, 4 * Math.max(1, p.csr.data.length), STORAGE, Float32Array.from(p.csr.data)),
          index: buffer(`network.projection${p.index}.csr-index`, 4 * index.length, STORAGE, index),
        };
      }
      return {
        source,
        weights: buffer(`network.projection${p.index}.weights`, 4 * p.dense!.length, STORAGE, Float32Array.from(p.dense!)),
        index: buffer(`network.projection${p.index}.unused-index`, 4, STORAGE),
      };
    });

    const [seedLo, seedHi] = seedToKey(seed);
    // the record budget is shared by the chunks: what earlier chunks kept is no longer available
    const remaining = pops.map(() => capacity);
    for (let c = 0; c < chunks; c++) {
      const offset = c * chunk;
      const count = Math.min(chunk, trials - offset);
      ctx.flush(); // writes below must follow everything already recorded
      const queue = ctx.device.queue;
      queue.writeBuffer(clock, 0, new Uint32Array([0]));
      const popUniforms = pops.map((pop, q) => {
        const ps = popSetup[q]!;
        const bufs = popBuffers[q]!;
        const N = pop.size;
        const V = pop.state.length;
        const sections = networkEventSections(count, N, bins, capacity);
        const init = new Float32Array(V * count * N);
        for (let r = 0; r < count; r++) {
          const x = pop.init(offset + r, seed);
          for (let v = 0; v < V; v++) init.set(x.subarray(v * N, (v + 1) * N), (v * count + r) * N);
        }
        queue.writeBuffer(bufs.state, 0, init);
        queue.writeBuffer(bufs.acc, 0, new Int32Array(Math.max(1, pop.ringDepth * pop.spikeTargets.length * count * N)));
        const aux = new Uint32Array(count * N + N);
        aux.fill(NETWORK_NOT_MONITORED, count * N);
        ps.monitor?.neurons.forEach((i, m) => { aux[count * N + i] = m; });
        queue.writeBuffer(bufs.aux, 0, aux);
        queue.writeBuffer(bufs.events, 0, new Uint32Array(sections.words));
        return buffer(`network.${pop.name}.uniforms`, networkPopulationUniforms.byteSize, UNIFORM, new Uint8Array(networkPopulationUniforms.pack({
          trials: count, trial_offset: offset, n: N, seed_lo: seedLo, seed_hi: seedHi,
          refractory_steps: pop.event ? refractorySteps(pop.event.refractory, dt) : 0,
          ring_depth: pop.ringDepth, bin_steps: binSteps, bins, rec_capacity: remaining[q]!,
          monitor_count: ps.monitor?.neurons.length ?? 0, monitor_every: ps.monitor?.every ?? 0, monitor_records: ps.monitor?.records ?? 0,
          off_list_count: sections.offsets.list_count, off_list: sections.offsets.list, off_flags: sections.offsets.flags,
          off_rates: sections.offsets.rates, off_rec_count: sections.offsets.rec_count, off_rec: sections.offsets.rec,
          off_map: count * N, dt, t0,
        })));
      });

      // ---- bind groups and grids of this chunk, in step order
      type Item = { label: string; pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; grid: [number, number, number] };
      const items: Item[] = [];
      const bind = (label: string, pipeline: GPUComputePipeline, entries: (GPUBuffer | null)[]): GPUBindGroup => ctx.device.createBindGroup({
        label: `${label}.bindings`,
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.flatMap((b, binding) => (b ? [{ binding, resource: { buffer: b } }] : [])),
      });
      const linear = (label: string, n: number): [number, number, number] => ctx.grid(label, Math.ceil(n / WG), WG);
      const inputWritten = pops.map((pop) => new Array<boolean>(pop.inputs.length).fill(false));
      for (const p of projections) {
        if (p.on !== 'step') continue;
        const pb = popBuffers[p.from]!;
        const label = `network.${pops[p.from]!.name}.source${p.index}`;
        const pipeline = popPipelines[p.from]!.sources.get(p.index)!;
        items.push({ label, pipeline, grid: linear(label, count * pops[p.from]!.size),
          bindGroup: bind(label, pipeline, [popUniforms[p.from]!, null, pb.state, pb.params, pb.inputs, null, null, null, null, projBuffers[p.index]!.source!]) });
      }
      for (const p of projections) {
        if (p.on !== 'step') continue;
        const from = pops[p.from]!;
        const to = pops[p.to]!;
        const accumulate = inputWritten[p.to]![p.inputSlot]! ? 1 : 0;
        inputWritten[p.to]![p.inputSlot] = true;
        const pb = projBuffers[p.index]!;
        const kind = couplingKind(p);
        const label = `network.coupling${p.index}.${kind}`;
        const uniforms = buffer(`${label}.uniforms`, networkCouplingUniforms.byteSize, UNIFORM, new Uint8Array(networkCouplingUniforms.pack({
          trials: count, trial_offset: offset, n_from: from.size, n_to: to.size, input_offset: p.inputSlot * count * to.size,
          accumulate, off_indices: to.size + 1, per_trial: p.perTrial ? 1 : 0,
        })));
        const grid: [number, number, number] = kind === 'tiled'
          ? ctx.grid(label, [Math.ceil(to.size / NETWORK_TILE), Math.ceil(count / NETWORK_TILE)])
          : linear(label, count * to.size);
        items.push({ label, pipeline: projPipelines[p.index]!, grid,
          bindGroup: bind(label, projPipelines[p.index]!, [uniforms, pb.weights!, pb.source!, popBuffers[p.to]!.inputs, kind === 'tiled' ? null : pb.index!]) });
      }
      pops.forEach((pop, q) => {
        const pb = popBuffers[q]!;
        const label = `network.${pop.name}.update`;
        items.push({ label, pipeline: popPipelines[q]!.update, grid: linear(label, count * pop.size),
          bindGroup: bind(label, popPipelines[q]!.update, [popUniforms[q]!, clock, pb.state, pb.params, pb.inputs, pb.acc, pb.aux, pb.events, pb.monitor]) });
      });
      for (const p of projections) {
        if (p.on !== 'spike') continue;
        const from = pops[p.from]!;
        const to = pops[p.to]!;
        const sections = networkEventSections(count, from.size, bins, capacity);
        const pb = projBuffers[p.index]!;
        const label = `network.spikes${p.index}.${p.storage}`;
        const uniforms = buffer(`${label}.uniforms`, networkSpikeUniforms.byteSize, UNIFORM, new Uint8Array(networkSpikeUniforms.pack({
          trials: count, n_from: from.size, n_to: to.size, ring_depth: to.ringDepth, targets: to.spikeTargets.length,
          accumulator: p.accumulator, delay: p.delay, off_list_count: sections.offsets.list_count, off_list: sections.offsets.list,
          off_post: pb.offPost!, off_weight: pb.offWeight!,
        })));
        const grid = p.storage === 'dense' ? linear(label, count * to.size) : ctx.grid(label, count);
        items.push({ label, pipeline: projPipelines[p.index]!, grid,
          bindGroup: bind(label, projPipelines[p.index]!, [uniforms, clock, popBuffers[p.from]!.events, pb.synapses!, popBuffers[p.to]!.acc]) });
      }
      items.push({ label: 'network.tick', pipeline: tickPipeline, grid: [1, 1, 1], bindGroup: bind('network.tick', tickPipeline, [clock]) });

      // ---- run the steps
      const scopes: Promise<(GPUError | null)[]>[] = [];
      const liveRead = pops.map(() => 0);
      let reached = 0;
      for (let step = 0; step < steps; step += stepsPerSubmit) {
        if (options.signal?.aborted) break;
        const end = Math.min(steps, step + stepsPerSubmit);
        ctx.device.pushErrorScope('out-of-memory');
        ctx.device.pushErrorScope('validation');
        const pass = ctx.encoder().beginComputePass({ label: `network.steps ${step}..${end}` });
        for (let k = step; k < end; k++) {
          for (const item of items) {
            pass.setPipeline(item.pipeline);
            pass.setBindGroup(0, item.bindGroup);
            pass.dispatchWorkgroups(item.grid[0], item.grid[1], item.grid[2]);
          }
        }
        pass.end();
        ctx.flush();
        scopes.push(Promise.all([ctx.device.popErrorScope(), ctx.device.popErrorScope()]));
        await ctx.device.queue.onSubmittedWorkDone();
        reached = end;
        if (options.onProgress) {
          const progress: NetworkProgress = { fraction: (offset * steps + count * end) / (trials * steps), chunk: c, trialOffset: offset, trials: count, step: end };
          if (options.progressSpikes) progress.populations = await peekEvents(ctx, pops, popBuffers.map((b) => b.events), count, bins, capacity, remaining, liveRead);
          options.onProgress(progress);
        }
      }
      stepsCompleted.fill(reached, offset, offset + count);
      for (const scope of scopes) {
        const error = (await scope).find((e) => e !== null);
        if (error) throw new GPUOperationError(`network steps (${items.map((i) => i.label).join(', ')})`, 'validation', error.message);
      }

      // ---- statistics on the GPU, then read back this chunk
      pops.forEach((pop, q) => {
        if (!statsPipeline) return;
        const n = count * pop.size;
        const groups = Math.ceil(n / NETWORK_STATS_WG);
        const uniforms = networkStatsUniforms.pack({ count: n, groups });
        ctx.dispatch({ label: `network.${pop.name}.stats`, pipeline: statsPipeline, bindings: [uniforms, popBuffers[q]!.state, popBuffers[q]!.partials], workgroups: [groups, pop.state.length] });
      });
      for (let q = 0; q < pops.length; q++) {
        const pop = pops[q]!;
        const res = results[q]!;
        const pb = popBuffers[q]!;
        const N = pop.size;
        const V = pop.state.length;
        const sections = networkEventSections(count, N, bins, capacity);
        const ev = new Uint32Array(await ctx.read(pb.events, 0, 4 * sections.words));
        for (let r = 0; r < count; r++) {
          flags[offset + r] = flags[offset + r]! | ev[sections.offsets.flags + r]!;
          res.rates.set(ev.subarray(sections.offsets.rates + r * bins, sections.offsets.rates + (r + 1) * bins), (offset + r) * bins);
        }
        const written = ev[sections.offsets.rec_count]!;
        res.total += written;
        const kept = Math.min(written, remaining[q]!);
        for (let k = 0; k < kept * NETWORK_SPIKE_RECORD_WORDS; k++) res.spikes.push(ev[sections.offsets.rec + k]!);
        remaining[q] = remaining[q]! - kept;
        if (res.final) {
          const s = new Float32Array(await ctx.read(pb.state, 0, 4 * V * count * N));
          for (let r = 0; r < count; r++) {
            for (let i = 0; i < N; i++) for (let v = 0; v < V; v++) res.final[((offset + r) * N + i) * V + v] = s[(v * count + r) * N + i]!;
          }
        }
        const mon = popSetup[q]!.monitor;
        if (mon && res.monitor) {
          const M = mon.neurons.length;
          const MV = mon.variables.length;
          const m = new Float32Array(await ctx.read(pb.monitor, 0, 4 * mon.records * count * M * MV));
          for (let rec = 0; rec < mon.records; rec++) {
            res.monitor.set(m.subarray(rec * count * M * MV, (rec + 1) * count * M * MV), (rec * trials + offset) * M * MV);
          }
        }
        if (statsPipeline) {
          const groups = Math.ceil((count * N) / NETWORK_STATS_WG);
          const part = new Float32Array(await ctx.read(pb.partials, 0, 4 * 3 * V * groups));
          for (let v = 0; v < V; v++) for (let g = 0; g < groups; g++) mergeMoments(res.stats[v]!, part[(v * groups + g) * 3]!, part[(v * groups + g) * 3 + 1]!, part[(v * groups + g) * 3 + 2]!);
        }
      }
      if (reached < steps) break; // stopped by the signal: later chunks do not start
    }
  } finally {
    ctx.releaseAfterSubmit(...made);
  }

  const populations: Record<string, PopulationRecord> = {};
  pops.forEach((pop, q) => {
    const res = results[q]!;
    const sorted = sortSpikes(Uint32Array.from(res.spikes));
    const n = sorted.length / 3;
    const spikeCounts = new Uint32Array(trials);
    for (let r = 0; r < trials; r++) for (let b = 0; b < bins; b++) spikeCounts[r] = spikeCounts[r]! + res.rates[r * bins + b]!;
    const rec: PopulationRecord = {
      name: pop.name, size: pop.size, state: pop.state,
      spikes: {
        trial: Uint32Array.from({ length: n }, (_, k) => sorted[3 * k]!),
        neuron: Uint32Array.from({ length: n }, (_, k) => sorted[3 * k + 1]!),
        step: Uint32Array.from({ length: n }, (_, k) => sorted[3 * k + 2]!),
        total: res.total, capacity, overflow: res.total > n,
      },
      rates: { binSteps, bins, counts: res.rates },
      spikeCounts,
    };
    if (res.final) rec.final = res.final;
    const mon = popSetup[q]!.monitor;
    if (mon && res.monitor) {
      rec.monitor = {
        neurons: mon.neurons, variables: mon.variables.map((v) => pop.state[v]!), every: mon.every,
        times: Float64Array.from({ length: mon.records }, (_, k) => t0 + (k + 1) * mon.every * dt), data: res.monitor,
      };
    }
    if (record.stats) {
      rec.stats = {
        count: res.stats[0]!.n,
        mean: Object.fromEntries(pop.state.map((v, k) => [v, res.stats[k]!.n > 0 ? res.stats[k]!.mean : Number.NaN])),
        var: Object.fromEntries(pop.state.map((v, k) => [v, res.stats[k]!.n > 1 ? res.stats[k]!.m2 / (res.stats[k]!.n - 1) : Number.NaN])),
      };
    }
    populations[pop.name] = rec;
  });
  let nonFinite = 0;
  for (const f of flags) if (f) nonFinite++;
  let partial = false;
  for (const s of stepsCompleted) if (s < steps) partial = true;
  return { network, trials, steps, dt, seed, populations, flags, nonFinite, chunks, trialsPerChunk: chunk, partial, stepsCompleted };
}

/**
 * Between submissions: each population's spike records written since the last peek (`read[q]`
 * of them were read before; records past the chunk's share of the capacity were never stored) and
 * the chunk's rate counts so far.
 */
async function peekEvents(
  ctx: Context, pops: readonly CompiledPopulation[], events: GPUBuffer[], count: number, bins: number, capacity: number,
  remaining: number[], read: number[],
): Promise<Record<string, { spikes: Uint32Array; rates: Uint32Array }>> {
  const out: Record<string, { spikes: Uint32Array; rates: Uint32Array }> = {};
  for (let q = 0; q < pops.length; q++) {
    const pop = pops[q]!;
    const { offsets } = networkEventSections(count, pop.size, bins, capacity);
    const written = new Uint32Array(await ctx.read(events[q]!, 4 * offsets.rec_count, 4))[0]!;
    const upTo = Math.min(written, remaining[q]!);
    const spikes = upTo > read[q]!
      ? new Uint32Array(await ctx.read(events[q]!, 4 * (offsets.rec + NETWORK_SPIKE_RECORD_WORDS * read[q]!), 4 * NETWORK_SPIKE_RECORD_WORDS * (upTo - read[q]!)))
      : new Uint32Array(0);
    read[q] = Math.max(read[q]!, upTo);
    const rates = new Uint32Array(await ctx.read(events[q]!, 4 * offsets.rates, 4 * count * bins));
    out[pop.name] = { spikes, rates };
  }
  return out;
}

/** Chan–Golub–LeVeque merge of (count, mean, M2) blocks in float64. */
function mergeMoments(acc: { n: number; mean: number; m2: number }, n: number, mean: number, m2: number): void {
  if (!(n > 0)) return;
  const total = acc.n + n;
  const delta = mean - acc.mean;
  acc.m2 += m2 + (delta * delta * acc.n * n) / total;
  acc.mean += (delta * n) / total;
  acc.n = total;
}

function validate(network: Network, options: SimulateNetworkOptions, maxBinding: number) {
  if (!network || !Array.isArray(network.populations)) throw new InputError('simulateNetwork: the network must come from defineNetwork(…)');
  const { trials, steps, dt } = options;
  checkInt(trials, 'trials', 1, 2 ** 31);
  checkInt(steps, 'steps', 1, 2 ** 32 - 2);
  if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`dt: got ${dt}, expected a positive number`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed: got ${seed}, expected a whole number in [0, 2^53)`);
  const t0 = options.t0 ?? 0;
  if (!Number.isFinite(t0)) throw new InputError(`t0: got ${t0}, expected a finite number`);
  const rec = options.record ?? {};
  const record = { final: rec.final ?? true, stats: rec.stats ?? true, monitors: rec.monitors ?? [] };
  const capacity = rec.spikeCapacity ?? 1 << 20;
  checkInt(capacity, 'record.spikeCapacity', 0, 2 ** 28);
  const binSteps = rec.rateBinSteps ?? steps;
  checkInt(binSteps, 'record.rateBinSteps', 1);
  const bins = Math.ceil(steps / binSteps);
  const stepsPerSubmit = options.stepsPerSubmit ?? 128;
  if (options.coupling !== undefined && !['auto', 'tiled', 'gather'].includes(options.coupling)) {
    throw new InputError(`coupling: got ${JSON.stringify(options.coupling)}, expected "auto", "tiled" or "gather"`);
  }
  checkInt(stepsPerSubmit, 'stepsPerSubmit', 1);
  for (const pop of network.populations) {
    if (pop.sweepLength !== null && pop.sweepLength !== trials) {
      throw new InputError(`populations.${pop.name}.sweep: got ${pop.sweepLength} values per parameter, expected ${trials} (one per trial)`);
    }
  }
  for (const p of network.projections) {
    if (p.perTrial && p.dense!.length !== trials * network.populations[p.to]!.size * network.populations[p.from]!.size) {
      throw new InputError(`projections[${p.index}].weights.data: got ${p.dense!.length} values, expected trials × to.size × from.size = ${trials * network.populations[p.to]!.size * network.populations[p.from]!.size}`);
    }
  }
  record.monitors.forEach((m, k) => {
    const pop = network.populations.find((p) => p.name === m.population);
    if (!pop) throw new InputError(`record.monitors[${k}].population: got "${m.population}", expected one of ${network.populations.map((p) => p.name).join(', ')}`);
    checkInt(m.every, `record.monitors[${k}].every`, 1);
    if (!Array.isArray(m.neurons) || m.neurons.length === 0) throw new InputError(`record.monitors[${k}].neurons: expected a non-empty list of neuron indices`);
    m.neurons.forEach((i, j) => checkInt(i, `record.monitors[${k}].neurons[${j}]`, 0, pop.size - 1));
    if (new Set(m.neurons).size !== m.neurons.length) throw new InputError(`record.monitors[${k}].neurons: a neuron is listed twice`);
    for (const v of m.variables ?? []) if (!pop.state.includes(v)) throw new InputError(`record.monitors[${k}].variables: got "${v}", expected one of ${pop.state.join(', ')}`);
    if (record.monitors.filter((o) => o.population === m.population).length > 1) throw new InputError(`record.monitors[${k}]: one monitor per population (merge the neuron lists)`);
  });
  // chunk size: the largest per-trial storage binding decides
  if (options.maxTrialsPerChunk !== undefined) checkInt(options.maxTrialsPerChunk, 'maxTrialsPerChunk', 1);
  let chunk = Math.min(trials, options.maxTrialsPerChunk ?? trials);
  const eventFixedBytes = 4 * (1 + NETWORK_SPIKE_RECORD_WORDS * capacity);
  if (eventFixedBytes > maxBinding) throw new InputError(`record.spikeCapacity: got ${capacity}, expected at most ${Math.floor((maxBinding / 4 - 1) / NETWORK_SPIKE_RECORD_WORDS)} records (this device's largest storage binding)`);
  for (const pop of network.populations) {
    const monitor = record.monitors.find((m) => m.population === pop.name);
    // the largest per-trial share of any one buffer of this population
    const buffers: Record<string, [perTrial: number, fixed: number]> = {
      state: [4 * pop.size * pop.state.length, 0],
      inputs: [4 * pop.size * pop.inputs.length, 0],
      'spike accumulators': [4 * pop.size * pop.ringDepth * pop.spikeTargets.length, 0],
      events: [4 * (2 * pop.size + 2 + bins), eventFixedBytes],
      monitor: [4 * (monitor ? Math.floor(steps / monitor.every) * monitor.neurons.length * (monitor.variables?.length ?? pop.state.length) : 0), 0],
    };
    for (const [name, [perTrial, fixed]] of Object.entries(buffers)) {
      if (perTrial === 0) continue;
      if (perTrial + fixed > maxBinding) throw new InputError(`populations.${pop.name}: one trial needs ${perTrial + fixed} bytes of ${name}, more than this device's largest storage binding (${maxBinding}); record less or use fewer neurons`);
      chunk = Math.min(chunk, Math.floor((maxBinding - fixed) / perTrial));
    }
  }
  for (const p of network.projections) {
    if (p.on === 'step') chunk = Math.min(chunk, Math.floor(maxBinding / (4 * network.populations[p.from]!.size)));
  }
  return { trials, steps, dt, seed, t0, record, chunk, stepsPerSubmit, capacity, binSteps, bins };
}

function preparePopulation(pop: CompiledPopulation, projections: readonly CompiledProjection[], trials: number, steps: number, record: { monitors: NonNullable<NetworkRecordOptions['monitors']> }): PopulationSetup {
  const N = pop.size;
  const slots: NetworkParamSlot[] = [];
  const table: number[] = [];
  pop.sources.forEach((src) => {
    switch (src.kind) {
      case 'scalar': slots.push({ kind: 'table', offset: table.length }); table.push(src.value); break;
      case 'neuron': slots.push({ kind: 'neuron', offset: table.length }); table.push(...src.values); break;
      case 'trial': slots.push({ kind: 'trial', offset: table.length }); table.push(...src.values.subarray(0, trials)); break;
      case 'input': slots.push({ kind: 'input', slot: src.slot }); break;
    }
  });
  const m = record.monitors.find((x) => x.population === pop.name);
  const monitor = m ? {
    neurons: m.neurons.slice(),
    variables: (m.variables ?? [...pop.state]).map((v) => pop.state.indexOf(v)),
    every: m.every,
    records: Math.floor(steps / m.every),
  } : null;
  const module = networkPopulationWGSL({
    population: pop.index, modelWGSL: pop.model.wgsl, state: pop.state, params: pop.params, paramSlots: slots,
    noise: pop.noise, eventIndex: pop.event?.variable ?? -1,
    spikeTargets: pop.spikeTargets.map((t) => ({ variable: t.variable, invScale: 1 / t.scale })),
    sources: projections.filter((p) => p.on === 'step' && p.from === pop.index).map((p) => ({ projection: p.index, wgsl: p.sourceWGSL })),
    monitorVariables: monitor?.variables ?? [], noiseTag: (NETWORK_NOISE_TAG | (pop.index << 8)) >>> 0,
  });
  return { pop, paramSlots: slots, paramTable: Float32Array.from(table), monitor, module };
}
