/**
 * `wgneuro matmul` and `wgneuro sqrtm` on NumPy files: outputs checked first, input headers next,
 * data last; results checked before they are written (overflow, per-matrix status).
 */
import type { Command } from 'commander';
import { dump } from 'npyjs';
import { createContext, type Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { NumericalError } from '../../gpu/errors.js';
import { matmul } from '../../linalg/matmul.js';
import { describeFailures, isUsable, newtonSchulz } from '../../linalg/sqrtm.js';
import { checkMatrixHeader, deviceBufferLimit, readMatrixFile, readNpyHeader, tuple, type MatrixFileRules, type NpyMatrix } from '../npy.js';
import { intOption, numberOption } from '../options.js';
import { checkOutputFile, writeFileAtomic } from '../output/files.js';

/** Serialize a result as .npy bytes (npyjs), float32 or float64. */
export function dumpNpy(data: Float32Array, shape: readonly number[], dtype: 'float32' | 'float64'): ArrayBuffer {
  return dtype === 'float64' ? dump(Float64Array.from(data), [...shape]) : dump(data, [...shape]);
}

/**
 * Check every input file's header (before a device is even asked for), then open the device,
 * check the sizes against its buffer limits from the headers, and only then read the data.
 */
async function readInputs(paths: string[], rules: MatrixFileRules): Promise<{ ctx: Context; inputs: NpyMatrix[] }> {
  for (const path of paths) checkMatrixHeader((await readNpyHeader(path)).header, rules);
  const ctx = await createContext();
  try {
    const limit = deviceBufferLimit(ctx.limits);
    const inputs: NpyMatrix[] = [];
    for (const path of paths) inputs.push(await readMatrixFile(path, { ...rules, ...limit }));
    return { ctx, inputs };
  } catch (err) {
    ctx.destroy();
    throw err;
  }
}

/** Indices of the matrices (of a [b, m, n] or [m, n] result) holding non-finite entries, and how many entries. */
function nonFinite(data: Float32Array, shape: readonly number[]): { matrices: number[]; entries: number } {
  const per = shape.length === 3 ? shape[1]! * shape[2]! : data.length;
  const matrices = new Set<number>();
  let entries = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      entries++;
      matrices.add(Math.floor(i / Math.max(per, 1)));
    }
  }
  return { matrices: [...matrices], entries };
}

function upload(ctx: Context, m: NpyMatrix, label: string): Tensor<'f32'> {
  return ctx.tensor(m.shape, { data: m.data, label });
}

interface MatmulCliOptions {
  output: string;
  transA?: boolean;
  transB?: boolean;
  alpha: number;
  float64?: boolean;
  keepPartial?: boolean;
}

interface SqrtmCliOptions {
  output: string;
  inverse?: boolean;
  iterations: number;
  tol: number;
  symmetryTol: number;
  float64?: boolean;
  quiet?: boolean;
  keepPartial?: boolean;
}

const KEEP_PARTIAL = 'write the output even when part of it is unusable (non-finite or not converged), and say which part';

