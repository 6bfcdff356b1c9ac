/**
 * Motif connectivity on the GPU (shaders/models-ei-motifs.wgsl.ts): one realization per Philox
 * stream, so many realizations of one network are independent and reproducible.
 */
import { motifFactorsWGSL, motifParams, motifWGSL } from '../../../shaders/models-ei-motifs.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { MOTIF_RNG_TAG, networkSize, reciprocalMixing, type MotifNetwork } from './reference.js';
import { seedToKey } from '../../core/seed.js';

export interface MotifGenerateOptions {
  /** Philox seed. Default 0. */
  seed?: number;
  /** Realization (Philox stream). Default 0. */
  stream?: number;
  /** Write J here (an f32 [N, N] tensor) instead of a new tensor. */
  dst?: Tensor;
}

export interface MotifConnectivity {
  /** J, [N, N] row-major, row = postsynaptic neuron. Owned by the caller unless `dst` was given. */
  J: Tensor<'f32'>;
  /** Per-neuron factors (n_k, o_k), interleaved, [2N]. Owned by the caller. */
  factors: Tensor<'f32'>;
}

const WORKGROUP_SIZE = 64;

function checkBlock(name: string, m: number[][] | undefined, P: number): void {
  if (!Array.isArray(m) || m.length !== P || m.some((row) => !Array.isArray(row) || row.length !== P || row.some((x) => !Number.isFinite(x)))) {
    throw new InputError(`network.${name} must be a ${P}×${P} array of finite numbers (one per [post][pre] population pair)`);
  }
}

/** Validate a network description before any GPU work. */
export function validateMotifNetwork(net: MotifNetwork): void {
  const P = net.sizes?.length ?? 0;
  if (P < 1 || P > 2) throw new InputError(`network.sizes must list 1 or 2 populations, got ${P}`);
  if (net.sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new InputError(`network.sizes must be positive integers, got [${net.sizes.join(', ')}]`);
  for (const name of ['j0', 'a', 'b', 'd'] as const) checkBlock(name, net[name], P);
  if (!Array.isArray(net.corr) || net.corr.length !== P || net.corr.some((c) => !(Math.abs(c) <= 1))) {
    throw new InputError(`network.corr needs one correlation in [-1, 1] per population, got [${net.corr?.join(', ')}]`);
  }
  const rho = net.rho ?? 0;
  if (!(Math.abs(rho) <= 1)) throw new InputError(`network.rho must be in [-1, 1], got ${rho}`);
}

/**
 * Draw one realization of J (see `MotifNetwork` in src/models/ei-motifs/reference.ts for the model) on the
 * GPU. Defaults: seed 0, stream 0, a new J tensor.
 */
export async function generateMotifConnectivity(ctx: Context, net: MotifNetwork, options: MotifGenerateOptions = {}): Promise<MotifConnectivity> {
  validateMotifNetwork(net);
  const N = networkSize(net);
  const seed = options.seed ?? 0;
  const stream = options.stream ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** 32) throw new InputError(`stream must be an integer in [0, 2^32), got ${stream}`);
  if (N * N >= 2 ** 32) throw new InputError(`N = ${N} is too large: N² must stay below 2^32`);
  if (options.dst && (options.dst.dtype !== 'f32' || options.dst.size !== N * N)) {
    throw new InputError(`dst '${options.dst.label}' must be an f32 tensor of ${N}×${N} elements`);
  }
  ctx.checkStorageSize('motifs.J', N * N * 4);
  const rho = net.rho ?? 0;
  const { alpha, beta } = reciprocalMixing(rho);
  const reciprocal = rho !== 0;
  const [factorsPipeline, mainPipeline] = await Promise.all([
    ctx.kernel({ label: 'motifs.factors', code: motifFactorsWGSL(), constants: { WG_SIZE: WORKGROUP_SIZE } }),
    ctx.kernel({ label: 'motifs.connectivity', code: motifWGSL({ reciprocal }), constants: { WG_SIZE: WORKGROUP_SIZE } }),
  ]);
  const P = net.sizes.length;
  const blockData = new Float32Array(16);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < P; q++) {
      blockData.set([net.j0[p]![q]!, net.a[p]![q]!, net.b[p]![q]!, net.d[p]![q]!], (p * 2 + q) * 4);
    }
  }
  const blocks = ctx.tensor([4, 4], { label: 'motifs.blocks', data: blockData });
  const factors = ctx.tensor([2 * N], { label: 'motifs.factors' });
  let J: Tensor<'f32'> | null = null;
  try {
    J = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor([N, N], { label: 'motifs.J' });
    const [seedLo, seedHi] = seedToKey(seed);
    const rowBlocks = Math.ceil(N / 4);
    const uniforms = () => motifParams.pack({
      n: N, n_first: net.sizes[0]!, row_blocks: rowBlocks, stream, seed_lo: seedLo, seed_hi: seedHi, tag: MOTIF_RNG_TAG,
      alpha, beta, inv_sqrt_n: 1 / Math.sqrt(N), corr0: net.corr[0]!, corr1: net.corr[P - 1]!,
    });
    ctx.dispatch({
      label: 'motifs.factors', pipeline: factorsPipeline, bindings: [uniforms(), factors],
      workgroups: Math.ceil(N / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
    });
    ctx.dispatch({
      label: 'motifs.connectivity', pipeline: mainPipeline, bindings: [uniforms(), blocks, factors, J],
      workgroups: Math.ceil((N * rowBlocks) / WORKGROUP_SIZE), workgroupSize: WORKGROUP_SIZE,
    });
    ctx.releaseAfterSubmit(blocks);
    return { J, factors };
  } catch (err) {
    blocks.destroy();
    factors.destroy();
    if (J && J !== options.dst) J.destroy();
    throw err;
  }
}
