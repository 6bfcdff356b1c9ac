import { describe, expect } from 'vitest';
import { copyElementBytes, copyParams, copyWGSL, type CopyOptions } from '../../shaders/peak.wgsl.js';
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
