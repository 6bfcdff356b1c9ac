/**
 * Threefry-4x32 (Random123, Salmon et al. 2011): the published known-answer vectors on the CPU twin
 * and in WGSL, GPU words/uniforms/normals equal to the twin at an odd size, and the same
 * statistical tests as the Philox path (test/random/philox.test.ts), with fixed seeds.
 */
import { describe, expect, it } from 'vitest';
import { threefryFn, threefryWGSL } from '../../shaders/common/threefry.wgsl.js';
import { fillRandom, randomNormal, randomUniform } from '../../src/random/index.js';
import { normal4FromBits, philox4x32_10, uniformFromBits } from '../../src/reference/philox.js';
import { threefry4x32 } from '../../src/reference/threefry.js';
import { seedToKey } from '../../src/core/seed.js';
import { gpuIt, expectClose } from '../helpers/device.js';
import { expectStandardNormal, ksStatistic } from '../helpers/stats.js';

/**
 * Random123's known-answer vectors for threefry4x32 (tests/kat_vectors of DEShawResearch/random123):
 * rounds, counter, key, expected output. 20 rounds is the generator wgneuro uses.
 */
const KAT: [number, number[], number[], number[]][] = [
  [13, [0, 0, 0, 0], [0, 0, 0, 0], [0x531c7e4f, 0x39491ee5, 0x2c855a92, 0x3d6abf9a]],
  [13, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xc4189358, 0x1c9cc83a, 0xd5881c67, 0x6a0a89e0]],
  [13, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89], [0x4aa71d8f, 0x734738c2, 0x431fc6a8, 0xae6debf1]],
  [20, [0, 0, 0, 0], [0, 0, 0, 0], [0x9c6ca96a, 0xe17eae66, 0xfc10ecd4, 0x5256a7d8]],
  [20, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0x2a881696, 0x57012287, 0xf6c7446e, 0xa16a6732]],
  [20, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89], [0x59cd1dbb, 0xb8879579, 0x86b5d00c, 0xac8b6d84]],
  [72, [0, 0, 0, 0], [0, 0, 0, 0], [0x93171da6, 0x9220326d, 0xb392b7b1, 0xff58a002]],
  [72, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0x60743f3d, 0x9961e684, 0xaab21c34, 0x8c65fb7d]],
  [72, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89], [0x09930adf, 0x7f27bd55, 0x9ed68ce1, 0x97f803f6]],
];

/** CPU words of fillRandom's layout: element i is word i % 4 of block (i / 4, 0, stream, 0). */
function expectedWords(n: number, seed: number, stream: number): Uint32Array {
  const key = seedToKey(seed);
  const out = new Uint32Array(n);
  const block = new Uint32Array(4);
  for (let b = 0; b * 4 < n; b++) {
    threefry4x32([b, 0, stream, 0], key, block);
    for (let k = 0; k < 4 && b * 4 + k < n; k++) out[b * 4 + k] = block[k]!;
  }
  return out;
}

describe('Threefry-4x32 (TypeScript twin)', () => {
  it('matches the Random123 known-answer vectors at 13, 20 and 72 rounds', () => {
    for (const [rounds, ctr, key, expected] of KAT) expect([...threefry4x32(ctr, key, undefined, rounds)], `${rounds} rounds`).toEqual(expected);
  });

  it('defaults to 20 rounds; a two-word key is the four-word key with zeros; not Philox', () => {
    const ctr = [7, 3, 2, 1];
    expect([...threefry4x32(ctr, [5, 9])]).toEqual([...threefry4x32(ctr, [5, 9, 0, 0], undefined, 20)]);
    expect([...threefry4x32(ctr, [5, 9])]).not.toEqual([...threefry4x32(ctr, [5, 9], undefined, 13)]);
    expect([...threefry4x32(ctr, [5, 9])]).not.toEqual([...philox4x32_10(ctr, [5, 9])]);
  });

  it('each of the 32 bit positions is set half of the time over 2^16 words (seed 3)', () => {
    const words = expectedWords(1 << 16, 3, 0);
    for (let bit = 0; bit < 32; bit++) {
      let ones = 0;
      for (const w of words) ones += (w >>> bit) & 1;
      // Binomial(2^16, 1/2): standard deviation 128; 5 of them.
      expect(Math.abs(ones - words.length / 2), `bit ${bit}`).toBeLessThan(5 * 128);
    }
  });
});

