import { describe, expect, it } from 'vitest';
import { philoxWGSL } from '../../shaders/common/philox.wgsl.js';
import { fillRandom, randomNormal, randomUniform } from '../../src/random/index.js';
import { normal4FromBits, philox4x32_10, philoxArray, philoxSequence, uniformFromBits } from '../../src/reference/philox.js';
import { seedToKey } from '../../src/core/seed.js';
import { gpuIt, expectClose } from '../helpers/device.js';
import { expectStandardNormal, ksStatistic } from '../helpers/stats.js';

/** Random123's published known-answer vectors for philox4x32-10: counter, key, expected output. */
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
];

describe('Philox4x32-10 (TypeScript twin)', () => {
  it('matches the Random123 known-answer vectors', () => {
    for (const [ctr, key, expected] of KAT) expect([...philox4x32_10(ctr, key)]).toEqual(expected);
  });
  it('draws CPU sequences block by block on the kernels\' counter convention', () => {
    const key = seedToKey(2 ** 40 + 9);
    const words = philox4x32_10([1, 0, 5, 77], key); // block 1: numbers 4 … 7
    const normals = normal4FromBits(words);
    const seq = philoxArray(7, 2 ** 40 + 9, { distribution: 'normal', stream: 5, tag: 77 });
    expect([...seq.subarray(4, 7)]).toEqual([...normals.subarray(0, 3)]);
    const uniform = philoxSequence(2 ** 40 + 9, { distribution: 'uniform', stream: 5, tag: 77 });
    for (let i = 0; i < 5; i++) uniform();
    expect(uniform()).toBe(uniformFromBits(words[1]!));
    expect(() => philoxSequence(-1, { distribution: 'uniform' })).toThrow(/seed/);
  });

  it('maps words to open (0, 1) and splits seeds into key words', () => {
    expect(uniformFromBits(0)).toBeGreaterThan(0);
    expect(uniformFromBits(0xffffffff)).toBeLessThan(1);
    expect(seedToKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(() => seedToKey(-1)).toThrow(/seed/);
  });
});

const KAT_KERNEL = /* wgsl */ `
${philoxWGSL}
@group(0) @binding(0) var<storage, read> inputs: array<vec4u>;       // counter, then key in .xy, per case
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4u>; // one Philox block per case
@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  outputs[id.x] = philox4x32_10(inputs[2u * id.x], inputs[2u * id.x + 1u].xy);
}`;

describe('Philox4x32-10 (WGSL)', () => {
  gpuIt('matches the Random123 known-answer vectors', async (ctx, track) => {
    const inputs = KAT.flatMap(([ctr, key]) => [...ctr, key[0]!, key[1]!, 0, 0]);
    const input = track(ctx.tensor([KAT.length * 8], { dtype: 'u32', data: inputs, label: 'kat.inputs' }));
    const output = track(ctx.tensor([KAT.length * 4], { dtype: 'u32', fill: 0xdeadbeef, label: 'kat.outputs' }));
    const pipeline = await ctx.kernel({ label: 'test.philox_kat', code: KAT_KERNEL });
    ctx.dispatch({ label: 'test.philox_kat', pipeline, bindings: [input, output], workgroups: [KAT.length] });
    expect([...(await output.read())]).toEqual(KAT.flatMap(([, , expected]) => expected));
  });

  gpuIt('raw words, uniforms and normals equal the CPU twin at an odd size', async (ctx, track) => {
    const n = 1001;
    const seed = 0x1234_5678_9a;
    const key = seedToKey(seed);
    const words = track(ctx.tensor([n], { dtype: 'u32', fill: 0, label: 'bits' }));
    await fillRandom(ctx, words, 'bits', { seed, stream: 3 });
    const uniform = track(ctx.tensor([n], { fill: Number.NaN, label: 'uniform' }));
    await fillRandom(ctx, uniform, 'uniform', { seed, stream: 3 });
    const normal = track(ctx.tensor([n], { fill: Number.NaN, label: 'normal' }));
    await fillRandom(ctx, normal, 'normal', { seed, stream: 3 });
    const expectedBits = new Uint32Array(n);
    const expectedUniform = new Float64Array(n);
    const expectedNormal = new Float64Array(n);
    const block = new Uint32Array(4);
    const normals = new Float64Array(4);
    for (let b = 0; b * 4 < n; b++) {
      philox4x32_10([b, 0, 3, 0], key, block);
      normal4FromBits(block, normals);
      for (let k = 0; k < 4 && b * 4 + k < n; k++) {
        expectedBits[b * 4 + k] = block[k]!;
        expectedUniform[b * 4 + k] = uniformFromBits(block[k]!);
        expectedNormal[b * 4 + k] = normals[k]!;
      }
    }
    expect([...(await words.read())]).toEqual([...expectedBits]);
    // Uniforms are exact in f32: (k + 0.5) / 2^23 with k < 2^23.
    expectClose(await uniform.read(), expectedUniform, { atol: 0 }, 'uniforms');
    // Normals: f32 Box–Muller with our own log/sincos (≤ ~4 ulp each) on values up to ~5.8:
    // |error| ≤ 4 · 2^-23 · 6 ≈ 3e-6 is a safe bound; observed is about 3e-7.
    expectClose(await normal.read(), expectedNormal, { atol: 3e-6 }, 'normals');
  });

  gpuIt('randomNormal and randomUniform equal the CPU sequence of the same seed and stream', async (ctx, track) => {
    const n = 37;
    const normal = await track(await randomNormal(ctx, [n], { seed: 2 ** 33 + 1, stream: 6 })).read();
    const uniform = await track(await randomUniform(ctx, [n], { seed: 2 ** 33 + 1, stream: 6 })).read();
    // Same bounds as the odd-size test above: uniforms exact, normals within f32 Box–Muller error.
    expectClose(uniform, philoxArray(n, 2 ** 33 + 1, { distribution: 'uniform', stream: 6 }), { atol: 0 }, 'uniforms');
    expectClose(normal, philoxArray(n, 2 ** 33 + 1, { distribution: 'normal', stream: 6 }), { atol: 3e-6 }, 'normals');
  });

  gpuIt('fast (builtin) normals equal the same Box–Muller numbers within the WGSL bounds on log/cos/sin', async (ctx, track) => {
    const n = 4099;
    const seed = 0x5eed;
    const fast = track(ctx.tensor([n], { fill: Number.NaN, label: 'normal.fast' }));
    await fillRandom(ctx, fast, 'normal', { seed, stream: 2, normals: 'fast' });
    const got = await fast.read();
    const expected = philoxArray(n, seed, { distribution: 'normal', stream: 2 });
    // Per pair z = r (cos a, sin a) with r = sqrt(-2 log u) <= 5.77 (u >= 2^-24) and |a| < pi. WGSL
    // allows cos/sin 2^-11 absolute error on [-pi, pi], moving z by <= 5.77 · 2^-11 = 2.8e-3, and log
    // 2^-21 absolute on [0.5, 2] (3 ulp elsewhere, smaller), moving r by <= 2^-21 / r <= 1.4e-3
    // (r >= 3.4e-4 since u <= 1 - 2^-24); 1e-5 covers f32 rounding of the products.
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    expect(got.some(Number.isNaN)).toBe(false);
    expect(worst).toBeLessThan(5.77 * 2 ** -11 + 2 ** -21 / 3.4e-4 + 1e-5);
    // The same words as the precise path: no lane or pair is swapped (that would be an O(1) error).
    const precise = track(ctx.tensor([n], { fill: Number.NaN, label: 'normal.precise' }));
    await fillRandom(ctx, precise, 'normal', { seed, stream: 2 });
    expectClose(await precise.read(), expected, { atol: 3e-6 }, 'precise normals');
    console.info(`[${ctx.info.adapter.description || ctx.info.adapter.vendor}] fast normals: max |error| ${worst.toExponential(2)} vs float64 Box–Muller`);
    await expect(fillRandom(ctx, precise, 'normal', { normals: 'quick' as never })).rejects.toThrow(/normals must be 'precise' or 'fast', got "quick"/);
  });

  gpuIt('fast normals pass the same moment and Kolmogorov–Smirnov tests (seed 7, n = 2^17)', async (ctx, track) => {
    const n = 1 << 17;
    const t = track(ctx.tensor([n], { fill: Number.NaN, label: 'normal.fast' }));
    await fillRandom(ctx, t, 'normal', { seed: 7, normals: 'fast' });
    expectStandardNormal(await t.read());
  });

  gpuIt('normals pass moment and Kolmogorov–Smirnov tests (seed 7, n = 2^17)', async (ctx, track) => {
    const n = 1 << 17;
    expectStandardNormal(await (await track(await randomNormal(ctx, [n], { seed: 7 }))).read());
  });

  gpuIt('uniforms pass a Kolmogorov–Smirnov test; seeds and streams give different numbers', async (ctx, track) => {
    const n = 1 << 16;
    const a = await track(await randomUniform(ctx, [n], { seed: 11 })).read();
    expect(ksStatistic(a, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(1.95 / Math.sqrt(n));
    const again = await track(await randomUniform(ctx, [n], { seed: 11 })).read();
    expect(again).toEqual(a);
    const otherSeed = await track(await randomUniform(ctx, [n], { seed: 12 })).read();
    const otherStream = await track(await randomUniform(ctx, [n], { seed: 11, stream: 1 })).read();
    let sameSeed = 0;
    let sameStream = 0;
    for (let i = 0; i < n; i++) {
      if (otherSeed[i] === a[i]) sameSeed++;
      if (otherStream[i] === a[i]) sameStream++;
    }
    // Coincidences on a 2^23 grid: expected n / 2^23 ≈ 0.008.
    expect(sameSeed).toBeLessThan(5);
    expect(sameStream).toBeLessThan(5);
  });
});
