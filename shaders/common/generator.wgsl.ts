/**
 * The counter-based generator a kernel draws from (`RandomGenerator` in src/core/seed.ts), chosen at
 * code generation: the WGSL to include and the name of its block function, whose signature is the
 * same for both, `(counter: vec4u, seed: vec2u) -> vec4u`. The word → uniform and word → normal
 * transforms (`philox_uniform4`, `philox_normal4`, `philox_normal4_fast`) live in ./philox.wgsl.ts
 * and apply to either generator's words, so they are always included.
 */
import type { RandomGenerator } from '../../src/core/seed.js';
import { philoxWGSL } from './philox.wgsl.js';
import { threefryFn, threefryWGSL } from './threefry.wgsl.js';

/** WGSL declaring the transforms and `generator`'s block function ({@link generatorBlockFn}). */
export function generatorWGSL(generator: RandomGenerator): string {
  return generator === 'threefry' ? `${philoxWGSL}\n${threefryWGSL()}` : philoxWGSL;
}

/** Name of `generator`'s WGSL block function, `(counter: vec4u, seed: vec2u) -> vec4u`. */
export function generatorBlockFn(generator: RandomGenerator): string {
  return generator === 'threefry' ? threefryFn() : 'philox4x32_10';
}
