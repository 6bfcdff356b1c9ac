import { describe, expect, it } from 'vitest';
import { createContext, describeAdapter } from '../../src/core/context.js';
import { foldWorkgroups, WGSL_LINEAR_INDEX } from '../../src/core/dispatch.js';
import { storageRecordLayout, uniformLayout } from '../../src/core/layout.js';
import { pipelineCacheSize } from '../../src/internal.js';
import { DeviceLostError, GPUOperationError, InputError, LimitError, ShaderCompileError } from '../../src/gpu/errors.js';
import { gpuIt, runtime, testContext } from '../helpers/device.js';

const params = uniformLayout({ count: 'u32', value: 'f32' });

/** Writes `value + i` to out[i] for i < count, over a folded 1-D grid. */
const FILL = /* wgsl */ `
${WGSL_LINEAR_INDEX}
${params.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;
@group(0) @binding(0) var<uniform> params: Params;            // element count and base value
@group(0) @binding(1) var<storage, read_write> out: array<f32>; // destination
@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i < params.count) { out[i] = params.value + f32(i); }
}`;

describe('uniform layouts', () => {
  it('derive the WGSL struct and byte layout from the schema', () => {
    expect(params.byteSize).toBe(16);
    expect(params.wgslStruct('P')).toBe('struct P {\n  count: u32,\n  value: f32,\n}');
    const view = new DataView(params.pack({ count: 7, value: 1.5 }));
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getFloat32(4, true)).toBe(1.5);
    expect(uniformLayout({ a: 'u32', b: 'u32', c: 'u32', d: 'u32', e: 'i32' }).byteSize).toBe(32);
    expect(() => params.pack({ count: -1, value: 0 })).toThrow(/count/);
    expect(() => params.pack({ count: 1 } as never)).toThrow(/value/);
  });
});

describe('storage record layouts', () => {
  const record = storageRecordLayout({ flags: 'u32', time: 'f32', delta: 'i32' }, { time: 'seconds (-1: none)' });

  it('derive the WGSL struct, fill records and decode fields by name', () => {
    expect(record.words).toBe(3);
    expect(record.byteSize).toBe(12);
    expect(record.offsetOf('time')).toBe(1);
    expect(record.wgslStruct('R')).toBe('struct R {\n  flags: u32,\n  time: f32, // seconds (-1: none)\n  delta: i32,\n}');
    const words = record.fill(3, { time: -1, delta: -2 });
    expect([...words]).toEqual([0, 0xbf800000, 0xfffffffe, 0, 0xbf800000, 0xfffffffe, 0, 0xbf800000, 0xfffffffe]);
    words[3] = 5;
    expect([...record.column(words, 'flags')]).toEqual([0, 5, 0]);
    expect(record.column(words.buffer as ArrayBuffer, 'time', 2)).toEqual(new Float32Array([-1, -1]));
    expect([...record.column(words, 'delta', 1)]).toEqual([-2]);
    expect(() => record.column(words, 'flags', 4)).toThrow(/4 records need 12 words, got 9/);
    expect(() => record.offsetOf('nope' as never)).toThrow(/'nope' is not one of flags, time, delta/);
  });
});

describe('workgroup folding', () => {
  it('folds 1-D counts past the per-dimension limit with little overshoot', () => {
    expect(foldWorkgroups(10, 65535)).toEqual([10, 1, 1]);
    for (const count of [65536, 100_000, 65535 * 65535 + 1, 3 * 65535 * 65535 + 7]) {
      const [x, y, z] = foldWorkgroups(count, 65535);
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(65535);
      expect(x * y * z).toBeGreaterThanOrEqual(count);
      expect(x * y * z - count).toBeLessThan(Math.max(x, y * x) + x * y);
    }
    expect(() => foldWorkgroups(65535 ** 3 + 1, 65535)).toThrow(LimitError);
  });

  gpuIt('a folded grid covers every element exactly once (70,001 one-thread workgroups)', async (ctx, track) => {
    const count = 70_001;
    const out = track(ctx.tensor([count], { fill: Number.NaN, label: 'fold.out' }));
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 1 } });
    expect(ctx.grid('test.fill', count, 1)[1]).toBeGreaterThan(1); // really folded
    ctx.dispatch({ label: 'test.fill', pipeline, bindings: [params.pack({ count, value: 0.5 }), out], workgroups: count, workgroupSize: 1 });
    const values = await out.read();
    let wrong = 0;
    for (let i = 0; i < count; i++) if (values[i] !== 0.5 + Math.fround(i)) wrong++;
    expect(wrong).toBe(0);
  });
});

