/**
 * Sweep plans, shards and merge: any split of a plan merges into the bit-identical result of one
 * shard; the merged layout matches direct simulate() runs; bad plans and bad shard sets are errors
 * that name what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/gpu/errors.js';
import { simulate, modelFromJSON } from '../../src/sde/index.js';
import { networkSummary, simulateNetwork } from '../../src/network/index.js';
import {
  checkCoverage, mergeShards, parseShard, shellQuote, slurmArrayScript, parseSweepPlan, planHash, planSize, prepareSweep, runShard, segmentsOf, shardRange,
  type ShardRecord, type SweepPlan, type SweepResult,
} from '../../src/sweep/index.js';
import { gpuIt } from '../helpers/device.js';

/** A leaky integrate-and-fire neuron driven by an Ornstein–Uhlenbeck current: two variables, events. */
const neuron = {
  name: 'lif-ou',
  state: { v: { init: -65 }, I: { init: 0 } },
  params: { EL: -65, tau: 10, tauI: 3, mu: 18, sI: 8 },
  drift: { v: '(EL - v + mu + I) / tau', I: '-I / tauI' },
  diffusion: { I: 'sI * sqrt(2 / tauI)' },
  event: { variable: 'v', threshold: -50, reset: -60, refractory: 1 },
};

const sweepFile = {
  target: { kind: 'model', model: neuron, steps: 150, dt: 0.1 },
  grid: { mu: [12, 18], sI: [4, 10] },
  points: [{ mu: 24 }],
  seeds: [3, 8],
  trials: 11,
  keep: ['final', 'flags', 'spikes', 'mean', 'variance', 'rate'],
};

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Every array of `actual` equals the same array of `expected` byte for byte. */
function expectSameResult(actual: SweepResult, expected: SweepResult, what: string): void {
  expect(Object.keys(actual.arrays).sort(), what).toEqual(Object.keys(expected.arrays).sort());
  for (const [name, a] of Object.entries(expected.arrays)) {
    const b = actual.arrays[name]!;
    expect(b.shape, `${what}: ${name} shape`).toEqual(a.shape);
    expect(bytes(b.data), `${what}: ${name} bytes`).toEqual(bytes(a.data));
  }
}

async function record(plan: SweepPlan, data: ShardRecord['data'], source: string): Promise<ShardRecord> {
  return { planHash: await planHash(plan), plan, variables: ['v', 'I'], data, source };
}

