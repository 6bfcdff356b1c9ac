/**
 * Fill a buffer with uniform or normal random numbers from a counter-based generator (Philox4x32-10
 * by default, or Threefry-4x32-20; see `RandomGenerator`).
 * Element i is word (i mod 4) of the block with counter (i / 4, 0, stream, 0) and key = seed,
 * so the values do not depend on workgroup size or dispatch shape.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import type { NormalTransform, RandomGenerator } from '../src/core/seed.js';
import { generatorBlockFn, generatorWGSL } from './common/generator.wgsl.js';
import { philoxNormal4Fn } from './common/philox.wgsl.js';

export interface RandomFillOptions {
  /** `'uniform'`: (0, 1); `'normal'`: standard normal; `'bits'`: raw u32 words. */
  distribution: 'uniform' | 'normal' | 'bits';
  /** Normal transform (see `NormalTransform`). Default `'precise'`. */
  normals?: NormalTransform;
  /** Counter-based generator (see `RandomGenerator`). Default `'philox'`. */
  generator?: RandomGenerator;
}

export const randomFillParams = uniformLayout({
  count: 'u32', // elements to write
  seed_lo: 'u32', // generator key, low word
  seed_hi: 'u32', // generator key, high word
  stream: 'u32', // counter word 2: independent streams under one seed
});

export function randomFillWGSL(options: RandomFillOptions): string {
  const normal = options.distribution === 'normal';
  const bits = options.distribution === 'bits';
  const generator = options.generator ?? 'philox';
  return wgsl`
${generatorWGSL(generator)}
${WGSL_LINEAR_INDEX}

${randomFillParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;           // sizes, seed and stream
#if ${bits}
@group(0) @binding(1) var<storage, read_write> out: array<u32>;  // random words
#else
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // random values
#endif

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let block = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  let first = block * 4u;
  if (first >= params.count) { return; }
  let words = ${generatorBlockFn(generator)}(vec4u(block, 0u, params.stream, 0u), vec2u(params.seed_lo, params.seed_hi));
#if ${normal}
  let values = ${philoxNormal4Fn(options.normals ?? 'precise')}(words);
#elif ${bits}
  let values = words;
#else
  let values = philox_uniform4(words);
#endif
  for (var k = 0u; k < 4u; k++) {
    if (first + k < params.count) { out[first + k] = values[k]; }
  }
}
`;
}