describe('scheduler', () => {
  gpuIt('caches pipelines per source and constants', async (ctx) => {
    const a = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    const before = pipelineCacheSize(ctx.device);
    const b = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    expect(b).toBe(a);
    expect(pipelineCacheSize(ctx.device)).toBe(before);
    const c = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 32 } });
    expect(c).not.toBe(a);
  });

  gpuIt('batches dispatches into submissions and keeps one uniform per dispatch', async (ctx, track) => {
    const out = track(ctx.tensor([40], { fill: Number.NaN, label: 'batch.out' }));
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    await ctx.sync();
    const before = ctx.submitCount;
    // 40 dispatches, each writing a different base value: if uniforms were shared and rewritten
    // within a submission, every dispatch would see the last value.
    for (let d = 0; d < 40; d++) {
      ctx.dispatch({ label: 'test.fill', pipeline, bindings: [params.pack({ count: d + 1, value: 1000 * d }), out], workgroups: 1 });
    }
    const values = await out.read();
    // Element i was last written by dispatch d = 39 (count 40 covers all): 39000 + i.
    expect([...values]).toEqual(Array.from({ length: 40 }, (_, i) => 39000 + i));
    // 16 per submission: two automatic flushes plus the one in read().
    expect(ctx.submitCount - before).toBe(3);
  });

  gpuIt('reports timing from timestamp queries when available, else wall clock', async (ctx, track) => {
    const out = track(ctx.tensor([1 << 16], { label: 'time.out' }));
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    const timing = await ctx.time(() => {
      ctx.dispatch({ label: 'test.fill', pipeline, bindings: [params.pack({ count: 1 << 16, value: 0 }), out], workgroups: 1024, workgroupSize: 64 });
    });
    expect(timing.wallMs).toBeGreaterThan(0);
    expect(timing.ms).toBeGreaterThan(0);
    expect(timing.source).toBe(ctx.hasTimestamps && timing.gpuMs! > 0 ? 'timestamp-query' : 'wall-clock');
  });
});

describe('errors name their cause', () => {
  gpuIt('a broken WGSL kernel gives ShaderCompileError with its label and line', async (ctx) => {
    const code = 'fn main() {\n  let x: f32 = 1.0;\n  let y = x + undefined_name;\n}';
    const err = await ctx.kernel({ label: 'test.broken', code }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    const compileError = err as ShaderCompileError;
    expect(compileError.label).toBe('test.broken');
    expect(compileError.messages[0]!.line).toBe(3);
    expect(compileError.message).toMatch(/test\.broken:3:\d+/);
    expect(compileError.message).toMatch(/undefined_name/);
  });

  gpuIt('an oversized dispatch is refused before any GPU work', async (ctx) => {
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    await ctx.sync();
    const before = ctx.submitCount;
    const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
    const tooTall = () =>
      ctx.dispatch({ label: 'test.tall', pipeline, bindings: [params.pack({ count: 1, value: 0 })], workgroups: [1, maxDim + 1] });
    expect(tooTall).toThrow(LimitError);
    expect(tooTall).toThrow(/'test\.tall' needs workgroups along y = \d+, but this device allows at most \d+/);
    const tooMany = () =>
      ctx.dispatch({ label: 'test.many', pipeline, bindings: [], workgroups: 2 ** 27, workgroupSize: 64 });
    expect(tooMany).toThrow(/'test\.many' needs invocations = 8589934592/);
    expect(ctx.submitCount).toBe(before);
  });

  gpuIt('a buffer over the storage binding limit is refused with its label', async (ctx) => {
    const limit = ctx.limits.maxStorageBufferBindingSize;
    expect(() => ctx.tensor([limit / 4 + 1], { label: 'huge.input' })).toThrow(/'huge\.input' needs a (storage binding|buffer) of bytes/);
  });

  gpuIt('a validation error surfaces with the kernel label at the next sync', async (ctx, track) => {
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    // A uniform-only buffer bound where the kernel expects storage: invalid bind group.
    const wrongUsage = track(ctx.tensor([4], { label: 'wrong.usage', usage: GPUBufferUsage.UNIFORM }));
    ctx.dispatch({ label: 'test.misbound', pipeline, bindings: [params.pack({ count: 1, value: 0 }), wrongUsage], workgroups: 1 });
    const err = await ctx.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GPUOperationError);
    expect((err as Error).message).toMatch(/test\.misbound/);
  });

  gpuIt('wrong tensor data lengths and shapes are input errors', async (ctx) => {
    expect(() => ctx.tensor([2, 3], { data: [1, 2, 3], label: 'A' })).toThrow(InputError);
    expect(() => ctx.tensor([2, 3], { data: [1, 2, 3], label: 'A' })).toThrow(/'A' has shape \[2, 3\] \(6 elements\) but 3 values/);
    expect(() => ctx.tensor([2, -1], { label: 'B' })).toThrow(/invalid extent -1/);
  });
});

