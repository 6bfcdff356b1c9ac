/**
 * Bad input never yields a silent wrong answer (issue 11): a table of bad or edge-case invocations
 * of the command line (run in-process through `main`), of input files and of the API. Each CLI row
 * asserts the exit code, that the message names the problem, and that no file the user had changed
 * (every file of the working folder, sentinel outputs included, is compared byte for byte and by
 * mtime before and after; a failing case may not create files either).
 */
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dump } from 'npyjs';
import { checkMatrixHeader, readNpyHeader } from '../../src/cli/npy.js';
import { parseParamValue } from '../../src/cli/output/params.js';
import { checkOutputDir, writeFileAtomic } from '../../src/cli/output/files.js';
import { InputError, LimitError, NumericalError } from '../../src/gpu/errors.js';
import { matmul } from '../../src/linalg/matmul.js';
import { invSqrtm, MatrixFunctionError, newtonSchulz, sqrtm } from '../../src/linalg/sqrtm.js';
import { eigs, eigsBatched } from '../../src/eig/index.js';
import { lifRateExperiment } from '../../src/models/lif-rate/index.js';
import { defineSDE, simulate } from '../../src/sde/index.js';
import { resolveIntegrator } from '../../src/sde/integrators.js';
import { gpuIt, testRng } from '../helpers/device.js';
import { runCli as cli } from '../helpers/cli.js';
import { npyBytes } from '../helpers/npy.js';

let dir = '';
const f = (name: string): string => join(dir, name);

const npy = (data: Float32Array, shape: number[]): Uint8Array => new Uint8Array(dump(data, shape));

/** A sparse file whose header promises `shape` of `descr` and whose length matches: no data is stored. */
async function hugeNpy(path: string, descr: string, shape: number[], itemBytes: number): Promise<void> {
  const head = npyBytes(descr, false, shape, new Uint8Array(0));
  await writeFile(path, head);
  const file = await open(path, 'r+');
  await file.truncate(head.length + shape.reduce((a, b) => a * b, 1) * itemBytes);
  await file.close();
}

// 4 × 4 test matrices: SPD (diagonally dominant), non-symmetric, zero, symmetric indefinite.
const SPD = Float32Array.from([4, 1, 0, 0.5, 1, 3, 0.25, 0, 0, 0.25, 2, 0.1, 0.5, 0, 0.1, 1]);
const NONSYM = Float32Array.from([4, 1, 0, 0.5, 0, 3, 0.25, 0, 0, 2.25, 2, 0.1, 0.5, 0, 0.1, 1]);
const ZERO = new Float32Array(16);
const INDEFINITE = Float32Array.from([1, 0, 0, 0, 0, -2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1]);
const stack = (...ms: Float32Array[]): Float32Array => {
  const out = new Float32Array(ms.length * 16);
  ms.forEach((m, i) => out.set(m, i * 16));
  return out;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgneuro-bad-input-'));
  await writeFile(f('spd.npy'), npy(SPD, [4, 4]));
  await writeFile(f('nonsym.npy'), npy(NONSYM, [4, 4]));
  await writeFile(f('zero.npy'), npy(ZERO, [4, 4]));
  await writeFile(f('indefinite.npy'), npy(INDEFINITE, [4, 4]));
  await writeFile(f('spd-zero.npy'), npy(stack(SPD, ZERO), [2, 4, 4]));
  await writeFile(f('spd-nonsym.npy'), npy(stack(SPD, NONSYM), [2, 4, 4]));
  await writeFile(f('A.npy'), npy(Float32Array.from({ length: 12 }, (_, i) => i + 1), [3, 4]));
  await writeFile(f('B.npy'), npy(Float32Array.from({ length: 8 }, (_, i) => 1 - i / 4), [4, 2]));
  await writeFile(f('rand30.npy'), npy(Float32Array.from({ length: 900 }, testRng(3)), [30, 30]));
  await writeFile(f('m23.npy'), npy(new Float32Array(6).fill(1), [2, 3]));
  await writeFile(f('int.npy'), npyBytes('<i8', false, [2, 2], new BigInt64Array(4)));
  await writeFile(f('fortran.npy'), npyBytes('<f8', true, [2, 2], new Float64Array(4)));
  await writeFile(f('bigendian.npy'), npyBytes('>f4', false, [2, 2], new Float32Array(4)));
  await writeFile(f('rank1.npy'), npyBytes('<f4', false, [3], new Float32Array(3)));
  await writeFile(f('rank4.npy'), npyBytes('<f4', false, [1, 1, 2, 2], new Float32Array(4)));
  await writeFile(f('empty.npy'), npyBytes('<f4', false, [0, 3], new Float32Array(0)));
  await writeFile(f('nan.npy'), npyBytes('<f4', false, [2, 2], Float32Array.from([1, Number.NaN, 0, 1])));
  await writeFile(f('truncated.npy'), npyBytes('<f8', false, [100, 100], new Float64Array(10)));
  await writeFile(f('garbage-header.npy'), npyBytes('', false, [], new Uint8Array(0), "{'descr': <f4, shape: 2}"));
  await writeFile(f('bad-shape.npy'), npyBytes('', false, [], new Float32Array(4), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }"));
  await writeFile(f('text.npy'), 'this is not a numpy file\n');
  // 20000 × 20000 float64 (3.2 GB on disk, sparse here) and a stack of three, 4.8 GB as float32:
  // above any WebGPU device's binding limit (at most 4 GiB), refused from the header alone.
  await hugeNpy(f('huge.npy'), '<f8', [20000, 20000], 8);
  await hugeNpy(f('huge3.npy'), '<f4', [3, 20000, 20000], 4);
  await writeFile(f('ou.json'), await readFile('examples/models/ou.json'));
  await writeFile(f('broken.json'), '{"state": ');
  // dx = x² dt from x = 10 blows up in finite time: every trial diverges.
  await writeFile(f('blowup.json'), JSON.stringify({ name: 'blowup', state: { x: { init: 10 } }, params: { s: 0.1 }, drift: { x: 'x * x' }, diffusion: { x: 's' } }));
  await mkdir(f('outdir'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under the working folder with its bytes and mtime (sparse huge files: size only). */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        out.set(path + '/', 'dir');
        await walk(path);
        continue;
      }
      const s = await stat(path);
      const bytes = s.size > 1 << 20 ? `size ${s.size}` : (await readFile(path)).toString('base64');
      out.set(path, `${s.mtimeMs} ${bytes}`);
    }
  };
  await walk(dir);
  return out;
}

