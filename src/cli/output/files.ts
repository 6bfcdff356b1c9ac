/**
 * Output files of the command line: destinations are checked before any computation (so a run is
 * never wasted on an output that cannot be written), and files are written atomically (a temporary
 * file in the same folder, then a rename), so a failed or interrupted write never leaves a
 * half-written file or destroys the one that was there.
 */
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../gpu/errors.js';

async function statOrNull(path: string): Promise<import('node:fs').Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new InputError(`cannot inspect ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function assertWritableDir(dir: string, option: string, target: string): Promise<void> {
  const s = await statOrNull(dir);
  if (!s) throw new InputError(`${option} ${target}: the folder ${dir} does not exist`);
  if (!s.isDirectory()) throw new InputError(`${option} ${target}: ${dir} is not a folder`);
  // Probe by creating a file: permission bits alone say nothing for root or read-only mounts.
  const probe = join(dir, `.wgneuro-probe.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (err) {
    throw new InputError(`${option} ${target}: cannot create files in ${dir} (${(err as NodeJS.ErrnoException).code ?? 'not writable'})`);
  }
  await unlink(probe).catch(() => undefined);
}

/**
 * Check that `path` (given to `option`, e.g. `-o`) can be written as a file: its folder exists and
 * is writable, and it is not itself a folder. An existing file is replaced on success only.
 */
export async function checkOutputFile(path: string, option: string): Promise<void> {
  if (path.trim() === '') throw new InputError(`${option}: expected a file path, got ""`);
  const s = await statOrNull(path);
  if (s?.isDirectory()) throw new InputError(`${option} ${path}: is a folder; expected a file path`);
  if (s && !s.isFile()) throw new InputError(`${option} ${path}: exists and is not a regular file`);
  await assertWritableDir(dirname(resolve(path)), option, path);
}

/**
 * Check that `dir` (given to `option`, e.g. `--out`) can receive output files: an existing writable
 * folder, or a path whose nearest existing ancestor is a writable folder (it is created on write).
 * An existing file there is refused rather than replaced by a folder.
 */
export async function checkOutputDir(dir: string, option: string): Promise<void> {
  if (dir.trim() === '') throw new InputError(`${option}: expected a folder path, got ""`);
  const s = await statOrNull(dir);
  if (s && !s.isDirectory()) throw new InputError(`${option} ${dir}: is an existing file; expected a folder (new or existing)`);
  if (s) {
    await assertWritableDir(resolve(dir), option, dir);
    return;
  }
  let parent = dirname(resolve(dir));
  for (;;) {
    const p = await statOrNull(parent);
    if (p) {
      if (!p.isDirectory()) throw new InputError(`${option} ${dir}: ${parent} is a file, so the folder cannot be created`);
      await assertWritableDir(parent, option, dir);
      return;
    }
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
  }
}

/** Write `data` to `path` atomically: a temporary file beside it, then a rename over it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new InputError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Create `dir` (and parents) for output files. */
export async function makeOutputDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new InputError(`cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
