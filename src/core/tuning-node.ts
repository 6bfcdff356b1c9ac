/**
 * Node-only: tuning results in a JSON file under the user's cache directory. `tuning.ts` reaches it
 * through the `#tuning-store` import, which resolves here only under the `node` condition (browser
 * builds get `tuning-unavailable.ts`), so web bundles never see `node:fs`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TuningRecord, TuningStore } from './tuning-types.js';

/**
 * The cache directory: `$WGNEURO_CACHE_DIR`, else `$XDG_CACHE_HOME/wgneuro`, else
 * `%LOCALAPPDATA%\wgneuro` on Windows, else `~/.cache/wgneuro` (the XDG default).
 */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.WGNEURO_CACHE_DIR) return env.WGNEURO_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'wgneuro');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'wgneuro');
  return join(homedir(), '.cache', 'wgneuro');
}

type FileContents = Record<string, Record<string, TuningRecord>>;

async function readAll(file: string): Promise<FileContents> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as FileContents) : {};
  } catch {
    // A file cut short by a crash is only a lost cache: start again rather than fail a kernel.
    return {};
  }
}

/** A store in `<dir>/tuning.json`: `{ [adapterKey]: { ['kernel|shapeClass']: record } }`. */
export function fileTuningStore(dir: string = cacheDir()): TuningStore {
  const file = join(dir, 'tuning.json');
  return {
    location: file,
    load: async (adapter) => (await readAll(file))[adapter] ?? {},
    save: async (adapter, record) => {
      await mkdir(dir, { recursive: true });
      // Re-read just before writing, and replace the file atomically (write, then rename), so
      // processes tuning at once lose at most each other's newest record, never the file.
      const all = await readAll(file);
      all[adapter] = { ...(all[adapter] ?? {}), [`${record.kernel}|${record.shapeClass}`]: record };
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 1)}\n`);
      await rename(tmp, file);
    },
  };
}
