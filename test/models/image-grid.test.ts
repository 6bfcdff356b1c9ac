/**
 * Heatmaps as inline PNGs in a Vega-Lite figure: rendered headless to SVG (no canvas), each tile is
 * one `<image>` at its grid place and size, its pixels have the colours Vega gives the same values
 * (so the picture equals the old one-rect-per-value heatmap), and the SVG is a small fraction of
 * that rect heatmap's size.
 */
import { describe, expect, it } from 'vitest';
import { renderFigureSVG } from '../../src/cli/output/figures.js';
import { colourMap, heatmapPNG, imageGridFigure, type ColourScale } from '../../src/models/image-grid.js';
import { testRng } from '../helpers/device.js';
import { pngColour, svgImages, vegaColours } from '../helpers/figures.js';

/** Odd tile shape (5 wide, 3 tall), so a transposed or flipped raster cannot pass. */
const [W, H] = [5, 3];
const SCALE: ColourScale = { scheme: 'redblue', domain: [-1, 1], reverse: true };

function randomTiles(count: number, seed: number): Float64Array[] {
  const rng = testRng(seed);
  return Array.from({ length: count }, () => Float64Array.from({ length: W * H }, () => 2 * rng() - 1));
}

describe('imageGridFigure', () => {
  it('draws one image per tile at its grid place, with the colours Vega gives the values', async () => {
    const tiles = randomTiles(7, 11);
    // the scale's ends, its middle, beyond the domain (clamped) and a NaN (transparent)
    tiles[0]!.set([-1, 1, 0, -3, 2.5, Number.NaN]);
    const figure = imageGridFigure({
      name: 'grid', title: 'seven tiles', tiles: tiles.map((values, u) => ({ values, label: `tile ${u}` })),
      tileWidth: W, tileHeight: H, columns: 3, gap: 1, pixelSize: 4, colour: { ...SCALE, title: 'value' },
    });
    const svg = await renderFigureSVG(figure);
    expect(svg).toContain("Gradient legend titled 'value'");
    const images = svgImages(svg);
    expect(images.map((im) => im.label)).toEqual(tiles.map((_, u) => `tile ${u}`));
    for (const [u, im] of images.entries()) {
      expect([im.png.width, im.png.height]).toEqual([W, H]);
      // each value is a 4 × 4 square; tiles sit (W + gap) and (H + gap) values apart
      expect([im.width, im.height]).toEqual([4 * W, 4 * H]);
      expect([im.x - images[0]!.x, im.y - images[0]!.y]).toEqual([4 * (W + 1) * (u % 3), 4 * (H + 1) * Math.floor(u / 3)]);
    }
    const values = tiles.flatMap((t) => [...t]);
    const got = values.map((_, k) => pngColour(images[Math.floor(k / (W * H))]!.png, (k % (W * H)) % W, Math.floor((k % (W * H)) / W)));
    // Vega's scale extrapolates beyond its domain (to black here); the images clamp to the ends
    const expected = await vegaColours(SCALE, values.map((v) => (Number.isNaN(v) ? 0 : Math.min(1, Math.max(-1, v)))));
    expect(got.slice(3, 6)).toEqual([expected[0], expected[1], 'transparent']);
    got[5] = expected[5]!;
    expect(got).toEqual(expected);
    // the reversed redblue scale: −1 is its blue end, 1 its red end
    expect(got.slice(0, 2)).toEqual(['rgb(19, 75, 133)', 'rgb(140, 13, 37)']);
  });

  it('is a small fraction of the same heatmap drawn as one rect per value', async () => {
    const tiles = randomTiles(16, 3).map((values, u) => ({ values, label: `tile ${u}` }));
    const options = { name: 'grid', title: 'sixteen tiles', tiles, tileWidth: W, tileHeight: H, columns: 4, gap: 1, pixelSize: 4, colour: { ...SCALE, title: 'value' } };
    const images = (await renderFigureSVG(imageGridFigure(options))).length;
    const rects = (await renderFigureSVG({
      name: 'grid',
      spec: {
        title: 'sixteen tiles', width: 4 * 4 * (W + 1), height: 4 * 4 * (H + 1),
        data: { values: tiles.flatMap((t, u) => [...t.values].map((w, i) => ({ x: (u % 4) * (W + 1) + (i % W), y: Math.floor(u / 4) * (H + 1) + Math.floor(i / W), w }))) },
        mark: 'rect',
        encoding: {
          x: { field: 'x', type: 'ordinal', axis: null }, y: { field: 'y', type: 'ordinal', axis: null },
          color: { field: 'w', type: 'quantitative', title: 'value', scale: SCALE },
        },
      },
    })).length;
    // Measured in Node: 11.4 kB against 49.8 kB (0.23) at 15 values a tile; the ratio falls with the tile
    // size (krotov-hopfield's default run, 100 fields of 28 × 28: 0.27 MB against 14.6 MB).
    expect(images).toBeLessThan(rects / 3);
  });

  it('colourMap gives the colour of Vega\'s scale on a dense sweep of the domain, both ways round', async () => {
    const rng = testRng(5);
    const values = [...Array.from({ length: 2001 }, (_, i) => -1 + i / 1000), ...Array.from({ length: 500 }, () => 2 * rng() - 1)];
    for (const reverse of [true, false]) {
      const colour = colourMap({ ...SCALE, reverse });
      const rgb = values.map((v) => { const [r, g, b] = colour(v); return `rgb(${r}, ${g}, ${b})`; });
      expect(rgb).toEqual(await vegaColours({ ...SCALE, reverse }, values));
    }
  });

  it('refuses a tile of the wrong length and a scheme Vega does not know', () => {
    expect(() => heatmapPNG(new Float64Array(14), W, H, colourMap(SCALE))).toThrow(/14 values for a 5 × 3 image \(expected 15\)/);
    expect(() => colourMap({ scheme: 'viridis' as 'redblue', domain: [0, 1] })).toThrow(/scheme must be one of redblue, got 'viridis'/);
    expect(() => colourMap({ scheme: 'redblue', domain: [1, 1] })).toThrow(/two different finite numbers, got \[1, 1\]/);
  });
});
