import type { Command } from 'commander';
import { dump } from 'npyjs';
import { createContext } from '../../core/context.js';
import { EigConvergenceError, eigsBatched, type EigsResult } from '../../eig/index.js';
import { InputError, NumericalError } from '../../gpu/errors.js';
import { checkMatrixHeader, deviceBufferLimit, readMatrixFile, readNpyHeader, type MatrixFileRules } from '../npy.js';
import { choiceOption, countOption, intOption, numberOption, seedOption } from '../options.js';
import { checkOutputFile, writeFileAtomic } from '../output/files.js';

interface EigCliOptions {
  k: number;
  which: 'LM' | 'LR' | 'SR';
  symmetric?: boolean;
  symmetryTol: number;
  json?: boolean;
  vectors?: boolean;
  output?: string;
  tol?: number;
  maxIter?: number;
  ncv?: number;
  seed: number;
  keepPartial?: boolean;
}

/** Read a square matrix or a stack of them, [n, n] or [batch, n, n], from a .npy file as f32 row-major. */
export async function readMatrixNpy(path: string, limits?: MatrixFileRules): Promise<{ data: Float32Array; batch: number; n: number; stacked: boolean }> {
  const m = await readMatrixFile(path, { ...EIG_INPUT, ...limits });
  const n = m.shape[m.shape.length - 1]!;
  return { data: m.data, batch: m.shape.length === 3 ? m.shape[0]! : 1, n, stacked: m.shape.length === 3 };
}

/** What `eig` accepts: square float or integer matrices, in C or Fortran order. */
const EIG_INPUT: MatrixFileRules = { square: true, integers: true, fortran: true };

/**
 * Largest relative asymmetry max|a_ij − a_ji| / max|a_ij| of each matrix; `--symmetric` refuses a
 * matrix above `--symmetry-tol` rather than silently using (A + Aᵀ)/2.
 */
export function asymmetry(data: Float32Array, batch: number, n: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    let skew = 0;
    let scale = 0;
    const base = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = data[base + i * n + j]!;
        scale = Math.max(scale, Math.abs(x));
        if (j > i) skew = Math.max(skew, Math.abs(x - data[base + j * n + i]!));
      }
    }
    out.push(scale === 0 ? 0 : skew / scale);
  }
  return out;
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


