/**
 * `krotov-hopfield` end to end at a tiny size in both runtimes (Node reads the digits from
 * node_modules, the browser fetches them): the documented JSON, a readout clearly above chance for
 * a fixed seed, the units' p-norms moving towards the rule's fixed point, and the figure: one small
 * PNG per unit whose pixels have the colours of the synapses they show.
 */
import { describe, expect } from 'vitest';
import { renderFigureSVG } from '../../src/cli/output/figures.js';
import { resolveParams } from '../../src/cli/output/params.js';
import { krotovHopfieldExperiment } from '../../src/models/krotov-hopfield/index.js';
import { gpuIt } from '../helpers/device.js';
import { pngColour, svgImages, vegaColours } from '../helpers/figures.js';

const noProgress = (): void => undefined;
/**
 * Three times chance. Measured for this seed and size in Node (Dawn, SwiftShader): test 0.492,
 * train 0.483 (5 epochs are far from convergence; the default size reaches about 0.9). A different
 * f32 rounding (another adapter) can flip a ranking and so change the run, hence the wide margin.
 */
const TEST_THRESHOLD = 0.3;

describe('krotov-hopfield experiment (H 20, 1000 training and 500 test digits, 5 epochs)', () => {
  gpuIt('learns features a softmax readout classifies far above chance', async (ctx) => {
    const params = resolveParams(krotovHopfieldExperiment, {
      hidden: '20', train: '1000', test: '500', epochs: '5', readoutSteps: '100', baseline: 'false', seed: '1',
    });
    const result = await krotovHopfieldExperiment.run(ctx, params, noProgress);
    const json = krotovHopfieldExperiment.toJSON(result) as Record<string, any>;
    expect(Object.keys(json).slice(0, 5)).toEqual(['hidden', 'p', 'k', 'testAccuracy', 'trainAccuracy']);
    expect([json.hidden, json.p, json.k]).toEqual([20, 3, 7]);
    expect(json.testAccuracy, JSON.stringify(json)).toBeGreaterThan(TEST_THRESHOLD);
    expect(json.trainAccuracy).toBeGreaterThan(TEST_THRESHOLD);
    // From N(0, 1) synapses (‖W_μ‖₃ ≈ 11) the units that win shrink towards the unit sphere.
    expect(result.epochs).toHaveLength(5);
    expect(result.epochs.at(-1)!.meanNorm).toBeLessThan(result.epochs[0]!.meanNorm);
    const figures = krotovHopfieldExperiment.figures(result);
    expect(figures.map((f) => f.name)).toEqual(['receptive-fields']);
    // One 28 × 28 PNG per unit, each pixel the colour Vega's colour scale gives W / max|W| (checked
    // on the largest |W| and three fixed pixels of three units), in a small SVG: measured 63 kB in
    // Node, where one rect per synapse made 1.4 MB for only 10 units.
    const svg = await renderFigureSVG(figures[0]!);
    expect(svg.length).toBeLessThan(150_000);
    const images = svgImages(svg);
    expect(images.map((im) => im.label)).toEqual(result.fields.units.map((u) => `unit ${u}`));
    expect(images.every((im) => im.png.width === 28 && im.png.height === 28)).toBe(true);
    const chosen: { unit: number; pixel: number; w: number }[] = [];
    for (const unit of [0, 7, 19]) {
      const field = Array.from(result.fields.weights.subarray(unit * 784, (unit + 1) * 784));
      const top = Math.max(...field.map(Math.abs));
      const largest = field.findIndex((x) => Math.abs(x) === top);
      for (const pixel of [largest, 0, 405, 783]) chosen.push({ unit, pixel, w: field[pixel]! / top });
    }
    const expected = await vegaColours({ scheme: 'redblue', domain: [-1, 1], reverse: true }, chosen.map((c) => c.w));
    expect(chosen.map((c) => pngColour(images[c.unit]!.png, c.pixel % 28, Math.floor(c.pixel / 28)))).toEqual(expected);
  }, 300_000);
});
