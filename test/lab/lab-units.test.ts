/**
 * The lab's pure parts, in Node and in Chromium: merging batch statistics, final-state moments,
 * histograms, spike detection, link hashes, where the model and network checkers' messages land in
 * the text, and the network page's live raster and rates.
 */
import { describe, expect, it } from 'vitest';
import { checkModelText, locateMessage } from '../../lab/check.js';
import {
  finalMoments, finishMoments, histogram, mergeBatch, newAccumulator, populationRate, spikesFromSnapshots,
} from '../../lab/ensemble.js';
import { formatHash, formatNetworkHash, parseHash, parseNetworkHash } from '../../lab/hash.js';
import { checkNetworkText, locateNetworkMessage } from '../../lab/network-check.js';
import { NetworkLive } from '../../lab/network-live.js';
import type { NetworkProgress, SimulateNetworkResult } from '../../src/network/index.js';
import cubaText from '../../examples/networks/cuba.json?raw';
import rateText from '../../examples/networks/rate.json?raw';

/** Deterministic pseudo-random numbers (a small LCG is enough for test data). */
function numbers(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - m) ** 2;
  return { mean: m, variance: v / (x.length - 1) };
}

describe('lab ensemble bookkeeping', () => {
  it('merging batch moments equals the moments of all trials (3 slots, 2 variables, batches 7, 1, 13)', () => {
    const slots = 3;
    const vars = 2;
    const sizes = [7, 1, 13];
    const data = sizes.map((n, b) => Array.from({ length: slots * vars }, (_, q) => numbers(n, 100 * b + q).map((x) => 3 * x + q)));
    const acc = newAccumulator(slots, vars);
    for (let b = 0; b < sizes.length; b++) {
      const count = new Float64Array(slots).fill(sizes[b]!);
      const mean = new Float64Array(slots * vars);
      const variance = new Float64Array(slots * vars);
      for (let q = 0; q < slots * vars; q++) {
        const m = moments(data[b]![q]!);
        mean[q] = m.mean;
        variance[q] = sizes[b]! > 1 ? m.variance : Number.NaN;
      }
      mergeBatch(acc, vars, count, mean, variance);
    }
    const { mean, variance } = finishMoments(acc, vars);
    for (let q = 0; q < slots * vars; q++) {
      const all = moments(data.flatMap((d) => Array.from(d[q]!)));
      expect(mean[q]).toBeCloseTo(all.mean, 12);
      expect(variance[q]).toBeCloseTo(all.variance, 12);
    }
    expect(Array.from(acc.n)).toEqual([21, 21, 21]);
  });

  it('a batch with no trials in a slot (a cancelled batch) leaves that slot unchanged; empty slots are NaN', () => {
    const acc = newAccumulator(2, 1);
    mergeBatch(acc, 1, [3, 0], [1, Number.NaN], [0.5, Number.NaN]);
    const { mean, variance } = finishMoments(acc, 1);
    expect(mean[0]).toBe(1);
    expect(variance[0]).toBe(0.5);
    expect(mean[1]).toBeNaN();
    expect(variance[1]).toBeNaN();
  });

  it('final moments skip flagged and never-run (NaN) trials', () => {
    const final = Float32Array.from([1, 2, 3, Number.NaN, 100, 10, 20, 30, Number.NaN, 100]);
    const skip = Uint8Array.from([0, 0, 0, 0, 1]);
    const [x, y] = finalMoments(final, 2, 5, skip);
    expect(x).toEqual({ mean: 2, var: 1, count: 3 });
    expect(y).toEqual({ mean: 20, var: 100, count: 3 });
  });

  it('histograms count every finite value once over the range', () => {
    const values = Float32Array.from([...numbers(101, 9), Number.NaN, Infinity]);
    const h = histogram(values, 7);
    expect(h.edges.length).toBe(8);
    expect(h.counts.reduce((a, b) => a + b)).toBe(101);
    expect(histogram([], 5).counts.length).toBe(0);
    expect(Array.from(histogram([2, 2, 2], 3).counts)).toEqual([0, 3, 0]);
  });

  it('spikes are snapshots at the reset value after a non-reset one; rate integrates to spikes per trial', () => {
    // 2 trials × 6 snapshots, [time][trial]; reset −60 held for two snapshots after each spike.
    const r = -60;
    const data = Float32Array.from([-55, -52, r, -51, r, r, -58, r, -57, r, r, -50]);
    const times = [1, 2, 3, 4, 5, 6];
    const s = spikesFromSnapshots(data, 6, 2, r, times);
    // trial 0: −55, r, r, −58, −57, r → spikes at t = 2 and 6; trial 1: −52, −51, r, r, r, −50 → t = 3.
    expect(Array.from(s.trial)).toEqual([0, 0, 1]);
    expect(Array.from(s.times)).toEqual([2, 6, 3]);
    const rate = populationRate(s.times, 2, 6, 3);
    // Σ rate × bin width = spikes per trial.
    expect(rate.rate.reduce((a, b) => a + b) * 2).toBeCloseTo(3 / 2, 12);
  });
});

