/**
 * Thin dispatch wrappers around the kernels of shaders/eig-krylov.wgsl.ts, shared by the power,
 * subspace and Krylov solvers. Internal to src/eig.
 */
import {
  eigCombineParams,
  eigCombineWGSL,
  eigGemvParams,
  eigGemvWGSL,
  eigGramParams,
  eigGramWGSL,
  eigNormalizeParams,
  eigNormalizeWGSL,
  eigProjectParams,
  eigProjectWGSL,
} from '../../shaders/eig-krylov.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';

const WG = 64;

/**
 * A basis buffer: members of `rows` vectors of length `n`. Dispatches cover `batch` members
 * starting at member `first` (default 0), so `{ ...basis, first: b, batch: 1 }` works on member b only.
 */
export interface Basis {
  tensor: Tensor<'f32'>;
  batch: number;
  rows: number;
  n: number;
  first?: number;
}

/** Compiled pipelines of the Krylov building blocks for one context. */
export class KrylovOps {
  readonly ctx: Context;
  private readonly gemvPipe: GPUComputePipeline;
  private readonly gemv4Pipe: GPUComputePipeline;
  private readonly gramPipe: GPUComputePipeline;
  private readonly gram4Pipe: GPUComputePipeline;
  private readonly projectPipe: GPUComputePipeline;
  private readonly normalizePipe: GPUComputePipeline;
  private readonly combinePipe: GPUComputePipeline;
  private readonly dummy: Tensor<'f32'>;

  private constructor(
    ctx: Context,
    gemvPipe: GPUComputePipeline,
    gemv4Pipe: GPUComputePipeline,
    gramPipe: GPUComputePipeline,
    gram4Pipe: GPUComputePipeline,
    projectPipe: GPUComputePipeline,
    normalizePipe: GPUComputePipeline,
    combinePipe: GPUComputePipeline,
    dummy: Tensor<'f32'>,
  ) {
    this.ctx = ctx;
    this.gemvPipe = gemvPipe;
    this.gemv4Pipe = gemv4Pipe;
    this.gramPipe = gramPipe;
    this.gram4Pipe = gram4Pipe;
    this.projectPipe = projectPipe;
    this.normalizePipe = normalizePipe;
    this.combinePipe = combinePipe;
    this.dummy = dummy;
  }

  static async create(ctx: Context): Promise<KrylovOps> {
    const constants = { WG_SIZE: WG };
    const [gemv, gemv4, gram, gram4, project, normalize, combine] = await Promise.all([
      ctx.kernel({ label: 'eig.gemv', code: eigGemvWGSL({ vec4: false }), constants }),
      ctx.kernel({ label: 'eig.gemv4', code: eigGemvWGSL({ vec4: true }), constants }),
      ctx.kernel({ label: 'eig.gram', code: eigGramWGSL({ vec4: false }), constants }),
      ctx.kernel({ label: 'eig.gram4', code: eigGramWGSL({ vec4: true }), constants }),
      ctx.kernel({ label: 'eig.project', code: eigProjectWGSL(), constants }),
      ctx.kernel({ label: 'eig.normalize', code: eigNormalizeWGSL(), constants }),
      ctx.kernel({ label: 'eig.combine', code: eigCombineWGSL(), constants }),
    ]);
    const dummy = ctx.tensor([4], { label: 'eig.unused', fill: 0 });
    return new KrylovOps(ctx, gemv, gemv4, gram, gram4, project, normalize, combine, dummy);
  }

  /** basis rows dst..dst+count ← (A − shift·I)·rows src..src+count, per batch member. */
  gemv(a: Tensor<'f32'>, v: Basis, src: number, dst: number, count = 1, shift = 0): void {
    const vec4 = v.n % 4 === 0;
    this.ctx.dispatch({
      label: vec4 ? 'eig.gemv4' : 'eig.gemv',
      pipeline: vec4 ? this.gemv4Pipe : this.gemvPipe,
      bindings: [eigGemvParams.pack({ n: v.n, rows: v.rows, src, dst, shift, first_member: v.first ?? 0 }), a, v.tensor],
      workgroups: [Math.ceil(v.n / (vec4 ? 4 * WG : WG)), count, v.batch],
    });
  }