describe('sweep plans', () => {
  it('enumerates the grid (first parameter slowest), then the listed points', () => {
    const plan = parseSweepPlan(sweepFile);
    expect(plan.points).toEqual([{ mu: 12, sI: 4 }, { mu: 12, sI: 10 }, { mu: 18, sI: 4 }, { mu: 18, sI: 10 }, { mu: 24 }]);
    expect(planSize(plan)).toBe(5 * 2 * 11);
    expect(plan.target).toMatchObject({ integrator: 'em', t0: 0, refine: 1 });
  });

  it('names the field, the value and what was expected', () => {
    const bad = (patch: Record<string, unknown>): string => {
      try {
        parseSweepPlan({ ...sweepFile, ...patch });
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad({ trials: -2 })).toMatch(/^sweep file: trials: expected a whole number ≥ 1 and ≤ 4294967295, got -2$/);
    expect(bad({ trials: 2.5 })).toMatch(/trials: expected a whole number .*got 2\.5/);
    expect(bad({ grid: { mu: [1, { a: 1 }] } })).toMatch(/grid\.mu\[1\]: expected a number, a string, true\/false or a list of numbers, got \{"a":1\}/);
    expect(bad({ target: { ...sweepFile.target, model: 7 } })).toMatch(/target\.model: expected a model file path or the model object, got 7/);
    expect(bad({ target: { ...sweepFile.target, dt: 0 } })).toMatch(/target\.dt: expected a finite number > 0, got 0/);
    expect(bad({ version: 2 })).toMatch(/version: expected 1 \(the sweep file version\), got 2/);
    expect(bad({ target: { kind: 'netwrk' } })).toMatch(/target\.kind: expected a target whose kind is 'model', 'network' or 'experiment', got "netwrk"/);
    expect(bad({ seeds: [1, 'two'] })).toMatch(/seeds\[1\]: expected a whole number ≥ 0 and below 2\^53, got "two"/);
    expect(bad({ grid: { mu: [] } })).toMatch(/grid\.mu: expected a list of at least 1 value, got \[\]/);
    expect(bad({ keep: ['mean', 'median'] })).toMatch(/keep\[1\]: expected one of final, flags, spikes, mean, variance, rate, result, got "median"/);
    expect(bad({ colour: 'red' })).toMatch(/\(top level\): unknown field 'colour'/);
    expect(bad({ seeds: [1, 1] })).toMatch(/seeds: expected distinct seeds, got \[1,1\]/);
    expect(bad({ grid: undefined, points: undefined })).toMatch(/give a grid or points/);
    expect(bad({ points: [{ mu: 'high' }] })).toMatch(/mu: expected a number \(a model parameter\), got "high"/);
    expect(bad({ grid: { '1x': [1] } })).toMatch(/grid: expected a parameter name \(letters, digits, _; "population\.param" for a network\), got the key "1x"/);
    // A network's "population.param" name is no model parameter.
    expect(() => prepareSweep(parseSweepPlan({ ...sweepFile, grid: { 'E.mu': [1] }, points: undefined }))).toThrow(/sweep point 0 \(\{"E\.mu":1\}\): 'E\.mu' is not a parameter of model 'lif-ou'/);
    // zod drops a `__proto__` key silently; the plan refuses it instead of ignoring it.
    expect(bad(JSON.parse('{ "points": [{ "mu": 1 }, { "__proto__": { "mu": 2 } }] }'))).toMatch(/points\[1\]: expected a parameter name .*got the key "__proto__"/);
    expect(bad({ target: { ...sweepFile.target, integrator: 'rk4' } })).toMatch(/target\.integrator: expected one of em, .*got "rk4"/);
    // Every bad field at once, in one line.
    expect(bad({ trials: 0, seeds: [] })).toMatch(/seeds: expected a list of at least 1 seed, got \[\]; trials: expected a whole number ≥ 1 .*got 0$|trials: .*got 0; seeds: .*got \[\]$/);
    expect(() => prepareSweep(parseSweepPlan({ ...sweepFile, points: [{ gain: 2 }] }))).toThrow(/'gain' is not a parameter of model 'lif-ou' \(EL, tau, tauI, mu, sI\)/);
    expect(() => parseShard('3/3')).toThrow(/--shard: expected i\/N with 0 ≤ i < N \(e\.g\. 0\/4\), got '3\/3'/);
  });

  it('cuts the work line into contiguous shards that cover it once, for any N', () => {
    const plan = parseSweepPlan(sweepFile);
    const total = planSize(plan);
    for (let count = 1; count <= total; count += count < 12 ? 1 : 17) {
      let next = 0;
      for (let index = 0; index < count; index++) {
        const { begin, end } = shardRange(plan, { index, count });
        expect(begin).toBe(next);
        expect(end - begin).toBeGreaterThanOrEqual(Math.floor(total / count));
        const segs = segmentsOf(plan, begin, end);
        expect(segs.reduce((s, g) => s + g.count, 0)).toBe(end - begin);
        for (const g of segs) expect(g.firstTrial + g.count).toBeLessThanOrEqual(plan.trials);
        next = end;
      }
      expect(next).toBe(total);
    }
    expect(() => shardRange(plan, { index: 0, count: total + 1 })).toThrow(/shards: expected a whole number from 1 to 110 \(points × seeds × trials of this plan\), got 111/);
  });
});

describe('slurm scripts', () => {
  it('quote paths for the shell and map the array task to the shard', () => {
    expect(shellQuote('/data/run-1/plan.json')).toBe('/data/run-1/plan.json');
    expect(shellQuote("/data/Anna's runs/plan.json")).toBe(`'/data/Anna'\\''s runs/plan.json'`);
    const script = slurmArrayScript({
      command: 'wgneuro', planPath: '/p/my plan.json', outDir: '/p/out', resultPath: '/p/res', logDir: '/p/out/logs', workDir: '/p',
      shards: 12, jobName: 'wgneuro-x', arrayOptions: ['--gres=gpu:1'],
    });
    expect(script).toMatch(/^#SBATCH --array=0-11$/m);
    expect(script).toContain(`exec wgneuro sweep '/p/my plan.json' --shard "\${SLURM_ARRAY_TASK_ID}/12" --out /p/out --progress`);
    expect(() => slurmArrayScript({ command: 'w', planPath: 'p', outDir: 'o', resultPath: 'r', logDir: '/my logs', workDir: '/', shards: 2, jobName: 'j' }))
      .toThrow(/log directory '\/my logs' contains white space/);
  });
});

describe('sweep shards', () => {
  gpuIt('simulate with firstTrial reproduces a trial range of the whole run bit for bit', async (ctx) => {
    // Per-trial parameters too: each part reads its own slice of the run's arrays.
    const model = modelFromJSON({ ...neuron, params: { ...neuron.params, mu: Array.from({ length: 13 }, (_, i) => 10 + i) } });
    const options = { steps: 120, dt: 0.1, seed: 5, totalTrials: 13 };
    const whole = await simulate(ctx, model, { ...options, trials: 13 });
    const head = await simulate(ctx, model, { ...options, trials: 6, firstTrial: 0 });
    const tail = await simulate(ctx, model, { ...options, trials: 7, firstTrial: 6 });
    for (let k = 0; k < 2; k++) {
      const w = whole.finalState!.subarray(k * 13, (k + 1) * 13);
      expect(bytes(head.finalState!.subarray(k * 6, (k + 1) * 6))).toEqual(bytes(w.subarray(0, 6)));
      expect(bytes(tail.finalState!.subarray(k * 7, (k + 1) * 7))).toEqual(bytes(w.subarray(6)));
    }
    expect([...head.spikes!.counts, ...tail.spikes!.counts]).toEqual([...whole.spikes!.counts]);
    expect(whole.spikes!.counts.some((c) => c > 0)).toBe(true);
    await expect(simulate(ctx, model, { ...options, trials: 7, firstTrial: 7 })).rejects.toThrow(/options\.totalTrials: expected a whole number ≥ firstTrial \+ trials = 7 \+ 7 = 14 .*got 13/);
  });

  gpuIt('shards merge bit-identically to one shard for N = 1, 2, 3, 7, in the layout of direct runs', async (ctx) => {
    const plan = parseSweepPlan(sweepFile);
    const prepared = prepareSweep(plan);
    const merged: SweepResult[] = [];
    for (const count of [1, 2, 3, 7]) {
      const shards = [];
      // Run the shards out of order: the merge sorts them.
      for (let index = count - 1; index >= 0; index--) shards.push(await record(plan, await runShard(ctx, prepared, { index, count }), `shard ${index}/${count}`));
      merged.push(mergeShards(shards));
    }
    expectSameResult(merged[1]!, merged[0]!, 'N = 2');
    expectSameResult(merged[2]!, merged[0]!, 'N = 3');
    expectSameResult(merged[3]!, merged[0]!, 'N = 7');

    // The layout: [point, seed, trial, variable] equals simulate() of that point and seed.
    const one = merged[0]!;
    const final = one.arrays.final!.data as Float32Array;
    expect(one.arrays.final!.shape).toEqual([5, 2, 11, 2]);
    for (const [p, s] of [[1, 0], [4, 1]] as const) {
      const run = await simulate(ctx, prepared.kind === 'model' ? prepared.modelAt(p) : (null as never), { trials: 11, steps: 150, dt: 0.1, seed: plan.seeds[s]! });
      for (let i = 0; i < 11; i++) {
        for (let k = 0; k < 2; k++) expect(final[((p * 2 + s) * 11 + i) * 2 + k]).toBe(run.finalState![k * 11 + i]);
        expect((one.arrays.spikeCount!.data as Uint32Array)[(p * 2 + s) * 11 + i]).toBe(run.spikes!.counts[i]);
      }
    }
    // Statistics over seeds × trials of each point, left-out diverged trials (none here).
    const counts = one.arrays.count!.data as Float64Array;
    const mean = one.arrays.mean!.data as Float64Array;
    const variance = one.arrays.variance!.data as Float64Array;
    const rate = one.arrays.rate!.data as Float64Array;
    const spikes = one.arrays.spikeCount!.data as Uint32Array;
    for (let p = 0; p < 5; p++) {
      expect(counts[p]).toBe(22);
      for (let k = 0; k < 2; k++) {
        const xs = Array.from({ length: 22 }, (_, u) => final[(p * 22 + u) * 2 + k]!);
        const m = xs.reduce((a, b) => a + b, 0) / 22;
        expect(mean[p * 2 + k]).toBeCloseTo(m, 10);
        expect(variance[p * 2 + k]).toBeCloseTo(xs.reduce((a, x) => a + (x - m) ** 2, 0) / 21, 8);
      }
      const sumSpikes = Array.from({ length: 22 }, (_, u) => spikes[p * 22 + u]!).reduce((a, b) => a + b, 0);
      expect(rate[p]).toBeCloseTo(sumSpikes / 22 / 15, 12);
    }
    // A stronger drive fires more: the sweep varies what it says it varies.
    expect(rate[4]!).toBeGreaterThan(rate[0]!);
  });

  gpuIt('merge names missing, duplicate and foreign shards', async (ctx) => {
    const plan = parseSweepPlan({ ...sweepFile, points: undefined, grid: { mu: [18] }, seeds: [1], trials: 5, keep: ['mean'] });
    const other = parseSweepPlan({ ...sweepFile, points: undefined, grid: { mu: [18] }, seeds: [2], trials: 5, keep: ['mean'] });
    const prepared = prepareSweep(plan);
    const shards = await Promise.all([0, 1, 2].map(async (index) => record(plan, await runShard(ctx, prepared, { index, count: 3 }), `s${index}`)));
    expect(() => checkCoverage([shards[0]!, shards[2]!])).toThrow(/missing shard\(s\) 1 of 3/);
    expect(() => checkCoverage([...shards, { ...shards[1]!, source: 's1-again' }])).toThrow(/shard 1\/3 given 2 times \('s1', 's1-again'\)/);
    const foreign = await record(other, await runShard(ctx, prepareSweep(other), { index: 1, count: 3 }), 'other-plan');
    expect(foreign.planHash).not.toBe(shards[0]!.planHash);
    expect(() => checkCoverage([shards[0]!, foreign, shards[2]!])).toThrow(/shards of different plans: 'other-plan' \(plan [0-9a-f]{12}\) differ from 's0'/);
    const solo = await record(plan, await runShard(ctx, prepared, { index: 0, count: 1 }), 'solo');
    expect(() => checkCoverage([solo, shards[1]!])).toThrow(/'s1' is shard 1\/3 but 'solo' is one of 1 shards/);
    expect(() => checkCoverage([])).toThrow(/no shards given/);
  });

  gpuIt('a cancelled shard throws instead of returning part of its data', async (ctx) => {
    const plan = parseSweepPlan({ ...sweepFile, trials: 3 });
    const controller = new AbortController();
    controller.abort();
    await expect(runShard(ctx, prepareSweep(plan), { index: 1, count: 2 }, { signal: controller.signal })).rejects.toThrow(/shard 1\/2 was cancelled; nothing of it is returned/);
  });
});

/** A noisy leaky integrate-and-fire population model (one variable, events). */
const lif = (mu: number) => ({
  state: { v: { init: 'rand() * 10' } },
  params: { mu, tau: 10, sigma: 4 },
  drift: { v: '(mu - v) / tau' },
  diffusion: { v: 'sigma' },
  event: { variable: 'v', threshold: 10, reset: 0, refractory: 2 },
});

/** Two small populations, E exciting I and I inhibiting E through spikes. */
const tinyNetwork = {
  name: 'tiny-ei',
  populations: { E: { size: 6, model: lif(12) }, I: { size: 4, model: lif(9) } },
  projections: [
    { from: 'E', to: 'I', on: 'spike', target: 'v', weights: { kind: 'fixed-probability', p: 0.5, weight: 1.5, seed: 3 } },
    { from: 'I', to: 'E', on: 'spike', target: 'v', weights: { kind: 'fixed-probability', p: 0.5, weight: -1, seed: 4 } },
  ],
};

const networkSweepFile = {
  target: { kind: 'network', network: tinyNetwork, steps: 60, dt: 0.5 },
  grid: { 'E.mu': [8, 16] },
  points: [{ 'E.mu': 20, 'I.mu': 4 }],
  seeds: [2, 9],
  trials: 3,
};

describe('network sweeps', () => {
  it('name population parameters as "population.param" and refuse what a network cannot keep', () => {
    const plan = parseSweepPlan(networkSweepFile);
    expect(plan.points).toEqual([{ 'E.mu': 8 }, { 'E.mu': 16 }, { 'E.mu': 20, 'I.mu': 4 }]);
    expect(plan.keep).toEqual(['spikes', 'rate', 'mean', 'variance']);
    expect(plan.target).toMatchObject({ kind: 'network', t0: 0, timeUnit: 'ms' });
    // Whole points are the shards' units: 3 points, never split.
    expect(planSize(plan)).toBe(3 * 2 * 3);
    expect(shardRange(plan, { index: 1, count: 2 })).toEqual({ begin: 1, end: 3 });
    expect(() => shardRange(plan, { index: 0, count: 4 })).toThrow(/shards: expected a whole number from 1 to 3 \(points of this network plan; a point is never split\), got 4/);
    const bad = (patch: Record<string, unknown>, prepare = false): string => {
      try {
        const p = parseSweepPlan({ ...networkSweepFile, ...patch });
        if (prepare) prepareSweep(p);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad({ grid: { mu: [1] } })).toMatch(/point 0 \(\{"mu":1\}\): 'mu': expected "population\.param"/);
    expect(bad({ grid: { 'E.mu': ['x'] } })).toMatch(/point 0 .*E\.mu: expected a number \(a network parameter\), got "x"/);
    expect(bad({ keep: ['final'] })).toMatch(/keep: a network keeps spikes, rate, mean, variance .*got \["final"\]/);
    expect(bad({ grid: { 'X.mu': [1] } }, true)).toMatch(/sweep point 0 \(\{"X\.mu":1\}\): 'X\.mu': 'X' is not a population of network 'tiny-ei' \(E, I\)/);
    expect(bad({ grid: { 'E.nu': [1] } }, true)).toMatch(/'E\.nu': 'nu' is not a parameter of population 'E' \(mu, tau, sigma\)/);
    expect(bad({ grid: { 'E.a.b': [1] } })).toMatch(/grid: expected a parameter name \(letters, digits, _; "population\.param" for a network\)/);
    expect(bad({ target: { ...networkSweepFile.target, network: { ...tinyNetwork, populations: {} } } }, true)).toMatch(/^sweep file: target\.network: populations/);
    expect(bad({ target: { ...networkSweepFile.target, network: 'net.json' } })).toMatch(/target\.network: expected the network object \(paths are read by the command line\), got 'net\.json'/);
    expect(bad({ target: { ...networkSweepFile.target, timeUnit: 'min' } })).toMatch(/target\.timeUnit: expected one of ms, s, got "min"/);
  });

  gpuIt('shards of whole points merge bit-identically to one shard for N = 1, 2, 3, as networkSummary of direct runs', async (ctx) => {
    const plan = parseSweepPlan(networkSweepFile);
    const prepared = prepareSweep(plan);
    if (prepared.kind !== 'network') throw new Error('expected a network sweep');
    expect(prepared.variables).toEqual(['E.v', 'I.v']);
    const merged: SweepResult[] = [];
    for (const count of [1, 2, 3]) {
      const shards: ShardRecord[] = [];
      for (let index = count - 1; index >= 0; index--) {
        const data = await runShard(ctx, prepared, { index, count });
        shards.push({ planHash: await planHash(plan), plan, variables: prepared.variables, data, source: `shard ${index}/${count}` });
      }
      merged.push(mergeShards(shards));
    }
    expectSameResult(merged[1]!, merged[0]!, 'N = 2');
    expectSameResult(merged[2]!, merged[0]!, 'N = 3');

    const one = merged[0]!;
    expect(one.arrays.spikes!.shape).toEqual([3, 2, 2]);
    expect(one.arrays.rateHz!.axes).toEqual(['point', 'seed', 'population']);
    expect(one.arrays.mean!.shape).toEqual([3, 2, 2]);
    expect(one.arrays.nonFinite!.shape).toEqual([3, 2]);
    const spikes = one.arrays.spikes!.data as Float64Array;
    const rateHz = one.arrays.rateHz!.data as Float64Array;
    const mean = one.arrays.mean!.data as Float64Array;
    const variance = one.arrays.variance!.data as Float64Array;
    // The layout [point, seed, population] equals networkSummary of a direct run of that point and seed.
    for (const [p, s] of [[0, 1], [2, 0]] as const) {
      const run = await simulateNetwork(ctx, prepared.networkAt(p), { trials: 3, steps: 60, dt: 0.5, seed: plan.seeds[s]! });
      const summary = networkSummary(run, 'ms', 0);
      ['E', 'I'].forEach((name, k) => {
        const row = (p * 2 + s) * 2 + k;
        expect(spikes[row]).toBe(summary.populations[name]!.spikes);
        expect(rateHz[row]).toBe(summary.populations[name]!.rateHz);
        expect(mean[row]).toBe(summary.populations[name]!.mean.v);
        expect(variance[row]).toBe(summary.populations[name]!.var.v);
      });
    }
    // The sweep varies what it says: E fires more at E.mu = 16 than at 8 (each seed), I less at I.mu = 4.
    for (let s = 0; s < 2; s++) {
      expect(spikes[(1 * 2 + s) * 2]!).toBeGreaterThan(spikes[(0 * 2 + s) * 2]!);
      expect(spikes[(1 * 2 + s) * 2]!).toBeGreaterThan(0);
    }
    expect([...(one.arrays.nonFinite!.data as Uint32Array)]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