describe('lab links', () => {
  it('formatHash and parseHash round-trip a model with every special character', () => {
    const model = '{"name": "a&b=c #1 %20 +", "drift": {"x": "-x / 2"}}\n';
    const settings = { trials: 1001, steps: 37, dt: 0.00125, seed: 2 ** 40 + 3, integrator: 'milstein' };
    const parsed = parseHash(formatHash(model, settings, true));
    expect(parsed).toEqual({ model, settings, run: true });
    expect(parseHash('#trials=abc&steps=&seed=5').settings).toEqual({ seed: 5 });
    // Links already shared keep working: the keys and their order are part of the format.
    expect(formatHash('{}', settings)).toBe('#model=%7B%7D&trials=1001&steps=37&dt=0.00125&seed=1099511627779&integrator=milstein');
    expect(formatNetworkHash('{}', { trials: 2, steps: 9, dt: 0.1, seed: 0, timeUnit: 'ms', rateBinSteps: 20 }, true))
      .toBe('#network=%7B%7D&trials=2&steps=9&dt=0.1&seed=0&timeUnit=ms&rateBin=20&run=1');
    expect('model' in parseHash('#trials=3')).toBe(false);
  });
});

describe('lab model checker', () => {
  const ou = '{\n  "state": { "x": { "init": 1 } },\n  "params": { "theta": 1, "sigma": 0.5 },\n  "drift": { "x": "-theta * q" },\n  "diffusion": { "x": "sigma" }\n}';

  it('a valid model passes and says whether it carries raw WGSL', () => {
    const r = checkModelText(ou.replace('q', 'x'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.rawWGSL).toBe(false);
  });

  it('an unknown name is placed inside the drift expression of its variable', () => {
    const r = checkModelText(ou);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const [p] = r.problems;
    expect(p!.message).toMatch(/'q'/);
    const marked = ou.slice(p!.from, p!.to);
    expect(ou.slice(0, p!.from)).toContain('"drift"');
    expect(marked).toContain('q');
    expect(marked.length).toBeLessThanOrEqual('"-theta * q"'.length);
  });

  it('a JSON syntax error is placed at the broken character', () => {
    const text = '{ "state": ["x"], "drift": { "x": "-x" }, }';
    const r = checkModelText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]!.message).toMatch(/^JSON/);
    expect(r.problems[0]!.from).toBeGreaterThanOrEqual(text.lastIndexOf(','));
  });

  it('a bad parameter value is placed at that parameter', () => {
    const text = ou.replace('"sigma": 0.5', '"sigma": "half"').replace('q', 'x');
    const r = checkModelText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(text.slice(r.problems[0]!.from, r.problems[0]!.to)).toBe('"half"');
  });

  it('messages of both checker generations name their field', () => {
    expect(locateMessage("model 'm': event threshold: unknown name 'z'").paths[0]).toEqual(['event', 'threshold']);
    expect(locateMessage('model file: absorb[0].lower = "a": expected a number').paths[0]).toEqual(['absorb', 0, 'lower']);
    expect(locateMessage("model 'm': drift of 'v': unknown name 'w' at column 7 of 'a + b * w'")).toEqual({ paths: [['drift', 'v']], column: 7 });
    expect(locateMessage("model file: (the model object): unknown field 'colour' (known fields: …)")).toEqual({ paths: [['colour'], []], property: true });
    expect(locateMessage("model file: event: unknown fields 'x', 'y'").paths[0]).toEqual(['event', 'x']);
  });
});

