import { describe, expect } from 'vitest';
import { copyElementBytes, copyParams, copyWGSL, fmaPeakParams, fmaPeakWGSL, type CopyOptions, type FmaPeakOptions } from '../../shaders/peak.wgsl.js';
import { measureFmaPeak } from '../../src/internal.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { randomF32 } from './helpers.js';

// The bandwidth kernel must really copy, or the roofline would rate GEMV against a faster no-op.
describe('copy kernel of the bandwidth measurement', () => {
  const elements: CopyOptions['element'][] = ['vec4f', 'mat4x4f'];
  for (const element of elements) {
    for (const perInvocation of [1, 7]) {
      gpuIt(`${element}, ${perInvocation} per invocation: copies exactly count elements`, async (ctx, track) => {
        const floatsPer = copyElementBytes({ element }) / 4;
        const count = 101; // not a multiple of the run length or of the workgroup size
        const data = randomF32((count + 3) * floatsPer, perInvocation);
        const src = track(ctx.tensor([data.length], { data }));
        const dst = track(poisoned(ctx, [data.length]));
        const pipeline = await ctx.kernel({ label: 'test.copy', code: copyWGSL({ element }), constants: { WG_SIZE: 64 } });
        ctx.dispatch({
          label: 'test.copy',
          pipeline,
          bindings: [copyParams.pack({ count, perInvocation }), src, dst],
          workgroups: Math.ceil(Math.ceil(count / perInvocation) / 64),
          workgroupSize: 64,
        });
        const out = await dst.read();
        expect(Array.from(out.subarray(0, count * floatsPer))).toEqual(Array.from(data.subarray(0, count * floatsPer)));
        expect(Array.from(out.subarray(count * floatsPer)).every(Number.isNaN)).toBe(true);
      });
    }
  }
});

/** Float64 twin of the FMA kernel: every chain of invocation i, summed (what out[i] holds). */
function fmaPeakRef(shape: FmaPeakOptions, invocations: number, iterations: number, seed: number): Float64Array {
  const out = new Float64Array(invocations);
  for (let i = 0; i < invocations; i++) {
    const s = seed + i * 1e-7;
    let total = 0;
    for (let chain = 0; chain < shape.chains; chain++) {
      let a = s + chain / 10;
      for (let k = 0; k < iterations; k++) a = a * 0.9999999 + 1e-7;
      total += shape.width * a;
    }
    out[i] = total;
  }
  return out;
}

describe('FMA peak kernel and its sizing', () => {
  for (const shape of [{ chains: 4, width: 1 }, { chains: 8, width: 4 }] as FmaPeakOptions[]) {
    gpuIt(`${shape.chains} × ${shape.width === 4 ? 'vec4' : 'f32'} chains compute the float64 recurrence (odd grid)`, async (ctx, track) => {
      const invocations = 64 * 5;
      const iterations = 37;
      const out = track(poisoned(ctx, [invocations]));
      const pipeline = await ctx.kernel({ label: 'test.fma', code: fmaPeakWGSL(shape), constants: { WG_SIZE: 64 } });
      ctx.dispatch({ label: 'test.fma', pipeline, bindings: [fmaPeakParams.pack({ iterations, seed: 0.5 }), out], workgroups: 5, workgroupSize: 64 });
      const got = await out.read();
      const want = fmaPeakRef(shape, invocations, iterations, 0.5);
      // Each step rounds once or twice in f32 (|a| ≈ 0.5–1.3): 37 steps and the final sum of up to
      // 32 terms stay far below 1e-5 relative.
      for (let i = 0; i < invocations; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * Math.abs(want[i]!));
    });
  }

  gpuIt('a fixed dispatch size is kept; every shape is timed there', async (ctx) => {
    const r = await measureFmaPeak(ctx, { invocations: 256, flopsPerRun: 1e5, reps: 1 });
    expect(r.invocations).toBe(256);
    expect(r.tried.map((t) => t.invocations)).toEqual([256, 256, 256, 256]);
    expect(r.gflops).toBeGreaterThan(0);
    expect(r.bestGflops).toBeGreaterThanOrEqual(Math.max(...r.tried.map((t) => t.gflops)) * 0.999);
  });

  gpuIt('sizing grows 4× while it pays, stops at the limit, then re-times the other shapes', async (ctx) => {
    // growthGain −1: any rate counts as a gain, so growth stops only at maxInvocations.
    const r = await measureFmaPeak(ctx, { startInvocations: 256, maxInvocations: 1024, growthGain: -1, flopsPerRun: 1e5, reps: 1 });
    const sizes = r.tried.map((t) => t.invocations);
    expect(sizes).toEqual([256, 256, 256, 256, 1024, 1024, 1024, 1024]);
    // The shape carried to the larger size is the one that won at the start.
    const atStart = r.tried.slice(0, 4);
    const winner = atStart.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    expect(r.tried[4]!.shape).toEqual(winner.shape);
    expect(new Set(r.tried.slice(4).map((t) => `${t.shape.chains}x${t.shape.width}`)).size).toBe(4);
    expect(r.invocations).toBe(1024);
  });

  gpuIt('sizing stops at once when growing does not pay', async (ctx) => {
    const r = await measureFmaPeak(ctx, { startInvocations: 256, maxInvocations: 4096, growthGain: Infinity, flopsPerRun: 1e5, reps: 1 });
    expect(r.tried.map((t) => t.invocations)).toEqual([256, 256, 256, 256, 1024]);
    expect(r.invocations).toBe(256);
  });
});
