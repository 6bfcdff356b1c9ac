/**
 * Writing an experiment's results to a folder (Node only: uses node:fs): `result.json`, one CSV per
 * table, one SVG per figure.
 */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../gpu/errors.js';
import type { Experiment } from '../../models/experiment.js';
import { renderFigureSVG } from './figures.js';
import { checkOutputDir, makeOutputDir, writeFileAtomic } from './files.js';

/** A table as CSV text with a header row; columns are the union of the rows' keys in first-seen order. */
export function tableToCSV(rows: Record<string, number | string>[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return stringify(rows, { header: true, columns });
}

const SAFE_STEM = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkStem(experiment: string, what: string, stem: string): void {
  if (!SAFE_STEM.test(stem) || stem === 'result') {
    throw new InputError(`${experiment}: ${what} name '${stem}' is not a safe file stem (letters, digits, '.', '_', '-'; not 'result')`);
  }
}

/**
 * Write `result.json` (the experiment's `toJSON`), `<table>.csv` for each table and `<figure>.svg`
 * for each figure into `dir` (created if missing), each file atomically. Returns the paths written,
 * in that order.
 */
export async function writeExperimentOutputs<R>(dir: string, experiment: Experiment<R>, result: R): Promise<string[]> {
  const tables = experiment.tables(result);
  const figures = experiment.figures(result);
  for (const stem of Object.keys(tables)) checkStem(experiment.name, 'table', stem);
  for (const figure of figures) checkStem(experiment.name, 'figure', figure.name);
  // Render everything before touching the disk, so a bad figure leaves no half-written folder.
  const svgs = await Promise.all(figures.map((f) => renderFigureSVG(f)));
  await checkOutputDir(dir, '--out');
  await makeOutputDir(dir);
  const written: string[] = [];
  const write = async (name: string, text: string): Promise<void> => {
    const path = join(dir, name);
    await writeFileAtomic(path, text);
    written.push(path);
  };
  await write('result.json', JSON.stringify(experiment.toJSON(result), null, 2) + '\n');
  for (const [stem, rows] of Object.entries(tables)) await write(`${stem}.csv`, tableToCSV(rows));
  for (let i = 0; i < figures.length; i++) await write(`${figures[i]!.name}.svg`, svgs[i]!);
  return written;
}
