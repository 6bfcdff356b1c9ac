/**
 * The shaping demo page (`shaping.html`, served by `npm run dev`): runs `shaping-1d` or
 * `shaping-2d` on a bundled photograph or the user's own file, prints the summary and draws the
 * figures. The file input hands the experiment an object URL (with the file name after '#', so a
 * `.npy` is recognised); the experiment fetches and decodes it like any image URL.
 */
import { BUNDLED_IMAGES, createContext, shaping1DExperiment, shaping2DExperiment, type Context } from '../src/index.js';
import { renderFigureSVG } from '../src/cli/output/figures.js';
import { resolveParams } from '../src/cli/output/params.js';

const experimentEl = document.querySelector<HTMLSelectElement>('#experiment')!;
const imageEl = document.querySelector<HTMLSelectElement>('#image')!;
const fileEl = document.querySelector<HTMLInputElement>('#file')!;
const offsetsEl = document.querySelector<HTMLInputElement>('#offsets')!;
const seedsEl = document.querySelector<HTMLInputElement>('#seeds')!;
const runEl = document.querySelector<HTMLButtonElement>('#run')!;
const outEl = document.querySelector<HTMLPreElement>('#out')!;
const figuresEl = document.querySelector<HTMLDivElement>('#figures')!;

for (const b of BUNDLED_IMAGES) imageEl.add(new Option(`${b.name} (${b.description})`, b.name));

async function run(ctx: Context): Promise<void> {
  outEl.classList.remove('err');
  figuresEl.replaceChildren();
  const file = fileEl.files?.[0];
  const url = file ? `${URL.createObjectURL(file)}#${file.name}` : null;
  try {
    const image = url ?? imageEl.value;
    const progress = (fraction: number, message = ''): void => {
      outEl.textContent = `${Math.round(100 * fraction)} % ${message}`;
    };
    const experiment = experimentEl.value === 'shaping-1d' ? shaping1DExperiment : shaping2DExperiment;
    const given: Record<string, string> = experiment === shaping2DExperiment ? { image, offsets: offsetsEl.value, seeds: seedsEl.value } : { image };
    // Both experiments share the runner's parameter parsing, so the page and the CLI agree.
    const params = resolveParams(experiment as typeof shaping2DExperiment, given);
    const result = await experiment.run(ctx, params, progress);
    outEl.textContent = (experiment.summary as (r: unknown) => string)(result);
    for (const figure of (experiment.figures as (r: unknown) => ReturnType<typeof shaping2DExperiment.figures>)(result)) {
      const holder = document.createElement('div');
      holder.innerHTML = await renderFigureSVG(figure);
      figuresEl.append(holder);
    }
  } finally {
    if (url) URL.revokeObjectURL(url.split('#')[0]!);
  }
}

createContext().then(
  (ctx) => {
    runEl.addEventListener('click', () => {
      runEl.disabled = true;
      run(ctx).catch((err: unknown) => {
        outEl.classList.add('err');
        outEl.textContent = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }).finally(() => {
        runEl.disabled = false;
      });
    });
  },
  (err: unknown) => {
    outEl.classList.add('err');
    outEl.textContent = `no WebGPU device: ${err instanceof Error ? err.message : String(err)}`;
  },
);
