/**
 * Downloads of a run: the final state as .npy (npyjs writes the header) and .csv, and a JSON file
 * with the summary and the statistics over time.
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import { dump } from 'npyjs';

/** Final state [variable][trial] → row-major [trial][variable] .npy bytes (float32). */
export function finalStateNpy(final: Float32Array, variables: number, trials: number): ArrayBuffer {
  const rows = new Float32Array(trials * variables);
  for (let i = 0; i < trials; i++) for (let k = 0; k < variables; k++) rows[i * variables + k] = final[k * trials + i]!;
  return dump(rows, [trials, variables]);
}

/** Final state as CSV: a `trial` column and one column per variable (NaN for trials not run). */
export function finalStateCSV(final: Float32Array, variables: string[], trials: number): string {
  const rows: (number | string)[][] = [];
  for (let i = 0; i < trials; i++) rows.push([i, ...variables.map((_, k) => final[k * trials + i]!)]);
  return stringify(rows, { header: true, columns: ['trial', ...variables] });
}

/** Offer `data` as a file download. */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