  /** coef[b, i, c] ← ⟨V_(first+i), V_(right+c)⟩ for i < left, c < cols. */
  gram(v: Basis, coef: Tensor<'f32'>, first: number, left: number, right: number, cols = 1): void {
    if (left === 0) return;
    const vec4 = v.n % 4 === 0;
    this.ctx.dispatch({
      label: vec4 ? 'eig.gram4' : 'eig.gram',
      pipeline: vec4 ? this.gram4Pipe : this.gramPipe,
      bindings: [eigGramParams.pack({ n: v.n, rows: v.rows, first, left, right, cols, first_member: v.first ?? 0 }), v.tensor, coef],
      workgroups: [Math.ceil(left / WG), cols, v.batch],
    });
  }

  /**
   * V_target −= Σ coef[b, i]·V_(first+i) for i < count; with `h` also H[first+i, hCol] += coef[b, i]
   * where H has leading dimension `ldh` and `hStride` elements per batch member.
   */
  project(v: Basis, coef: Tensor<'f32'>, first: number, count: number, target: number,
    h?: { tensor: Tensor<'f32'>; ldh: number; stride: number; col: number }): void {
    if (count === 0) return;
    this.ctx.dispatch({
      label: 'eig.project',
      pipeline: this.projectPipe,
      bindings: [
        eigProjectParams.pack({
          n: v.n, rows: v.rows, first, count, target_row: target,
          ldh: h?.ldh ?? 0, h_stride: h?.stride ?? 0, h_col: h?.col ?? 0, first_member: v.first ?? 0,
        }),
        v.tensor, coef, h?.tensor ?? this.dummy,
      ],
      workgroups: [Math.ceil(Math.max(v.n, count) / WG), v.batch],
    });
  }

  /** V_target ← V_target/‖V_target‖, the norm going to norms[b·stride + index]. */
  normalize(v: Basis, target: number, norms: Tensor<'f32'>, stride: number, index: number): void {
    this.ctx.dispatch({
      label: 'eig.normalize',
      pipeline: this.normalizePipe,
      bindings: [eigNormalizeParams.pack({ n: v.n, rows: v.rows, target_row: target, h_stride: stride, h_index: index, first_member: v.first ?? 0 }), v.tensor, norms],
      workgroups: [v.batch],
    });
  }

  /** out rows 0..cols ← (input rows 0..used)·Q with Q[b] of shape [used, cols]. */
  combine(v: Basis, q: Tensor<'f32'>, out: Basis, used: number, cols: number): void {
    this.ctx.dispatch({
      label: 'eig.combine',
      pipeline: this.combinePipe,
      bindings: [eigCombineParams.pack({ n: v.n, rows_in: v.rows, rows_out: out.rows, used, cols }), v.tensor, q, out.tensor],
      workgroups: [Math.ceil(v.n / WG), cols, v.batch],
    });
  }

  /**
   * Orthogonalize row `target` against rows first..first+count twice (CGS2) and normalize it.
   * With `h`, the coefficients accumulate into column `h.col` of H and the norm goes to
   * H[first+count, h.col]; otherwise the norm goes to `norms[b·normStride + normIndex]`.
   */
  orthonormalize(v: Basis, coef: Tensor<'f32'>, first: number, count: number, target: number,
    h: { tensor: Tensor<'f32'>; ldh: number; stride: number; col: number } | undefined,
    norms: { tensor: Tensor<'f32'>; stride: number; index: number }): void {
    for (let pass = 0; pass < 2; pass++) {
      this.gram(v, coef, first, count, target, 1);
      this.project(v, coef, first, count, target, h);
    }
    this.normalize(v, target, norms.tensor, norms.stride, norms.index);
  }

  destroy(): void {
    this.dummy.destroy();
  }
}

