/**
 * Random arrays on the GPU from a counter-based generator: Philox4x32-10 (shaders/common/philox.wgsl.ts,
 * the default) or Threefry-4x32-20 (shaders/common/threefry.wgsl.ts).
 */
import { randomFillParams, randomFillWGSL, type RandomFillOptions } from '../../shaders/random.wgsl.js';
import type { Context } from '../core/context.js';
import { InputError } from '../gpu/errors.js';
import type { Tensor } from '../core/tensor.js';
import { RANDOM_GENERATORS, seedToKey, type NormalTransform, type RandomGenerator } from '../core/seed.js';

export interface RandomOptions {
  /** Key of the generator: same seed, same numbers, on any device. Default 0. */
  seed?: number;
  /** Independent stream under the same seed (counter word 2). Default 0. */
  stream?: number;
  /** How normals are made from the generator's words (see `NormalTransform`). Default `'precise'`. */
  normals?: NormalTransform;
  /** Counter-based generator (see `RandomGenerator`): `'philox'` or `'threefry'`. Default `'philox'`. */
  generator?: RandomGenerator;
}

const WORKGROUP_SIZE = 64;

/** Overwrite `dst` with random values; element i depends only on (seed, stream, i). */
export async function fillRandom(
  ctx: Context,
  dst: Tensor,
  distribution: RandomFillOptions['distribution'],
  options: RandomOptions = {},
): Promise<Tensor> {
  const expected = distribution === 'bits' ? 'u32' : 'f32';
  if (dst.dtype !== expected) {
    throw new InputError(`fillRandom('${distribution}') writes ${expected}, but '${dst.label}' is ${dst.dtype}`);
  }
  const stream = options.stream ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** 32) {
    throw new InputError(`stream must be an integer in [0, 2^32), got ${stream}`);
  }
  const normals = options.normals ?? 'precise';
  if (normals !== 'precise' && normals !== 'fast') {
    throw new InputError(`normals must be 'precise' or 'fast', got ${JSON.stringify(normals)}`);
  }
  const generator = options.generator ?? 'philox';
  if (!RANDOM_GENERATORS.includes(generator)) {
    throw new InputError(`generator must be ${RANDOM_GENERATORS.map((g) => `'${g}'`).join(' or ')}, got ${JSON.stringify(generator)}`);
  }
  const [seedLo, seedHi] = seedToKey(options.seed ?? 0);
  const count = dst.size;
  if (count === 0) return dst;
  const pipeline = await ctx.kernel({
    label: `random.${distribution}`,
    code: randomFillWGSL({ distribution, normals, generator }),
    constants: { WG_SIZE: WORKGROUP_SIZE },
  });
  const blocks = Math.ceil(count / 4);
  ctx.dispatch({
    label: `random.${distribution}`,
    pipeline,
    bindings: [randomFillParams.pack({ count, seed_lo: seedLo, seed_hi: seedHi, stream }), dst],
    workgroups: Math.ceil(blocks / WORKGROUP_SIZE),
    workgroupSize: WORKGROUP_SIZE,
  });
  return dst;
}

/** A new f32 tensor of uniform (0, 1) numbers. */
export function randomUniform(ctx: Context, shape: readonly number[], options: RandomOptions = {}): Promise<Tensor<'f32'>> {
  return newRandomTensor(ctx, shape, 'uniform', options);
}

/** A new f32 tensor of standard normal numbers (Box–Muller on the generator's uniforms). */
export function randomNormal(ctx: Context, shape: readonly number[], options: RandomOptions = {}): Promise<Tensor<'f32'>> {
  return newRandomTensor(ctx, shape, 'normal', options);
}

/** A new tensor filled by {@link fillRandom}; freed again if filling fails. */
async function newRandomTensor(
  ctx: Context, shape: readonly number[], distribution: 'uniform' | 'normal', options: RandomOptions,
): Promise<Tensor<'f32'>> {
  const t = ctx.tensor(shape, { label: `random.${distribution}.out` });
  try {
    return (await fillRandom(ctx, t, distribution, options)) as Tensor<'f32'>;
  } catch (err) {
    t.destroy();
    throw err;
  }
}
