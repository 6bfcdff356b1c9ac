/**
 * Checking figures drawn as images: the PNGs inside a rendered SVG, and the colours Vega itself
 * gives values on a colour scale (the reference a raster heatmap must match).
 */
import { decode } from 'fast-png';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { pngFromDataURL, type ColourScale } from '../../src/models/image-grid.js';

/** One `<image>` of a rendered SVG: its decoded PNG and its box on the page. */
export interface SvgImage {
  width: number;
  height: number;
  /** translate(x, y) of the element. */
  x: number;
  y: number;
  label: string;
  png: ReturnType<typeof decode>;
}

/** Every `<image>` element of `svg` with an inline PNG, decoded. */
export function svgImages(svg: string): SvgImage[] {
  return [...svg.matchAll(/<image\b[^>]*>/g)].map(([tag]) => {
    const attr = (name: string): string => {
      const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
      if (!m) throw new Error(`<image> without ${name}: ${tag.slice(0, 200)}`);
      return m[1]!;
    };
    const [, x, y] = /translate\(([-\d.]+),([-\d.]+)\)/.exec(attr('transform'))!;
    return {
      width: Number(attr('width')), height: Number(attr('height')), x: Number(x), y: Number(y),
      label: attr('aria-label'), png: decode(pngFromDataURL(attr('xlink:href'))),
    };
  });
}

/** `rgb(r, g, b)` of pixel (x, y) of a decoded 8-bit RGBA PNG, or 'transparent' where alpha is 0. */
export function pngColour(png: ReturnType<typeof decode>, x: number, y: number): string {
  if (png.depth !== 8 || png.channels !== 4) throw new Error(`expected an 8-bit RGBA PNG, got depth ${png.depth}, ${png.channels} channels`);
  const at = 4 * (y * png.width + x);
  const d = png.data;
  return d[at + 3] === 0 ? 'transparent' : `rgb(${d[at]}, ${d[at + 1]}, ${d[at + 2]})`;
}

/**
 * The fill Vega gives each of `values` on a Vega-Lite quantitative colour scale `scale`: the colour
 * scale of a compiled `rect` heatmap of those values, as the figures drew them before they were
 * rasterised.
 */
export async function vegaColours(scale: ColourScale, values: number[]): Promise<string[]> {
  const spec = {
    data: { values: values.map((w, i) => ({ i, w })) },
    mark: 'rect',
    encoding: { x: { field: 'i', type: 'ordinal' }, color: { field: 'w', type: 'quantitative', scale } },
  };
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    await view.runAsync();
    const colour = view.scale('color') as (v: number) => string;
    return values.map((v) => String(colour(v)));
  } finally {
    view.finalize();
  }
}