describe('lab network checker', () => {
  const marked = (text: string, replace: [string, string]): { message: string; at: string }[] => {
    const edited = text.replace(replace[0], replace[1]);
    expect(edited).not.toBe(text);
    const r = checkNetworkText(edited, new Set(['rate-W.npy']));
    expect(r.ok).toBe(false);
    return r.ok ? [] : r.problems.map((p) => ({ message: p.message, at: edited.slice(p.from, p.to) }));
  };

  it('the examples pass; a .npy path passes only when that file is at hand', () => {
    const cuba = checkNetworkText(cubaText, new Set());
    expect(cuba.ok).toBe(true);
    const rate = checkNetworkText(rateText, new Set(['rate-W.npy']));
    expect(rate).toMatchObject({ ok: true, npy: ['rate-W.npy'] });
    const missing = checkNetworkText(rateText, new Set());
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(rateText.slice(missing.problems[0]!.from, missing.problems[0]!.to)).toBe('"rate-W.npy"');
  });

  it('each problem is marked at its field: schema, projection, model equation (at the column), init expression', () => {
    expect(marked(cubaText, ['"p": 0.02', '"p": 2'])).toEqual([{ message: 'projections[0].weights.p: got 2, expected ≤ 1', at: '2' }]);
    expect(marked(cubaText, ['"to": "I"', '"to": "J"'])[0]!.at).toBe('"J"');
    expect(marked(cubaText, ['"target": "gi"', '"target": "gz"'])[0]!.at).toBe('"gz"');
    expect(marked(cubaText, ['"on": "spike"', '"on": "spikes"'])[0]!.at).toBe('"spikes"');
    expect(marked(cubaText, ['"size": 800', '"size": 800, "colour": 1'])[0]!.at).toBe('"colour": 1');
    const drift = marked(cubaText, ['"(ge + gi - (v - El)) / taum"', '"(ge + gi - (v - Elx)) / taum"']);
    expect(drift[0]!.message).toMatch(/^populations\.E\.model: .*unknown name 'Elx'/);
    expect(drift[0]!.at).toBe('Elx');
    const init = marked(cubaText, ['"Vr + rand() * (Vt - Vr)"', '"Vr + rnd() * (Vt - Vr)"']);
    expect(init[0]!.message).toMatch(/unknown function 'rnd'/);
    expect(init[0]!.at).toMatch(/^rnd/);
    const syntax = marked(cubaText, ['"seed": 4', '"seed": 4,']);
    expect(syntax[0]!.message).toMatch(/^JSON/);
  });

  it('messages name their path', () => {
    expect(locateNetworkMessage('projections[1].weights.p: got 2, expected ≤ 1').paths[0]).toEqual(['projections', 1, 'weights', 'p']);
    expect(locateNetworkMessage("populations.E.model: model 'E': drift of 'v': unknown name 'w' at column 3 of 'a + w'")).toMatchObject({ paths: [['populations', 'E', 'model', 'drift', 'v'], ['populations', 'E', 'model']], column: 3 });
  });

  it('formatNetworkHash and parseNetworkHash round-trip a network and its settings', () => {
    const settings = { trials: 3, steps: 250, dt: 0.05, seed: 2 ** 40 + 1, timeUnit: 's', rateBinSteps: 7 };
    expect(parseNetworkHash(formatNetworkHash(cubaText, settings, true))).toEqual({ network: cubaText, settings, run: true });
    expect(parseNetworkHash('#network=%7B%7D&steps=x&rateBin=4')).toEqual({ network: '{}', settings: { rateBinSteps: 4 }, run: false });
  });
});

