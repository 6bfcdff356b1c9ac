import { parseNumberOption } from '../parse.js';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { dump, parse, type NpyArray } from 'npyjs';
import { createContext, type Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { matmul } from '../../linalg/matmul.js';
import { newtonSchulz } from '../../linalg/sqrtm.js';

/** A float array read from a .npy file, as f32 for the GPU. */
export interface NpyMatrix {
  /** Path it came from (for messages). */
  path: string;
  shape: number[];
  /** `'float32'` or `'float64'` as stored. */
  dtype: 'float32' | 'float64';
  data: Float32Array;
}

/** A shape as NumPy prints it: (3,) or (2, 3). */
function tuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

const DTYPE_NAMES: Record<string, string> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16',
  i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool', c8: 'complex64', c16: 'complex128',
};

/**
 * Parse a .npy file's bytes (via npyjs) into an f32 matrix, checking dtype (float32/float64), C
 * order and rank (`ranks`, default 2 or 3). Throws `InputError` naming the file otherwise.
 */
export function parseNpyMatrix(bytes: ArrayBuffer, path: string, ranks: readonly number[] = [2, 3]): NpyMatrix {
  // npyjs reads the descr without its byte-order mark, so look at the header for big-endian data.
  const header = new TextDecoder('latin1').decode(new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 256)));
  if (!header.startsWith('\x93NUMPY')) throw new InputError(`${path} is not a .npy file (no NUMPY magic)`);
  if (/'descr':\s*'>/.test(header)) {
    throw new InputError(`${path} holds big-endian data; save it little-endian (e.g. a.astype('<f8')) and retry`);
  }
  let npy: NpyArray;
  try {
    npy = parse(bytes, { convertFloat16: false });
  } catch (err) {
    throw new InputError(`cannot read ${path} as .npy: ${(err as Error).message}`);
  }
  if (npy.dtype !== 'f4' && npy.dtype !== 'f8') {
    throw new InputError(`${path} has dtype ${DTYPE_NAMES[npy.dtype] ?? npy.dtype}; expected float32 or float64`);
  }
  if (npy.fortranOrder) {
    throw new InputError(`${path} is in Fortran (column-major) order; save it in C order (np.ascontiguousarray) and retry`);
  }
  if (!ranks.includes(npy.shape.length)) {
    throw new InputError(
      `${path} has shape ${tuple(npy.shape)}, rank ${npy.shape.length}; expected rank ${ranks.join(' or ')} (${ranks.includes(3) ? 'a matrix or a batch of matrices' : 'a matrix'})`,
    );
  }
  const source = npy.data as Float32Array | Float64Array;
  const data = source instanceof Float32Array ? source : Float32Array.from(source);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const why = Number.isFinite(source[i]!) ? `${source[i]} overflows float32` : `it is ${source[i]}`;
      throw new InputError(`${path}: element ${i} cannot be used (${why})`);
    }
  }
  return { path, shape: npy.shape, dtype: npy.dtype === 'f4' ? 'float32' : 'float64', data };
}

/** Serialize a result as .npy bytes (npyjs), float32 or float64. */
export function dumpNpy(data: Float32Array, shape: readonly number[], dtype: 'float32' | 'float64'): ArrayBuffer {
  return dtype === 'float64' ? dump(Float64Array.from(data), [...shape]) : dump(data, [...shape]);
}

async function readNpy(path: string, ranks?: readonly number[]): Promise<NpyMatrix> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parseNpyMatrix(copy, path, ranks);
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
}

interface SqrtmCliOptions {
  output: string;
  inverse?: boolean;
  iterations: number;
  tol: number;
  float64?: boolean;
  quiet?: boolean;
}

function parseNumber(name: string): (v: string) => number {
  return (v) => parseNumberOption(v, name);
}

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
    .option('--alpha <x>', 'scale of the product', parseNumber('--alpha'), 1)
    .option('--float64', 'write float64 (default: float32, the precision computed in)')
    .action(async (aPath: string, bPath: string, opts: MatmulCliOptions) => {
      const [a, b] = [await readNpy(aPath), await readNpy(bPath)];
      const ctx = await createContext();
      try {
        const A = upload(ctx, a, 'cli.A');
        const B = upload(ctx, b, 'cli.B');
        const C = await matmul(ctx, A, B, { transA: opts.transA, transB: opts.transB, alpha: opts.alpha, label: 'cli.C' });
        const out = await C.read();
        await writeFile(opts.output, new Uint8Array(dumpNpy(out, C.shape, opts.float64 ? 'float64' : 'float32')));
        process.stderr.write(`wrote ${opts.output}: shape ${tuple(C.shape)}, ${opts.float64 ? 'float64' : 'float32'}\n`);
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
    .option('--iterations <n>', 'most Newton–Schulz iterations', (v) => Number.parseInt(v, 10), 40)
    .option('--tol <x>', 'stop when ‖I − ZY‖_F/√n ≤ tol', parseNumber('--tol'), 1e-5)
    .option('--float64', 'write float64 (default: float32, the precision computed in)')
    .option('-q, --quiet', 'do not report iterations and residual')
    .action(async (cPath: string, opts: SqrtmCliOptions) => {
      const c = await readNpy(cPath);
      const n = c.shape[c.shape.length - 1]!;
      if (c.shape[c.shape.length - 2] !== n) {
        throw new InputError(`${cPath} has shape ${tuple(c.shape)}; sqrtm needs square matrices [n, n] or [b, n, n]`);
      }
      const ctx = await createContext();
      try {
        const C = upload(ctx, c, 'cli.C');
        const r = await newtonSchulz(ctx, C, { iterations: opts.iterations, tol: opts.tol });
        const keep = opts.inverse ? r.invSqrt : r.sqrt;
        const out = await keep.read();
        await writeFile(opts.output, new Uint8Array(dumpNpy(out, keep.shape, opts.float64 ? 'float64' : 'float32')));
        if (!opts.quiet) {
          process.stderr.write(
            `wrote ${opts.output}: ${opts.inverse ? 'C^(-1/2)' : 'C^(1/2)'}, shape ${tuple(keep.shape)}, ` +
              `${r.iterations} iterations, residual ${Number.isNaN(r.residual) ? 'unchecked' : r.residual.toExponential(2)}\n`,
          );
        }
        if (opts.tol > 0 && !(r.residual <= opts.tol)) {
          process.stderr.write(`warning: not converged to tol ${opts.tol} in ${opts.iterations} iterations; is C well conditioned and SPD?\n`);
        }
      } finally {
        ctx.destroy();
      }
    });
}
