import { parseNumberOption } from '../parse.js';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { dump, parse } from 'npyjs';
import { createContext } from '../../core/context.js';
import { eigsBatched, type EigsResult, type Which } from '../../eig/index.js';
import { InputError } from '../../gpu/errors.js';

interface EigCliOptions {
  k: string;
  which: string;
  symmetric?: boolean;
  json?: boolean;
  vectors?: boolean;
  output?: string;
  tol?: string;
  maxIter?: string;
  ncv?: string;
  seed: string;
}

/** Read a square matrix or a stack of them, [n, n] or [batch, n, n], from a .npy file as f32 row-major. */
export async function readMatrixNpy(path: string): Promise<{ data: Float32Array; batch: number; n: number; stacked: boolean }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read '${path}': ${(err as Error).message}`);
  }
  let npy;
  try {
    npy = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new InputError(`'${path}' is not a valid .npy file: ${(err as Error).message}`);
  }
  const shape = npy.shape;
  const square = (shape.length === 2 && shape[0] === shape[1]) || (shape.length === 3 && shape[1] === shape[2]);
  if (!square) throw new InputError(`'${path}' has shape [${shape.join(', ')}]; expected a square matrix [n, n] or a stack [batch, n, n]`);
  if (npy.dtype.startsWith('c') || npy.dtype.startsWith('U') || npy.dtype === 'b1') {
    throw new InputError(`'${path}' has dtype ${npy.dtype}; expected a real numeric type`);
  }
  const n = shape[shape.length - 1]!;
  const batch = shape.length === 3 ? shape[0]! : 1;
  const src = npy.data as unknown as ArrayLike<number | bigint>;
  const data = new Float32Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // Fortran order stores a[b, i, j] at b + batch·(i + n·j).
        const at = npy.fortranOrder ? b + batch * (i + n * j) : (b * n + i) * n + j;
        data[(b * n + i) * n + j] = Number(src[at]);
      }
    }
  }
  return { data, batch, n, stacked: shape.length === 3 };
}

/** Eigenvectors as numpy's `eig` lays them out: [n, k] per matrix (column i ↔ value i), complex64 if any is complex. */
export function vectorsNpy(results: EigsResult[], n: number, batched: boolean): ArrayBuffer {
  const k = Math.max(...results.map((r) => r.values.length));
  const complex = results.some((r) => r.values.some((v) => v.im !== 0));
  const per = n * k * (complex ? 2 : 1);
  const out = new Float32Array(results.length * per);
  results.forEach((r, b) => {
    const v = r.vectors!;
    r.values.forEach((_, c) => {
      for (let i = 0; i < n; i++) {
        const at = b * per + (i * k + c) * (complex ? 2 : 1);
        out[at] = v.re[c * n + i]!;
        if (complex) out[at + 1] = v.im[c * n + i]!;
      }
    });
  });
  const shape = batched ? [results.length, n, k] : [n, k];
  return dump(out, shape, { dtype: complex ? 'c8' : 'f4' });
}

function formatResult(r: EigsResult): string {
  const lines = ['  #   re              im              residual'];
  r.values.forEach((v, i) => {
    lines.push(`  ${String(i).padEnd(3)} ${v.re.toPrecision(9).padStart(15)} ${v.im.toPrecision(9).padStart(15)} ${r.residuals[i]!.toExponential(2).padStart(10)}`);
  });
  lines.push(`  (${r.iterations} restarts, ${r.matvecs} matrix–vector products)`);
  return lines.join('\n');
}

function parseNumber(value: string | undefined, name: string, integer: boolean): number | undefined {
  return value === undefined ? undefined : parseNumberOption(value, name, { integer });
}

/** Registers `wgneuro eig W.npy`: a few eigenvalues (and vectors) of a matrix or a stack of matrices. */
export function registerEig(program: Command): void {
  program
    .command('eig')
    .description('k eigenvalues of a matrix [n, n] or a stack [batch, n, n] in a .npy file (restarted Arnoldi / Lanczos on the GPU)')
    .argument('<matrix.npy>', 'square matrix, or a stack of them')
    .option('--k <k>', 'number of eigenvalues', '8')
    .option('--which <which>', 'LM (largest magnitude), LR (largest real part) or SR (smallest real part)', 'LM')
    .option('--symmetric', 'the matrix is symmetric (Lanczos)')
    .option('--tol <tol>', 'relative residual tolerance (default 1e-5)')
    .option('--max-iter <n>', 'maximum restarts (default 300)')
    .option('--ncv <n>', 'Krylov basis size (default max(2k + 2, 64, min(128, n/8)))')
    .option('--seed <seed>', 'seed of the start vector', '0')
    .option('--vectors', 'also compute eigenvectors (write them with -o)')
    .option('-o, --output <V.npy>', 'write eigenvectors here as [n, k] ([batch, n, k]); complex64 if any is complex')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: EigCliOptions) => {
      const which = opts.which.toUpperCase();
      if (!['LM', 'LR', 'SR'].includes(which)) throw new InputError(`--which must be LM, LR or SR, got '${opts.which}'`);
      if (opts.output && !opts.vectors) throw new InputError('-o/--output writes eigenvectors: add --vectors');
      const { data, batch, n, stacked } = await readMatrixNpy(path);
      const ctx = await createContext();
      try {
        const results = await eigsBatched(ctx, data, {
          n,
          batch,
          k: parseNumber(opts.k, 'k', true),
          which: which as Which,
          symmetric: opts.symmetric ?? false,
          tol: parseNumber(opts.tol, 'tol', false),
          maxIter: parseNumber(opts.maxIter, 'max-iter', true),
          ncv: parseNumber(opts.ncv, 'ncv', true),
          seed: parseNumber(opts.seed, 'seed', true),
          vectors: opts.vectors ?? false,
        });
        if (opts.output) await writeFile(opts.output, new Uint8Array(vectorsNpy(results, n, stacked)));
        if (opts.json) {
          const json = results.map((r) => ({ values: r.values, residuals: r.residuals, iterations: r.iterations, matvecs: r.matvecs }));
          process.stdout.write(JSON.stringify(stacked ? json : json[0], null, 2) + '\n');
        } else {
          const head = `${path}: n = ${n}${batch > 1 ? `, batch of ${batch}` : ''}, k = ${opts.k}, which = ${which}${opts.symmetric ? ', symmetric' : ''}`;
          const body = results.map((r, b) => (batch > 1 ? `matrix ${b}:\n` : '') + formatResult(r)).join('\n');
          process.stdout.write(`${head}\n${body}\n${opts.output ? `eigenvectors written to ${opts.output}\n` : ''}`);
        }
      } finally {
        ctx.destroy();
      }
    });
}