interface CliCase {
  /** What is wrong, as the issue or a user would say it. */
  what: string;
  /** Arguments; `@name` is a file in the working folder. */
  args: string[];
  /** Expected exit code: 2 input error, 3 unusable result, 1 commander usage error, 0 accepted. */
  code: number;
  /** What the message (stderr, or stdout for accepted runs) must say. */
  says: RegExp;
  /** Files this case may write (accepted runs and --keep-partial). */
  writes?: string[];
}

const OUT = ['-o', '@out.npy'];
const SENTINEL = 'sentinel: a file the user had before the run\n';

const CLI_CASES: CliCase[] = [
  // ---- numbers parsed once, strictly
  { what: 'demo -n 0', args: ['demo', '-n', '0'], code: 2, says: /--count: expected a whole number ≥ 1.*got "0"/ },
  { what: 'demo -n 1 (no variance)', args: ['demo', '-n', '1'], code: 2, says: /--count: expected a whole number ≥ 2/ },
  { what: 'demo -n abc', args: ['demo', '-n', 'abc'], code: 2, says: /--count: expected a whole number.*got "abc"/ },
  { what: 'demo -n -5', args: ['demo', '-n', '-5'], code: 2, says: /--count: .*got "-5"/ },
  { what: 'demo -n 1.5', args: ['demo', '-n', '1.5'], code: 2, says: /--count: expected a whole number.*got "1.5"/ },
  { what: 'demo -n ""', args: ['demo', '-n', ''], code: 2, says: /--count: .*got ""/ },
  { what: 'demo -n 0x10', args: ['demo', '-n', '0x10'], code: 2, says: /--count: .*got "0x10"/ },
  { what: 'demo --seed abc', args: ['demo', '--seed', 'abc'], code: 2, says: /--seed: expected a whole number ≥ 0.*got "abc"/ },
  { what: 'demo --seed -1', args: ['demo', '--seed', '-1'], code: 2, says: /--seed: .*got "-1"/ },
  { what: 'demo -n 1e3 draws 1000 samples', args: ['demo', '-n', '1e3', '--json'], code: 0, says: /"count": 1000,/ },
  { what: 'simulate --steps 0', args: ['simulate', '@ou.json', '--steps', '0'], code: 2, says: /--steps: expected a whole number ≥ 1.*got "0"/ },
  { what: 'simulate --trials 0', args: ['simulate', '@ou.json', '--trials', '0'], code: 2, says: /--trials: .*got "0"/ },
  { what: 'simulate --trials 1.5', args: ['simulate', '@ou.json', '--trials', '1.5'], code: 2, says: /--trials: expected a whole number.*got "1.5"/ },
  { what: 'simulate --trials 5e9 (above u32)', args: ['simulate', '@ou.json', '--trials', '5e9'], code: 2, says: /--trials: .*≤ 4294967295.*got "5e9"/ },
  { what: 'simulate --dt 0', args: ['simulate', '@ou.json', '--dt', '0'], code: 2, says: /--dt: expected a finite number > 0.*got "0"/ },
  { what: 'simulate --dt -1e-3', args: ['simulate', '@ou.json', '--dt', '-1e-3'], code: 2, says: /--dt: .*got "-1e-3"/ },
  { what: 'simulate --dt Infinity', args: ['simulate', '@ou.json', '--dt', 'Infinity'], code: 2, says: /--dt: .*got "Infinity"/ },
  { what: 'simulate --seed abc', args: ['simulate', '@ou.json', '--seed', 'abc'], code: 2, says: /--seed: .*got "abc"/ },
  { what: 'simulate --steps-per-dispatch 0', args: ['simulate', '@ou.json', '--steps-per-dispatch', '0'], code: 2, says: /--steps-per-dispatch: .*got "0"/ },
  // ---- lookups by name never find JavaScript object properties
  { what: 'simulate --integrator constructor', args: ['simulate', '@ou.json', '--integrator', 'constructor'], code: 2, says: /--integrator: expected one of em, milstein, weak2, ula, mala, baoab, got "constructor"/ },
  { what: 'simulate --integrator toString', args: ['simulate', '@ou.json', '--integrator', 'toString'], code: 2, says: /--integrator: expected one of em.*got "toString"/ },
  { what: 'simulate --integrator __proto__', args: ['simulate', '@ou.json', '--integrator', '__proto__'], code: 2, says: /--integrator: .*got "__proto__"/ },
  { what: 'run constructor', args: ['run', 'constructor'], code: 2, says: /unknown experiment 'constructor'; known: lif-rate/ },
  { what: 'run lif-rate --constructor', args: ['run', 'lif-rate', '--constructor', '1'], code: 1, says: /unknown option '--constructor'/ },
  { what: 'wgneuro toString', args: ['toString'], code: 1, says: /unknown command 'toString'/ },
  { what: 'bench valueOf', args: ['bench', 'valueOf'], code: 1, says: /unknown command 'valueOf'/ },
  { what: 'bench linalg --reps 1.5', args: ['bench', 'linalg', '--reps', '1.5'], code: 2, says: /--reps: expected a whole number ≥ 1, got "1.5"/ },
  { what: 'bench linalg --peak-gflop abc', args: ['bench', 'linalg', '--peak-gflop', 'abc'], code: 2, says: /--peak-gflop: expected a finite number > 0, got "abc"/ },
  { what: 'bench linalg --sizes 16,x', args: ['bench', 'linalg', '--sizes', '16,x'], code: 2, says: /--sizes \(item 2\): expected a whole number ≥ 1, got "x"/ },
  { what: 'bench linalg --out a folder, before running', args: ['bench', 'linalg', '--out', '@outdir'], code: 2, says: /--out .*outdir: is a folder; expected a file path/ },
  { what: 'run lif-rate --dtRatio 0.5', args: ['run', 'lif-rate', '--dtRatio', '0.5'], code: 2, says: /--dtRatio: expected a finite number ≥ 1, got "0.5"/ },
  { what: 'bench eig --k 0', args: ['bench', 'eig', '--k', '0'], code: 2, says: /--k: expected a whole number ≥ 1, got "0"/ },
  { what: 'bench eig --theta 1', args: ['bench', 'eig', '--theta', '1'], code: 2, says: /--theta: expected a finite number > 1, got "1"/ },
  { what: 'bench sde --reps abc', args: ['bench', 'sde', '--reps', 'abc'], code: 2, says: /--reps: expected a whole number ≥ 1, got "abc"/ },
  { what: 'bench train --mlp 784', args: ['bench', 'train', '--mlp', '784'], code: 2, says: /--mlp: expected comma-separated layer widths.*got "784"/ },
  { what: 'bench train --steps 0', args: ['bench', 'train', '--steps', '0'], code: 2, says: /--steps: expected a whole number ≥ 1, got "0"/ },
  { what: 'bench train --peers nope', args: ['bench', 'train', '--peers', 'nope'], code: 2, says: /--peers: unknown peer 'nope'/ },
  { what: 'bench fft --browser', args: ['bench', 'fft', '--browser'], code: 2, says: /--browser: bench fft runs in Node only/ },
  // checked before Chromium starts: the suite's own options are parsed first
  { what: 'bench train --browser --reps 0', args: ['bench', 'train', '--browser', '--reps', '0'], code: 2, says: /--reps: expected a whole number ≥ 1, got "0"/ },
  // ---- experiment parameters checked by name
  { what: 'run lif-rate --tauL -20', args: ['run', 'lif-rate', '--tauL', '-20'], code: 2, says: /lif-rate: --tauL: expected a finite number > 0, got "-20"/ },
  { what: 'run lif-rate --trials 0', args: ['run', 'lif-rate', '--trials', '0'], code: 2, says: /--trials: expected a whole number ≥ 1, got "0"/ },
  { what: 'run lif-rate --trials 1.5', args: ['run', 'lif-rate', '--trials', '1.5'], code: 2, says: /--trials: expected a whole number ≥ 1, got "1.5"/ },
  { what: 'run lif-rate --seed abc', args: ['run', 'lif-rate', '--seed', 'abc'], code: 2, says: /--seed: expected a whole number ≥ 0.*got "abc"/ },
  { what: 'run lif-rate --refractory -2', args: ['run', 'lif-rate', '--refractory', '-2'], code: 2, says: /--refractory: expected a finite number ≥ 0, got "-2"/ },
  { what: 'run lif-rate --tauS 0.1,-1', args: ['run', 'lif-rate', '--tauS', '0.1,-1'], code: 2, says: /--tauS \(item 2\): expected a finite number > 0, got "-1"/ },
  { what: 'run lif-rate --tauS ""', args: ['run', 'lif-rate', '--tauS', ''], code: 2, says: /--tauS \(item 1\): .*got ""/ },
  { what: 'run whitening --n 17', args: ['run', 'whitening', '--n', '17'], code: 2, says: /--n: expected a whole number ≥ 1 and ≤ 16, got "17"/ },
  { what: 'run whitening --m0 4,x', args: ['run', 'whitening', '--m0', '4,x'], code: 2, says: /--m0 \(item 2\): .*got "x"/ },
  { what: 'run krotov-hopfield --k 17', args: ['run', 'krotov-hopfield', '--k', '17'], code: 2, says: /krotov-hopfield: k must be a whole number in \[2, 16\] .*got 17/ },
  { what: 'run krotov-hopfield --k 1', args: ['run', 'krotov-hopfield', '--k', '1'], code: 2, says: /--k: expected a whole number ≥ 2, got "1"/ },
  { what: 'run krotov-hopfield --paper --hidden 50', args: ['run', 'krotov-hopfield', '--paper', '--hidden', '50'], code: 2, says: /--paper sets --hidden to 2000; drop --hidden 50 or --paper/ },
  { what: 'run krotov-hopfield --train 9000 --test 2000', args: ['run', 'krotov-hopfield', '--train', '9000', '--test', '2000'], code: 2, says: /train \+ test = 11000 images, but only 10000 are available/ },
  { what: 'run flatness --lateFrom 0.95', args: ['run', 'flatness', '--lateFrom', '0.95'], code: 2, says: /flatness: --lateFrom 0.95 leaves 1 of 13 checkpoints in the late phase; correlations need at least 3/ },
  { what: 'run flatness --lr 0', args: ['run', 'flatness', '--lr', '0'], code: 2, says: /--lr: expected a finite number > 0, got "0"/ },
  { what: 'run flatness --loss hinge', args: ['run', 'flatness', '--loss', 'hinge'], code: 2, says: /flatness: --loss must be one of cross-entropy, mse, got hinge/ },
  { what: 'run flatness --late never', args: ['run', 'flatness', '--late', 'never'], code: 2, says: /flatness: --late must be one of fraction, interpolation, got never/ },
  { what: 'run ei-motifs --N 1e3.5', args: ['run', 'ei-motifs', '--N', '1e3.5'], code: 2, says: /--N: expected a whole number ≥ 2, got "1e3.5"/ },
  // ---- outputs checked before computing, never clobbered
  { what: 'simulate -o into a missing folder', args: ['simulate', '@ou.json', '-o', '@nowhere/x.npy'], code: 2, says: /-o\/--output .*nowhere\/x\.npy: the folder .*nowhere does not exist/ },
  { what: 'simulate -o a folder', args: ['simulate', '@ou.json', '-o', '@outdir'], code: 2, says: /-o\/--output .*outdir: is a folder/ },
  { what: 'simulate -o into a read-only place', args: ['simulate', '@ou.json', '-o', '/proc/self/x.npy'], code: 2, says: /-o\/--output \/proc\/self\/x\.npy: cannot create files in/ },
  { what: 'matmul -o a folder', args: ['matmul', '@A.npy', '@B.npy', '-o', '@outdir'], code: 2, says: /-o\/--output .*outdir: is a folder/ },
  { what: 'matmul -o into a missing folder', args: ['matmul', '@A.npy', '@B.npy', '-o', '@nowhere/C.npy'], code: 2, says: /does not exist/ },
  { what: 'matmul -o ""', args: ['matmul', '@A.npy', '@B.npy', '-o', ''], code: 2, says: /-o\/--output: expected a file path, got ""/ },
  { what: 'sqrtm -o into a read-only place', args: ['sqrtm', '@spd.npy', '-o', '/proc/self/S.npy'], code: 2, says: /cannot create files in \/proc\/self/ },
  { what: 'eig --vectors -o a folder', args: ['eig', '@spd.npy', '--vectors', '-o', '@outdir'], code: 2, says: /-o\/--output .*outdir: is a folder/ },
  { what: 'run --out an existing file', args: ['run', 'lif-rate', '--out', '@sentinel.txt'], code: 2, says: /--out .*sentinel\.txt: is an existing file; expected a folder/ },
  { what: 'run --out under a file', args: ['run', 'lif-rate', '--out', '@sentinel.txt/sub'], code: 2, says: /--out .*sentinel\.txt\/sub: .*sentinel\.txt is a file/ },
  // ---- .npy headers read and checked before the data
  { what: 'matmul of int64 data', args: ['matmul', '@int.npy', '@B.npy', ...OUT], code: 2, says: /int\.npy has dtype int64; expected float32 or float64/ },
  { what: 'matmul of Fortran order', args: ['matmul', '@fortran.npy', '@B.npy', ...OUT], code: 2, says: /fortran\.npy is in Fortran \(column-major\) order/ },
  { what: 'matmul of big-endian data', args: ['matmul', '@bigendian.npy', '@B.npy', ...OUT], code: 2, says: /bigendian\.npy holds big-endian data/ },
  { what: 'matmul of a vector', args: ['matmul', '@rank1.npy', '@B.npy', ...OUT], code: 2, says: /rank1\.npy has shape \(3,\), rank 1; expected rank 2 or 3/ },
  { what: 'matmul of rank 4', args: ['matmul', '@rank4.npy', '@B.npy', ...OUT], code: 2, says: /rank4\.npy has shape \(1, 1, 2, 2\), rank 4/ },
  { what: 'matmul of an empty array', args: ['matmul', '@empty.npy', '@B.npy', ...OUT], code: 2, says: /empty\.npy has shape \(0, 3\) with no elements/ },
  { what: 'matmul of NaN entries', args: ['matmul', '@nan.npy', '@B.npy', ...OUT], code: 2, says: /nan\.npy: element 1 cannot be used/ },
  { what: 'matmul of a truncated file', args: ['matmul', '@truncated.npy', '@B.npy', ...OUT], code: 2, says: /truncated\.npy: the header promises 80000 bytes of data .* but the file holds 80/ },
  { what: 'matmul of a text file', args: ['matmul', '@text.npy', '@B.npy', ...OUT], code: 2, says: /text\.npy is not a \.npy file \(no NUMPY magic\)/ },
  { what: 'matmul with a garbage header', args: ['matmul', '@garbage-header.npy', '@B.npy', ...OUT], code: 2, says: /garbage-header\.npy: the \.npy header is not a dictionary/ },
  { what: 'matmul with a negative extent', args: ['matmul', '@bad-shape.npy', '@B.npy', ...OUT], code: 2, says: /bad-shape\.npy: \.npy header: 'shape'\[1\]: expected a whole number ≥ 0, got -2/ },
  { what: 'matmul of a missing file', args: ['matmul', '@missing.npy', '@B.npy', ...OUT], code: 2, says: /cannot read .*missing\.npy: ENOENT/ },
  { what: 'matmul of a folder', args: ['matmul', '@outdir', '@B.npy', ...OUT], code: 2, says: /outdir is not a regular file/ },
  { what: 'matmul of inner dimensions that differ', args: ['matmul', '@m23.npy', '@m23.npy', ...OUT], code: 2, says: /inner dimensions 3 and 2 differ/ },
  { what: 'sqrtm of a [3, 20000, 20000] file over the device limit', args: ['sqrtm', '@huge3.npy', ...OUT], code: 2, says: /LimitError: '.*huge3\.npy' needs max(StorageBufferBinding|Buffer)Size .*= 4800000000, .*its data was not read/ },
  { what: 'sqrtm of a non-square matrix', args: ['sqrtm', '@m23.npy', ...OUT], code: 2, says: /m23\.npy has shape \(2, 3\); expected a square matrix/ },
  { what: 'eig of a non-square matrix', args: ['eig', '@m23.npy'], code: 2, says: /m23\.npy has shape \(2, 3\); expected a square matrix/ },
  // ---- non-finite and unconverged results: per matrix, exit 3, nothing written unless --keep-partial
  { what: 'sqrtm of a non-symmetric matrix', args: ['sqrtm', '@nonsym.npy', ...OUT], code: 3, says: /NumericalError: sqrtm .*nonsym\.npy: the matrix is not symmetric \(‖C − Cᵀ‖\/‖C‖ = .* > 0\.00001\); nothing was written/ },
  { what: 'sqrtm of a zero matrix', args: ['sqrtm', '@zero.npy', ...OUT], code: 3, says: /the matrix is zero; nothing was written/ },
  { what: 'sqrtm --inverse of a zero matrix', args: ['sqrtm', '@zero.npy', '--inverse', ...OUT], code: 3, says: /the matrix is zero/ },
  { what: 'sqrtm of an indefinite matrix', args: ['sqrtm', '@indefinite.npy', ...OUT], code: 3, says: /the iteration diverged \(not positive definite\?\)/ },
  { what: 'sqrtm of [SPD, zeros]', args: ['sqrtm', '@spd-zero.npy', ...OUT], code: 3, says: /sqrtm .*spd-zero\.npy: matrix 1 is zero; nothing/ },
  { what: 'sqrtm of [SPD, non-symmetric]', args: ['sqrtm', '@spd-nonsym.npy', '--inverse', ...OUT], code: 3, says: /: matrix 1 is not symmetric/ },
  { what: 'sqrtm not converged in 1 iteration', args: ['sqrtm', '@spd.npy', '--iterations', '1', ...OUT], code: 3, says: /the matrix did not converge \(residual .* > tol 0\.00001\)/ },
  {
    what: 'sqrtm --keep-partial of [SPD, zeros] writes and says what is partial', args: ['sqrtm', '@spd-zero.npy', '--keep-partial', ...OUT], code: 0,
    says: /residuals \[\d\.\d+e-\d+, n\/a\][^]*partial result: matrix 1 is zero; matrices 1 hold no usable values/, writes: ['out.npy'],
  },
  { what: 'sqrtm --iterations 1e3 is 1000', args: ['sqrtm', '@spd.npy', '--iterations', '1e3', ...OUT], code: 0, says: /C\^\(1\/2\), shape \(4, 4\), \d+ iterations, residual \d/, writes: ['out.npy'] },
  { what: 'sqrtm --iterations 0', args: ['sqrtm', '@spd.npy', '--iterations', '0', ...OUT], code: 2, says: /--iterations: expected a whole number ≥ 1, got "0"/ },
  { what: 'sqrtm --iterations 1.5', args: ['sqrtm', '@spd.npy', '--iterations', '1.5', ...OUT], code: 2, says: /--iterations: .*got "1.5"/ },
  { what: 'sqrtm --tol -1', args: ['sqrtm', '@spd.npy', '--tol', '-1', ...OUT], code: 2, says: /--tol: expected a finite number ≥ 0, got "-1"/ },
  { what: 'matmul --alpha 1e39 overflows', args: ['matmul', '@A.npy', '@B.npy', '--alpha', '1e39', ...OUT], code: 3, says: /matmul: \d+ of 6 entries of C are not finite: float32 overflow.*nothing was written/ },
  { what: 'matmul --alpha 1e39 --keep-partial', args: ['matmul', '@A.npy', '@B.npy', '--alpha', '1e39', '--keep-partial', ...OUT], code: 0, says: /partial result: \d+ of 6 entries of C are not finite/, writes: ['out.npy'] },
  { what: 'matmul --alpha abc', args: ['matmul', '@A.npy', '@B.npy', '--alpha', 'abc', ...OUT], code: 2, says: /--alpha: expected a finite number, got "abc"/ },
  { what: 'matmul --alpha 1e400', args: ['matmul', '@A.npy', '@B.npy', '--alpha', '1e400', ...OUT], code: 2, says: /--alpha: expected a finite number, got "1e400"/ },
  { what: 'eig --symmetric of a non-symmetric matrix', args: ['eig', '@nonsym.npy', '--symmetric', '--k', '2'], code: 2, says: /--symmetric: .*nonsym\.npy: the matrix is \(.*\) not symmetric: .* above --symmetry-tol 0\.000001/ },
  { what: 'eig --symmetric of [SPD, non-symmetric]', args: ['eig', '@spd-nonsym.npy', '--symmetric', '--k', '2'], code: 2, says: /matrices 1 \(.*\) are not symmetric/ },
  { what: 'eig not converged', args: ['eig', '@rand30.npy', '--k', '2', '--ncv', '8', '--max-iter', '1', '--tol', '1e-12'], code: 3, says: /EigConvergenceError: eigs: the 2 wanted eigenvalues .*did not converge to tol = 1e-12 after 1 restarts/ },
  { what: 'eig --keep-partial not converged', args: ['eig', '@rand30.npy', '--k', '2', '--ncv', '8', '--max-iter', '1', '--tol', '1e-12', '--keep-partial'], code: 0, says: /n = 30[^]*partial result: the eigenvalues did not converge/ },
  { what: 'eig --k 0', args: ['eig', '@spd.npy', '--k', '0'], code: 2, says: /--k: expected a whole number ≥ 1, got "0"/ },
  { what: 'eig --k abc', args: ['eig', '@spd.npy', '--k', 'abc'], code: 2, says: /--k: .*got "abc"/ },
  { what: 'eig --k above n', args: ['eig', '@spd.npy', '--k', '9'], code: 2, says: /--k: expected at most the matrix order 4, got 9/ },
  { what: 'eig --which XY', args: ['eig', '@spd.npy', '--which', 'xy'], code: 2, says: /--which: expected one of LM, LR, SR, got "XY"/ },
  { what: 'eig --max-iter 1.5', args: ['eig', '@spd.npy', '--max-iter', '1.5'], code: 2, says: /--max-iter: .*got "1.5"/ },
  { what: 'eig --tol 0', args: ['eig', '@spd.npy', '--tol', '0'], code: 2, says: /--tol: expected a finite number > 0, got "0"/ },
  { what: 'eig --seed -1', args: ['eig', '@spd.npy', '--seed', '-1'], code: 2, says: /--seed: .*got "-1"/ },
  { what: 'eig -o without --vectors', args: ['eig', '@spd.npy', ...OUT], code: 2, says: /-o\/--output writes eigenvectors: add --vectors/ },
  { what: 'simulate where every trial diverges', args: ['simulate', '@blowup.json', '--trials', '8', '--steps', '50', '--dt', '0.5', ...OUT], code: 3, says: /simulate .*blowup\.json: the mean or variance of x is not finite \(8 of 8 trials diverged; 0 counted\); nothing was written/ },
  { what: 'simulate --keep-partial where every trial diverges', args: ['simulate', '@blowup.json', '--trials', '8', '--steps', '50', '--dt', '0.5', '--keep-partial'], code: 0, says: /8 trial\(s\) diverged[^]*partial result: the mean or variance of x is not finite/ },
  { what: 'simulate of a missing model file', args: ['simulate', '@missing.json'], code: 2, says: /cannot read .*missing\.json/ },
  { what: 'simulate of broken JSON', args: ['simulate', '@broken.json'], code: 2, says: /broken\.json' is not valid JSON/ },
];

describe('bad input on the command line (in-process main)', () => {
  for (const c of CLI_CASES) {
    it(`${c.what} → exit ${c.code}`, async () => {
      await writeFile(f('out.npy'), SENTINEL);
      await writeFile(f('sentinel.txt'), SENTINEL);
      const before = await snapshot();
      const args = c.args.map((a) => (a.startsWith('@') ? f(a.slice(1)) : a));
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(c.code);
      expect(c.code === 0 ? r.out + r.err : r.err).toMatch(c.says);
      // One line per problem, never a stack trace.
      expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      const after = await snapshot();
      const allowed = new Set((c.writes ?? []).map(f));
      for (const [path, state] of before) if (!allowed.has(path)) expect(after.get(path), `${path} changed`).toBe(state);
      for (const path of after.keys()) if (!before.has(path)) expect.fail(`${path} was created`);
      for (const path of allowed) expect((await readFile(path)).subarray(0, 6).toString('latin1'), `${path} written`).toBe('\x93NUMPY');
    }, 60_000);
  }
});

describe('bad input files checked from the header alone', () => {
  it('a 20000² float64 file over a 1 GiB limit is refused from its header, naming the file and the limit', async () => {
    const { header } = await readNpyHeader(f('huge.npy'));
    expect(header.shape).toEqual([20000, 20000]);
    expect(() => checkMatrixHeader(header, { maxDeviceBytes: 2 ** 30, limitName: 'maxStorageBufferBindingSize' })).toThrow(LimitError);
    expect(() => checkMatrixHeader(header, { maxDeviceBytes: 2 ** 30, limitName: 'maxStorageBufferBindingSize' }))
      .toThrow(/'.*huge\.npy' needs maxStorageBufferBindingSize .*= 1600000000, but this device allows at most 1073741824/);
  });
});

describe('output files', () => {
  it('an atomic write that cannot land leaves no temporary file and the target as it was', async () => {
    const before = await snapshot();
    await expect(writeFileAtomic(f('outdir'), 'data')).rejects.toThrow(/cannot write .*outdir: EISDIR/);
    expect(await snapshot()).toEqual(before);
  });

  it('an atomic write replaces an existing file whole', async () => {
    await writeFile(f('replace.txt'), 'old contents, longer than the new ones');
    await writeFileAtomic(f('replace.txt'), 'new');
    expect(await readFile(f('replace.txt'), 'utf8')).toBe('new');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp') || n.startsWith('.wgneuro-probe'))).toEqual([]);
    await rm(f('replace.txt'));
  });

  it('--out may name a new folder several levels below a writable one', async () => {
    await expect(checkOutputDir(f('new/deeper/still'), '--out')).resolves.toBeUndefined();
    await expect(checkOutputDir(f('ou.json/x'), '--out')).rejects.toThrow(/--out .*ou\.json\/x: .*ou\.json is a file/);
  });
});

const ou = () => defineSDE({ state: ['x'], params: { theta: 1, mu: 0, sigma: 0.5 }, drift: { x: 'theta * (mu - x)' }, diffusion: { x: 'sigma' } });

/** API calls that must throw `error` with a message matching `says`, before any GPU work where the input is the options. */
const API_CASES: { what: string; error: typeof InputError | typeof NumericalError; says: RegExp; call: (ctx: import('../../src/core/context.js').Context, track: <T extends { destroy(): void }>(x: T) => T) => Promise<unknown> }[] = [
  { what: 'simulate trials 0', error: InputError, says: /simulate: options\.trials: expected a whole number ≥ 1 .*got 0/, call: (ctx) => simulate(ctx, ou(), { trials: 0, steps: 10, dt: 0.01 }) },
  { what: 'simulate dt -1', error: InputError, says: /options\.dt: expected a finite number > 0, got -1/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: -1 }) },
  { what: 'simulate steps NaN', error: InputError, says: /options\.steps: expected a whole number ≥ 0.*got NaN/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: Number.NaN, dt: 0.1 }) },
  { what: 'simulate integrator constructor', error: InputError, says: /options\.integrator: expected one of em, .*got "constructor"/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, integrator: 'constructor' as 'em' }) },
  { what: 'simulate seed 1.5', error: InputError, says: /options\.seed: expected a whole number ≥ 0.*got 1\.5/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, seed: 1.5 }) },
  { what: 'simulate misspelt option', error: InputError, says: /options: unknown field 'trails'/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, trails: 3 } as never) },
  { what: 'simulate record.stats.every 0', error: InputError, says: /options\.record\.stats\.every: expected a whole number ≥ 1, got 0/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, record: { stats: { every: 0 } } }) },
  { what: 'simulate histogram range reversed', error: InputError, says: /options\.record\.histogram\.range: expected a range \[lo, hi\] with lo < hi, got \[1, 0\]/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, record: { histogram: { variable: 'x', bins: 4, range: [1, 0] } } }) },
  { what: 'simulate firstTrial -1', error: InputError, says: /simulate: options\.firstTrial: expected a whole number ≥ 0 .*got -1/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, firstTrial: -1 }) },
  { what: 'simulate totalTrials 2.5', error: InputError, says: /options\.totalTrials: expected a whole number ≥ 1 .*got 2\.5/, call: (ctx) => simulate(ctx, ou(), { trials: 2, steps: 10, dt: 0.1, totalTrials: 2.5 }) },
  { what: 'simulate trial range past totalTrials', error: InputError, says: /simulate: options\.totalTrials: expected a whole number ≥ firstTrial \+ trials = 7 \+ 7 = 14 \(the range must lie inside the whole run\), got 13/, call: (ctx) => simulate(ctx, ou(), { trials: 7, steps: 10, dt: 0.1, firstTrial: 7, totalTrials: 13 }) },
  { what: 'simulate trial range past 2^32', error: InputError, says: /options\.firstTrial: expected a whole number ≤ 2\^32 − trials = 4294967292 \(trial indices are 32-bit\), got 4294967293/, call: (ctx) => simulate(ctx, ou(), { trials: 4, steps: 10, dt: 0.1, firstTrial: 2 ** 32 - 3 }) },
  { what: 'simulate per-trial parameter shorter than totalTrials', error: InputError, says: /parameter 'theta' has 4 values but totalTrials = 8/, call: (ctx) => simulate(ctx, defineSDE({ state: ['x'], params: { theta: [1, 2, 3, 4] }, drift: { x: '-theta * x' }, diffusion: { x: '1' } }), { trials: 4, steps: 10, dt: 0.1, firstTrial: 4, totalTrials: 8 }) },
  { what: 'resolveIntegrator toString', error: InputError, says: /unknown integrator 'toString' \(choose one of em/, call: async () => resolveIntegrator('toString', ou()) },
  { what: 'matmul alpha Infinity', error: InputError, says: /matmul: options\.alpha: expected a finite number, got Infinity/, call: (ctx, t) => matmul(ctx, t(ctx.tensor([2, 2])), t(ctx.tensor([2, 2])), { alpha: Infinity }) },
  { what: 'matmul alpha as a string', error: InputError, says: /options\.alpha: expected a finite number, got "2"/, call: (ctx, t) => matmul(ctx, t(ctx.tensor([2, 2])), t(ctx.tensor([2, 2])), { alpha: '2' as unknown as number }) },
  { what: 'matmul misspelt transa', error: InputError, says: /matmul: options: unknown field 'transa'/, call: (ctx, t) => matmul(ctx, t(ctx.tensor([2, 2])), t(ctx.tensor([2, 2])), { transa: true } as never) },
  { what: 'sqrtm iterations -1', error: InputError, says: /sqrtm: options\.iterations: expected a whole number ≥ 0 .*got -1/, call: (ctx, t) => sqrtm(ctx, t(ctx.tensor([3, 3])), { iterations: -1 }) },
  { what: 'sqrtm misspelt option', error: InputError, says: /sqrtm: options: unknown field 'iters'/, call: (ctx, t) => sqrtm(ctx, t(ctx.tensor([3, 3])), { iters: 3 } as never) },
  { what: 'sqrtm tol NaN', error: InputError, says: /options\.tol: expected a finite number ≥ 0, got NaN/, call: (ctx, t) => sqrtm(ctx, t(ctx.tensor([3, 3])), { tol: Number.NaN }) },
  { what: 'sqrtm of a zero matrix', error: NumericalError, says: /sqrtm: the matrix is zero/, call: (ctx, t) => sqrtm(ctx, t(ctx.tensor([4, 4], { data: ZERO }))) },
  { what: 'invSqrtm of [SPD, non-symmetric]', error: NumericalError, says: /invSqrtm: matrix 1 is not symmetric/, call: (ctx, t) => invSqrtm(ctx, t(ctx.tensor([2, 4, 4], { data: stack(SPD, NONSYM) }))) },
  { what: 'sqrtm of an indefinite matrix', error: NumericalError, says: /sqrtm: the matrix: the iteration diverged/, call: (ctx, t) => sqrtm(ctx, t(ctx.tensor([4, 4], { data: INDEFINITE }))) },
  { what: 'eigs k 0', error: InputError, says: /eigs: options\.k: expected a whole number ≥ 1, got 0/, call: (ctx) => eigs(ctx, SPD, { k: 0 }) },
  { what: 'eigs which XX', error: InputError, says: /options\.which: expected one of LM, LR, SR, got "XX"/, call: (ctx) => eigs(ctx, SPD, { which: 'XX' as 'LM' }) },
  { what: 'eigs tol -1', error: InputError, says: /options\.tol: expected a finite number > 0, got -1/, call: (ctx) => eigs(ctx, SPD, { tol: -1 }) },
  { what: 'eigs misspelt option', error: InputError, says: /eigs: options: unknown field 'symetric'/, call: (ctx) => eigs(ctx, SPD, { symetric: true } as never) },
  {
    what: 'eigsBatched names the matrices that did not converge', error: NumericalError, says: /eigs: the 2 wanted eigenvalues \(which = LM\) of matrices 0, 1 of the batch did not converge to tol = 1e-12 after 1 restarts/,
    call: (ctx) => eigsBatched(ctx, Float32Array.from({ length: 2 * 30 * 30 }, testRng(7)), { n: 30, batch: 2, k: 2, ncv: 8, maxIter: 1, tol: 1e-12 }),
  },
  { what: 'experiment parameter by name', error: InputError, says: /lif-rate: --tauL: expected a finite number > 0, got "-20"/, call: async () => parseParamValue('lif-rate', 'tauL', lifRateExperiment.params.tauL!, '-20') },
];