describe('Threefry-4x32 (WGSL)', () => {
  gpuIt('matches the Random123 known-answer vectors at 13, 20 and 72 rounds', async (ctx, track) => {
    for (const rounds of [13, 20, 72]) {
      const cases = KAT.filter(([r]) => r === rounds);
      const code = `${threefryWGSL(rounds)}
@group(0) @binding(0) var<storage, read> inputs: array<vec4u>;       // counter, then key, per case
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4u>; // per case: full key, then key words 0-1 only
@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  outputs[2u * id.x] = ${threefryFn(rounds)}_key4(inputs[2u * id.x], inputs[2u * id.x + 1u]);
  outputs[2u * id.x + 1u] = ${threefryFn(rounds)}(inputs[2u * id.x], inputs[2u * id.x + 1u].xy);
}`;
      const input = track(ctx.tensor([cases.length * 8], { dtype: 'u32', data: cases.flatMap(([, ctr, key]) => [...ctr, ...key]), label: 'kat.inputs' }));
      const output = track(ctx.tensor([cases.length * 8], { dtype: 'u32', fill: 0xdeadbeef, label: 'kat.outputs' }));
      const pipeline = await ctx.kernel({ label: 'test.threefry_kat', code });
      ctx.dispatch({ label: 'test.threefry_kat', pipeline, bindings: [input, output], workgroups: [cases.length] });
      const got = await output.read();
      // The full-key function against the published words; the two-word-seed function (written out
      // without key words 2 and 3) against the twin with those words 0, which for the all-zero case
      // is again a published vector.
      expect([...got].filter((_, q) => (q >> 2) % 2 === 0), `${rounds} rounds`).toEqual(cases.flatMap(([, , , expected]) => expected));
      expect([...got].filter((_, q) => (q >> 2) % 2 === 1), `${rounds} rounds, two-word key`)
        .toEqual(cases.flatMap(([, ctr, key]) => [...threefry4x32(ctr, key.slice(0, 2), undefined, rounds)]));
      expect([...got.subarray(4, 8)], 'zero key').toEqual(cases[0]![3]);
    }
    expect(() => threefryWGSL(0)).toThrow(/rounds/);
  });

  gpuIt('raw words, uniforms and normals equal the CPU twin at an odd size', async (ctx, track) => {
    const n = 1001;
    const seed = 0x1234_5678_9a;
    const generator = 'threefry';
    const words = track(ctx.tensor([n], { dtype: 'u32', fill: 0, label: 'bits' }));
    await fillRandom(ctx, words, 'bits', { seed, stream: 3, generator });
    const uniform = track(ctx.tensor([n], { fill: Number.NaN, label: 'uniform' }));
    await fillRandom(ctx, uniform, 'uniform', { seed, stream: 3, generator });
    const normal = track(ctx.tensor([n], { fill: Number.NaN, label: 'normal' }));
    await fillRandom(ctx, normal, 'normal', { seed, stream: 3, generator });
    const expected = expectedWords(n, seed, 3);
    const expectedNormal = new Float64Array(n);
    const normals = new Float64Array(4);
    for (let b = 0; b * 4 < n; b++) {
      normal4FromBits(threefry4x32([b, 0, 3, 0], seedToKey(seed)), normals);
      for (let k = 0; k < 4 && b * 4 + k < n; k++) expectedNormal[b * 4 + k] = normals[k]!;
    }
    expect([...(await words.read())]).toEqual([...expected]);
    // The same bounds as Philox's test: uniforms exact in f32, normals within f32 Box–Muller error.
    expectClose(await uniform.read(), Float64Array.from(expected, uniformFromBits), { atol: 0 }, 'uniforms');
    expectClose(await normal.read(), expectedNormal, { atol: 3e-6 }, 'normals');
    await expect(fillRandom(ctx, words, 'bits', { generator: 'mt19937' as never })).rejects.toThrow(/generator must be 'philox' or 'threefry', got "mt19937"/);
  });

  gpuIt('normals (precise and fast) pass moment and Kolmogorov–Smirnov tests (seed 7, n = 2^17)', async (ctx, track) => {
    const n = 1 << 17;
    for (const normals of ['precise', 'fast'] as const) {
      expectStandardNormal(await track(await randomNormal(ctx, [n], { seed: 7, generator: 'threefry', normals })).read(), normals);
    }
  });

  gpuIt('uniforms pass a Kolmogorov–Smirnov test; seeds, streams and generators give different numbers', async (ctx, track) => {
    const n = 1 << 16;
    const generator = 'threefry';
    const a = await track(await randomUniform(ctx, [n], { seed: 11, generator })).read();
    expect(ksStatistic(a, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(1.95 / Math.sqrt(n));
    expect(await track(await randomUniform(ctx, [n], { seed: 11, generator })).read()).toEqual(a);
    const others = [
      await track(await randomUniform(ctx, [n], { seed: 12, generator })).read(),
      await track(await randomUniform(ctx, [n], { seed: 11, stream: 1, generator })).read(),
      await track(await randomUniform(ctx, [n], { seed: 11 })).read(), // Philox, same seed
    ];
    for (const [k, other] of others.entries()) {
      let same = 0;
      for (let i = 0; i < n; i++) if (other[i] === a[i]) same++;
      // Coincidences on a 2^23 grid: expected n / 2^23 ≈ 0.008.
      expect(same, ['other seed', 'other stream', 'Philox'][k]).toBeLessThan(5);
    }
  });
});