describe('lifetimes and writes', () => {
  gpuIt('releaseAfterSubmit frees a buffer only after the recorded work that reads it', async (ctx, track) => {
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    const scratch = ctx.tensor([37], { fill: Number.NaN, label: 'release.scratch' });
    const out = track(ctx.tensor([37], { fill: Number.NaN, label: 'release.out' }));
    await ctx.sync();
    const before = ctx.submitCount;
    ctx.dispatch({ label: 'test.fill', pipeline, bindings: [params.pack({ count: 37, value: 2 }), scratch], workgroups: 1, workgroupSize: 64 });
    ctx.encoder().copyBufferToBuffer(scratch.buffer, 0, out.buffer, 0, scratch.byteLength);
    ctx.releaseAfterSubmit(scratch, null);
    expect(scratch.destroyed).toBe(false); // still needed by the recorded copy
    expect(ctx.submitCount).toBe(before); // and nothing was submitted early
    const values = await out.read();
    expect([...values]).toEqual(Array.from({ length: 37 }, (_, i) => 2 + i));
    await ctx.sync();
    expect(scratch.destroyed).toBe(true);
  });

  gpuIt('Tensor.write(data, offset) overwrites a range after earlier recorded work', async (ctx, track) => {
    const pipeline = await ctx.kernel({ label: 'test.fill', code: FILL, constants: { WG_SIZE: 64 } });
    const t = track(ctx.tensor([11], { fill: Number.NaN, label: 'write.target' }));
    ctx.dispatch({ label: 'test.fill', pipeline, bindings: [params.pack({ count: 11, value: 0 }), t], workgroups: 1, workgroupSize: 64 });
    t.write([-1, -2, -3], 7);
    expect([...(await t.read())]).toEqual([0, 1, 2, 3, 4, 5, 6, -1, -2, -3, 10]);
    const words = track(ctx.tensor([2], { dtype: 'u32', label: 'write.words' }));
    words.write(new Uint32Array([0xbf800000]), 1); // typed arrays of 32-bit words are copied as bits
    expect((await words.read())[1]).toBe(0xbf800000);
    expect(() => t.write([1, 2], 10)).toThrow(/'write\.target' holds 11 elements; cannot write 2 at element offset 10/);
    expect(() => t.write([1], -1)).toThrow(InputError);
  });
});

describe('device ownership and loss', () => {
  it('a context on a caller-provided device never destroys it', async () => {
    const owner = await testContext();
    if (!owner) return;
    const borrowed = await createContext({ device: owner.device });
    expect(borrowed.ownsDevice).toBe(false);
    const t = borrowed.tensor([3], { data: [1, 2, 3], label: 'borrowed' });
    borrowed.destroy();
    expect(t.destroyed).toBe(true); // tensors made through a context die with it
    // The device is still alive: the owner context keeps working.
    const u = owner.tensor([2], { data: [5, 6], label: 'owner' });
    expect([...(await u.read())]).toEqual([5, 6]);
    u.destroy();
  });

  it(`a lost device is reported as DeviceLostError (${runtime})`, async () => {
    if (!(await testContext())) return;
    const ctx = await createContext();
    ctx.device.destroy(); // simulates loss: the 'lost' promise resolves with reason 'destroyed'
    await ctx.device.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(() => ctx.tensor([4], { label: 'after.loss' })).toThrow(DeviceLostError);
    expect(() => ctx.tensor([4], { label: 'after.loss' })).toThrow(/device lost \(destroyed\)/);
  });
});

describe('adapter', () => {
  it(`is reported with its limits (${runtime})`, async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const { adapter, runtime: where } = ctx.info;
    // Printed so test logs show which adapter each runtime used.
    console.log(`[${runtime}] ${where} :: ${adapter.vendor} / ${adapter.architecture} / ${adapter.description}`);
    expect(where.length).toBeGreaterThan(0);
    expect(ctx.info.limits.maxStorageBufferBindingSize).toBe(ctx.limits.maxStorageBufferBindingSize);
    expect(ctx.info.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    expect(adapter.kind).toBe(describeAdapter(adapter, adapter.isFallbackAdapter).kind);
  });

  it('is classed as a CPU or a GPU once, from any of its names or the fallback flag', () => {
    const info = (description: string, architecture = '') => ({ vendor: '', architecture, device: '', description });
    expect(describeAdapter(info('', 'swiftshader'), false).kind).toBe('cpu');
    expect(describeAdapter(info('llvmpipe (LLVM 15.0.6, 256 bits)'), false).kind).toBe('cpu');
    expect(describeAdapter(info('Microsoft Basic Render Driver (WARP)'), false).kind).toBe('cpu');
    expect(describeAdapter(info('NVIDIA H200'), true).kind).toBe('cpu');
    expect(describeAdapter(info('NVIDIA H200', 'hopper'), false).kind).toBe('gpu');
    expect(describeAdapter(undefined, false).kind).toBe('gpu');
  });
});