describe('bad input through the API', () => {
  for (const c of API_CASES) {
    gpuIt(c.what, async (ctx, track) => {
      const err = await c.call(ctx, track).then(() => null, (e: unknown) => e);
      expect(err, 'must throw').toBeInstanceOf(c.error);
      expect((err as Error).message).toMatch(c.says);
    });
  }

  gpuIt('newtonSchulz reports status and honest residuals per matrix of [SPD, zeros, non-symmetric]', async (ctx, track) => {
    const C = track(ctx.tensor([3, 4, 4], { data: stack(SPD, ZERO, NONSYM) }));
    const r = await newtonSchulz(ctx, C, { iterations: 60, tol: 1e-5 });
    track(r.sqrt);
    track(r.invSqrt);
    expect(r.status).toEqual(['converged', 'zero', 'not-symmetric']);
    expect(r.residuals[0]).toBeLessThanOrEqual(1e-5);
    expect(r.residuals[0]).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(r.residuals[1]!) && Number.isNaN(r.residuals[2]!)).toBe(true);
    expect(r.residual).toBe(r.residuals[0]);
    expect(r.asymmetry[2]).toBeGreaterThan(0.1);
    // The usable matrix is right despite its neighbours: S·S = C.
    const s = await r.sqrt.read();
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let l = 0; l < 4; l++) sum += s[i * 4 + l]! * s[l * 4 + j]!;
        expect(Math.abs(sum - SPD[i * 4 + j]!)).toBeLessThan(1e-4);
      }
    }
  });
});