/** Registers `wgneuro matmul` and `wgneuro sqrtm` (NumPy .npy in and out). */
export function registerLinalg(program: Command): void {
  program
    .command('matmul')
    .description('C = alpha · op(A) · op(B) on the GPU for .npy files (float32 or float64, C order; [m,k]·[k,n] or batches [b,·,·])')
    .argument('<A>', 'A.npy')
    .argument('<B>', 'B.npy')
    .requiredOption('-o, --output <C.npy>', 'where to write C')
    .option('--transA', 'use Aᵀ (A stored [k, m])')
    .option('--transB', 'use Bᵀ (B stored [n, k])')
    .option('--alpha <x>', 'scale of the product', numberOption('alpha'), 1)
    .option('--float64', 'write float64 (default: float32, the precision computed in)')
    .option('--keep-partial', KEEP_PARTIAL)
    .action(async (aPath: string, bPath: string, opts: MatmulCliOptions) => {
      await checkOutputFile(opts.output, '-o/--output');
      const { ctx, inputs: [a, b] } = await readInputs([aPath, bPath], {});
      try {
        const A = upload(ctx, a!, 'cli.A');
        const B = upload(ctx, b!, 'cli.B');
        const C = await matmul(ctx, A, B, { transA: opts.transA, transB: opts.transB, alpha: opts.alpha, label: 'cli.C' });
        const out = await C.read();
        // The inputs were checked finite, so a non-finite entry here is float32 overflow.
        const bad = nonFinite(out, C.shape);
        const where = C.shape.length === 3 ? ` (in matrices ${bad.matrices.join(', ')} of the batch)` : '';
        const problem = `${bad.entries} of ${out.length} entries of C are not finite${where}: float32 overflow of alpha·op(A)·op(B) (|entries| above 3.4e38)`;
        if (bad.entries > 0 && !opts.keepPartial) throw new NumericalError(`matmul: ${problem}; nothing was written (--keep-partial writes it anyway)`);
        await writeFileAtomic(opts.output, new Uint8Array(dumpNpy(out, C.shape, opts.float64 ? 'float64' : 'float32')));
        process.stderr.write(`wrote ${opts.output}: shape ${tuple(C.shape)}, ${opts.float64 ? 'float64' : 'float32'}\n`);
        if (bad.entries > 0) process.stderr.write(`partial result: ${problem}\n`);
      } finally {
        ctx.destroy();
      }
    });

  program
    .command('sqrtm')
    .description('principal square root (or inverse square root) of an SPD matrix or batch in a .npy file, by Newton–Schulz on the GPU')
    .argument('<C>', 'C.npy: [n, n] or [b, n, n], symmetric positive definite')
    .requiredOption('-o, --output <S.npy>', 'where to write the result')
    .option('--inverse', 'compute C^(-1/2) instead of C^(1/2)')
    .option('--iterations <n>', 'most Newton–Schulz iterations', intOption('iterations', { min: 1 }), 40)
    .option('--tol <x>', 'stop when ‖I − ZY‖_F/√n ≤ tol (0: run every iteration, unchecked)', numberOption('tol', { min: 0 }), 1e-5)
    .option('--symmetry-tol <x>', 'largest accepted ‖C − Cᵀ‖_F/‖C‖_F per matrix', numberOption('symmetry-tol', { min: 0 }), 1e-5)
    .option('--float64', 'write float64 (default: float32, the precision computed in)')
    .option('-q, --quiet', 'do not report iterations and residuals')
    .option('--keep-partial', KEEP_PARTIAL)
    .action(async (cPath: string, opts: SqrtmCliOptions) => {
      await checkOutputFile(opts.output, '-o/--output');
      const { ctx, inputs: [c] } = await readInputs([cPath], { square: true });
      try {
        const C = upload(ctx, c!, 'cli.C');
        const r = await newtonSchulz(ctx, C, { iterations: opts.iterations, tol: opts.tol, symmetryTol: opts.symmetryTol });
        const keep = opts.inverse ? r.invSqrt : r.sqrt;
        const out = await keep.read();
        const failed = r.status.flatMap((s, b) => (isUsable(s) ? [] : [b]));
        const problem = describeFailures(r, opts.tol, opts.symmetryTol);
        if (failed.length > 0 && !opts.keepPartial) {
          throw new NumericalError(`sqrtm ${cPath}: ${problem}; nothing was written (--keep-partial writes the usable matrices anyway)`);
        }
        await writeFileAtomic(opts.output, new Uint8Array(dumpNpy(out, keep.shape, opts.float64 ? 'float64' : 'float32')));
        if (!opts.quiet) {
          const res = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toExponential(2));
          const residuals = r.status.length > 1 ? `residuals [${Array.from(r.residuals, res).join(', ')}]` : `residual ${res(r.residuals[0]!)}`;
          process.stderr.write(
            `wrote ${opts.output}: ${opts.inverse ? 'C^(-1/2)' : 'C^(1/2)'}, shape ${tuple(keep.shape)}, ` +
              `${r.iterations} iterations, ${opts.tol > 0 ? residuals : 'residual unchecked (--tol 0)'}\n`,
          );
        }
        if (failed.length > 0) process.stderr.write(`partial result: ${problem}; ${r.status.length > 1 ? `matrices ${failed.join(', ')} hold` : 'it holds'} no usable values\n`);
      } finally {
        ctx.destroy();
      }
    });
}
