/**
 * Philox4x32-10 in TypeScript, bit-identical to shaders/common/philox.wgsl.ts.
 * Salmon, Moraes, Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3", SC'11.
 */
import { seedToKey } from '../core/seed.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the unsigned 64-bit product a·b, by the same partial sums as `philox_mulhi` (Hacker's Delight §8-2). */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const t = aHi * bLo + ((aLo * bLo) >>> 16);
  const w = aLo * bHi + (t & 0xffff);
  return (aHi * bHi + Math.floor(t / 65536) + Math.floor(w / 65536)) >>> 0;
}

/**
 * Four 32-bit random words for `counter` (4 words) and `key` (2 words).
 * Writes into `out` when given, to avoid allocation in hot loops.
 */
export function philox4x32_10(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let c0 = counter[0]! >>> 0;
  let c1 = counter[1]! >>> 0;
  let c2 = counter[2]! >>> 0;
  let c3 = counter[3]! >>> 0;
  let k0 = key[0]! >>> 0;
  let k1 = key[1]! >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** Uniform in (0, 1) from a 32-bit word, exactly as `philox_uniform` in WGSL. */
export function uniformFromBits(bits: number): number {
  return ((bits >>> 9) + 0.5) * 1.1920928955078125e-7;
}

/** Four standard normals from four words, by the same Box–Muller arrangement as the WGSL. */
export function normal4FromBits(bits: ArrayLike<number>, out: Float64Array = new Float64Array(4)): Float64Array {
  const u0 = uniformFromBits(bits[0]!);
  const u1 = uniformFromBits(bits[1]!);
  const u2 = uniformFromBits(bits[2]!);
  const u3 = uniformFromBits(bits[3]!);
  const r0 = Math.sqrt(-2 * Math.log(u0));
  const r1 = Math.sqrt(-2 * Math.log(u2));
  const a0 = Math.PI * (2 * u1 - 1);
  const a1 = Math.PI * (2 * u3 - 1);
  out[0] = r0 * Math.cos(a0);
  out[1] = r0 * Math.sin(a0);
  out[2] = r1 * Math.cos(a1);
  out[3] = r1 * Math.sin(a1);
  return out;
}

/** Options of {@link philoxSequence}. */
export interface PhiloxSequenceOptions {
  /** `'uniform'`: (0, 1) as `philox_uniform`; `'normal'`: standard normals as `philox_normal4`. */
  distribution: 'uniform' | 'normal';
  /** Counter word 2: an independent stream under the same seed. Default 0. */
  stream?: number;
  /** Counter word 3: which use the numbers serve, so different uses never share numbers. Default 0. */
  tag?: number;
}

/**
 * Float64 numbers drawn in order from the Philox blocks (0, 0, stream, tag), (1, 0, stream, tag), …
 * under `seed`, four per block: the CPU's seeded generator for setup draws, start vectors and test
 * matrices, on the same counter convention as the kernels (see shaders/common/philox.wgsl.ts).
 */
export function philoxSequence(seed: number, options: PhiloxSequenceOptions): () => number {
  const key = seedToKey(seed);
  const stream = options.stream ?? 0;
  const tag = options.tag ?? 0;
  const words = new Uint32Array(4);
  const values = new Float64Array(4);
  let block = 0;
  let lane = 4;
  return () => {
    if (lane === 4) {
      philox4x32_10([block++, 0, stream, tag], key, words);
      if (options.distribution === 'normal') normal4FromBits(words, values);
      else for (let q = 0; q < 4; q++) values[q] = uniformFromBits(words[q]!);
      lane = 0;
    }
    return values[lane++]!;
  };
}

/** The first `count` numbers of {@link philoxSequence}. */
export function philoxArray(count: number, seed: number, options: PhiloxSequenceOptions): Float64Array {
  const next = philoxSequence(seed, options);
  return Float64Array.from({ length: count }, next);
}
