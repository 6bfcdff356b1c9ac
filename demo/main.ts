/**
 * The browser demo page: shows the adapter and runs a small kernel with a CPU cross-check.
 * Served by `npm run dev` (Vite).
 */
import { createContext, randomNormal, seedToKey, type Context } from '../src/index.js';
import { normal4FromBits, philox4x32_10 } from '../src/testing.js';

const infoEl = document.querySelector<HTMLPreElement>('#info')!;
const outEl = document.querySelector<HTMLPreElement>('#out')!;
const countEl = document.querySelector<HTMLInputElement>('#count')!;
const seedEl = document.querySelector<HTMLInputElement>('#seed')!;
const runEl = document.querySelector<HTMLButtonElement>('#run')!;

function showError(el: HTMLElement, err: unknown): void {
  el.classList.add('err');
  el.textContent = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function runNormals(ctx: Context): Promise<void> {
  const count = Math.max(1, Math.floor(Number(countEl.value)));
  const seed = Math.max(0, Math.floor(Number(seedEl.value)));
  outEl.classList.remove('err');
  outEl.textContent = 'running…';
  let samples!: Awaited<ReturnType<typeof randomNormal>>;
  const timing = await ctx.time(async () => {
    samples = await randomNormal(ctx, [count], { seed });
  });
  const values = await samples.read();
  samples.destroy();
  let mean = 0;
  let sq = 0;
  for (const v of values) {
    mean += v;
    sq += v * v;
  }
  mean /= count;
  const variance = sq / count - mean * mean;
  const key = seedToKey(seed);
  const cpu = normal4FromBits(philox4x32_10([0, 0, 0, 0], key));
  const diff = Math.max(...[0, 1, 2, 3].filter((k) => k < count).map((k) => Math.abs(cpu[k]! - values[k]!)));
  outEl.textContent = [
    `${count} normals, seed ${seed}`,
    `mean ${mean.toExponential(3)}   variance ${variance.toFixed(5)}`,
    `first block vs CPU twin: max |diff| ${diff.toExponential(2)}`,
    `${timing.ms.toFixed(3)} ms (${timing.source})`,
  ].join('\n');
}

try {
  const ctx = await createContext();
  const a = ctx.info.adapter;
  infoEl.textContent = [
    `runtime:  ${ctx.info.runtime}`,
    `adapter:  ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}`,
    `features: ${ctx.info.features.join(', ')}`,
    `maxStorageBufferBindingSize: ${ctx.info.limits.maxStorageBufferBindingSize}`,
  ].join('\n');
  runEl.addEventListener('click', () => runNormals(ctx).catch((e) => showError(outEl, e)));
  await runNormals(ctx);
} catch (err) {
  showError(infoEl, err);
}