/** Registers `wgneuro eig W.npy`: a few eigenvalues (and vectors) of a matrix or a stack of matrices. */
export function registerEig(program: Command): void {
  program
    .command('eig')
    .description('k eigenvalues of a matrix [n, n] or a stack [batch, n, n] in a .npy file (restarted Arnoldi / Lanczos on the GPU)')
    .argument('<matrix.npy>', 'square matrix, or a stack of them')
    .option('--k <k>', 'number of eigenvalues', countOption('k'), 8)
    .option('--which <which>', 'LM (largest magnitude), LR (largest real part) or SR (smallest real part)', (v: string) => choiceOption('which', ['LM', 'LR', 'SR'])(v.toUpperCase()), 'LM')
    .option('--symmetric', 'the matrix is symmetric (Lanczos); checked to --symmetry-tol')
    .option('--symmetry-tol <x>', 'with --symmetric: largest accepted max|a_ij − a_ji| / max|a_ij|', numberOption('symmetry-tol', { min: 0 }), 1e-6)
    .option('--tol <tol>', 'relative residual tolerance (default 1e-5)', numberOption('tol', { above: 0 }))
    .option('--max-iter <n>', 'maximum restarts (default 300)', countOption('max-iter'))
    .option('--ncv <n>', 'Krylov basis size (default max(2k + 2, 64, min(128, n/8)))', intOption('ncv', { min: 2 }))
    .option('--seed <seed>', 'seed of the start vector', seedOption(), 0)
    .option('--vectors', 'also compute eigenvectors (write them with -o)')
    .option('-o, --output <V.npy>', 'write eigenvectors here as [n, k] ([batch, n, k]); complex64 if any is complex')
    .option('--json', 'print JSON')
    .option('--keep-partial', 'when the eigenvalues do not converge, report (and write) what there is and say which matrices are unconverged')
    .action(async (path: string, opts: EigCliOptions) => {
      const which = opts.which;
      if (opts.output && !opts.vectors) throw new InputError('-o/--output writes eigenvectors: add --vectors');
      if (opts.output) await checkOutputFile(opts.output, '-o/--output');
      const { header } = await readNpyHeader(path);
      checkMatrixHeader(header, EIG_INPUT);
      const order = header.shape[header.shape.length - 1]!;
      if (opts.k > order) throw new InputError(`--k: expected at most the matrix order ${order}, got ${opts.k}`);
      const ctx = await createContext();
      try {
        const { data, batch, n, stacked } = await readMatrixNpy(path, deviceBufferLimit(ctx.limits));
        if (opts.symmetric) {
          const skew = asymmetry(data, batch, n);
          const bad = skew.flatMap((x, b) => (x > opts.symmetryTol ? [b] : []));
          if (bad.length) {
            const which = batch > 1 ? `matrices ${bad.map((b) => `${b} (${skew[b]!.toExponential(2)})`).join(', ')} are` : `the matrix is (${skew[0]!.toExponential(2)})`;
            throw new InputError(`--symmetric: ${path}: ${which} not symmetric: max|a_ij − a_ji| / max|a_ij| above --symmetry-tol ${opts.symmetryTol}; drop --symmetric for a general matrix`);
          }
        }
        let results: EigsResult[];
        let unconverged = '';
        try {
          results = await eigsBatched(ctx, data, {
          n,
          batch,
          k: opts.k,
          which,
          symmetric: opts.symmetric ?? false,
          tol: opts.tol,
          maxIter: opts.maxIter,
          ncv: opts.ncv,
          seed: opts.seed,
          vectors: opts.vectors ?? false,
          });
        } catch (err) {
          // Not converged: an error (exit 3) unless --keep-partial, which reports what there is.
          if (!(err instanceof EigConvergenceError) || !opts.keepPartial || !Array.isArray(err.partial)) throw err;
          results = err.partial as EigsResult[];
          unconverged = err.message;
        }
        const nonFinite = results.flatMap((r, b) => (r.values.every((v) => Number.isFinite(v.re) && Number.isFinite(v.im)) && r.residuals.every(Number.isFinite) ? [] : [b]));
        if (nonFinite.length) throw new NumericalError(`eig ${path}: non-finite eigenvalues or residuals${batch > 1 ? ` for matrices ${nonFinite.join(', ')}` : ''}; nothing was written`);
        if (opts.output) await writeFileAtomic(opts.output, new Uint8Array(vectorsNpy(results, n, stacked)));
        if (opts.json) {
          const json = results.map((r) => ({ values: r.values, residuals: r.residuals, iterations: r.iterations, matvecs: r.matvecs, converged: r.converged ?? true }));
          process.stdout.write(JSON.stringify(stacked ? json : json[0], null, 2) + '\n');
        } else {
          const head = `${path}: n = ${n}${batch > 1 ? `, batch of ${batch}` : ''}, k = ${opts.k}, which = ${which}${opts.symmetric ? ', symmetric' : ''}`;
          const body = results.map((r, b) => (batch > 1 ? `matrix ${b}:\n` : '') + formatResult(r)).join('\n');
          process.stdout.write(`${head}\n${body}\n${opts.output ? `eigenvectors written to ${opts.output}\n` : ''}`);
        }
        if (unconverged) {
          const which = results.flatMap((r, b) => (r.converged ? [] : [b]));
          process.stderr.write(`partial result: ${batch > 1 ? `matrices ${which.join(', ')} did` : 'the eigenvalues did'} not converge (${unconverged})\n`);
        }
      } finally {
        ctx.destroy();
      }
    });
}