describe('lab network live bookkeeping', () => {
  // Two populations, 3 trials in chunks of 2 and 1, 10 steps, bins of 4 steps (4, 4, 2), dt 0.5 ms.
  const pops = [{ name: 'A', size: 2 }, { name: 'B', size: 1 }];
  const spikesA = [[0, 1, 0], [0, 0, 3], [1, 1, 5], [0, 1, 9], [2, 0, 2], [2, 1, 8]];
  const peek = (chunk: number, offset: number, trials: number, step: number, seen: number): NetworkProgress => {
    const mine = spikesA.filter(([r, , s]) => r! >= offset && r! < offset + trials && s! < step);
    const rates = new Uint32Array(trials * 3);
    for (const [r, , s] of mine) rates[(r! - offset) * 3 + Math.floor(s! / 4)]!++;
    return {
      fraction: 0, chunk, trialOffset: offset, trials, step,
      populations: { A: { spikes: Uint32Array.from(mine.slice(seen).flat()), rates }, B: { spikes: new Uint32Array(0), rates: new Uint32Array(trials * 3) } },
    };
  };

  it('trial 0 raster and rates over the trials and steps reached, live and final', () => {
    const live = new NetworkLive(pops, 10, 0.5, 4, 1e-3);
    live.add(peek(0, 0, 2, 6, 0)); // chunk 0 (trials 0, 1) at step 6: spikes (0,1,0), (0,0,3), (1,1,5)
    let [a] = live.snapshot();
    expect(Array.from(a!.rasterTimes)).toEqual([0, 1.5]);
    expect(Array.from(a!.rasterNeurons)).toEqual([1, 0]);
    // bin 0: 2 spikes over 2 trials × 2 neurons × 4 steps × 0.5 ms; bin 1: 1 spike over 2 × 2 × 2 steps; bin 2: nothing run.
    expect(a!.rate[0]).toBeCloseTo(2 / (2 * 2 * 4 * 0.5e-3), 9);
    expect(a!.rate[1]).toBeCloseTo(1 / (2 * 2 * 2 * 0.5e-3), 9);
    expect(a!.rate[2]).toBeNaN();
    expect(Array.from(a!.rateTimes)).toEqual([1, 3, 4.5]);
    live.add(peek(0, 0, 2, 10, 3));
    live.add(peek(1, 2, 1, 4, 0)); // chunk 1 (trial 2) at step 4: spike (2,0,2)
    [a] = live.snapshot();
    expect(a!.rasterTotal).toBe(3);
    expect(a!.rate[0]).toBeCloseTo(3 / (2 * (3 * 4) * 0.5e-3), 9);
    expect(a!.rate[2]).toBeCloseTo(1 / (2 * (2 * 2) * 0.5e-3), 9);
    // Final: a run stopped with trial 2 at step 4 (its spike at step 8 never happened).
    const counts = new Uint32Array(9);
    for (const [r, , s] of spikesA.filter(([r, , s]) => r! < 2 || s! < 4)) counts[r! * 3 + Math.floor(s! / 4)]!++;
    const run = {
      stepsCompleted: Uint32Array.from([10, 10, 4]),
      populations: {
        A: { spikes: { trial: Uint32Array.from([0, 0, 0]), neuron: Uint32Array.from([1, 0, 1]), step: Uint32Array.from([0, 3, 9]) }, rates: { counts }, spikeCounts: Uint32Array.from([3, 1, 1]) },
        B: { spikes: { trial: new Uint32Array(0), neuron: new Uint32Array(0), step: new Uint32Array(0) }, rates: { counts: new Uint32Array(9) }, spikeCounts: new Uint32Array(3) },
      },
    } as unknown as SimulateNetworkResult;
    const [fa, fb] = live.final(run);
    expect(Array.from(fa!.rasterTimes)).toEqual([0, 1.5, 4.5]);
    expect(fa!.rate[1]).toBeCloseTo(1 / (2 * (2 * 4) * 0.5e-3), 9);
    expect(fa!.rate[2]).toBeCloseTo(1 / (2 * (2 * 2) * 0.5e-3), 9);
    expect(Array.from(fb!.rate)).toEqual([0, 0, 0]);
  });
});
