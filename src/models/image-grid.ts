/**
 * Heatmaps drawn as raster images inside a Vega-Lite figure. A heatmap as a `rect` mark costs one
 * SVG element (about 200 bytes) per value, so 100 receptive fields of 28 × 28 made a 14.5 MB SVG;
 * one PNG per tile, inlined as a `data:` URL in an `image` mark, costs about a byte per value.
 * Vega's headless SVG renderer writes an image mark's URL without loading it (no canvas needed in
 * Node), and browsers draw it as any other image, so the CLI and the lab render the same spec.
 *
 * The colours are computed here from Vega's colour schemes, mapped as Vega maps a linear colour
 * scale, so an image pixel has the colour the same value has as a `rect` (the tests check that
 * against Vega's own scale); the legend is a gradient legend of that same scale.
 */
import { encode } from 'fast-png';
import type { Figure } from './experiment.js';

/**
 * Vega's continuous colour schemes that the figures use, as Vega defines them: colour stops, six
 * hex digits each, interpolated piecewise linearly in RGB (vega-scale's `interpolateColors`). Kept
 * here rather than imported so that the models do not load Vega (15 MB of modules) on import; the
 * tests check every pixel against the colour Vega's own scale gives the same value.
 */
const SCHEMES = {
  redblue: '8c0d25bf363adf745ef4ae91fbdbc9f2efeed2e5ef9dcae15da2cb2f78b3134b85',
} as const;

/** A Vega colour scheme name {@link colourMap} knows. */
export type SchemeName = keyof typeof SCHEMES;

/** A continuous colour scale: a Vega scheme over `domain`, as in a Vega-Lite `scale`. */
export interface ColourScale {
  /** Vega continuous scheme, e.g. `'redblue'`. */
  scheme: SchemeName;
  /** Values mapped to the scheme's two ends. */
  domain: [number, number];
  /** Run the scheme from its far end (Vega-Lite's `reverse`). Default false. */
  reverse?: boolean;
}

/** RGBA bytes; alpha is 0 for a NaN value (drawn transparent), else 255. */
export type Rgba = [number, number, number, number];

/**
 * `value → RGBA` as Vega's linear colour scale maps it: t = (v − d₀)/(d₁ − d₀) (1 − t when
 * reversed), then the scheme at t: stop j = ⌊t (n − 1)⌋ blended linearly into stop j + 1, each
 * channel rounded. Unlike Vega, which extrapolates, values outside the domain get the end colours.
 */
export function colourMap(scale: ColourScale): (value: number) => Rgba {
  const palette: string | undefined = (SCHEMES as Record<string, string>)[scale.scheme];
  if (palette === undefined) throw new Error(`colourMap: scheme must be one of ${Object.keys(SCHEMES).join(', ')}, got '${scale.scheme}'`);
  const [d0, d1] = scale.domain;
  if (!(Number.isFinite(d0) && Number.isFinite(d1) && d0 !== d1)) throw new Error(`colourMap: domain must be two different finite numbers, got [${d0}, ${d1}]`);
  const stops = Array.from({ length: palette.length / 6 }, (_, i) =>
    [0, 2, 4].map((c) => parseInt(palette.slice(6 * i + c, 6 * i + c + 2), 16)));
  const segments = stops.length - 1;
  return (value) => {
    if (Number.isNaN(value)) return [0, 0, 0, 0];
    const u = Math.min(1, Math.max(0, (value - d0) / (d1 - d0)));
    const t = (scale.reverse ? 1 - u : u) * segments;
    const j = Math.min(segments - 1, Math.floor(t));
    const [a, b] = [stops[j]!, stops[j + 1]!];
    const channel = (c: number): number => Math.round(a[c]! + (t - j) * (b[c]! - a[c]!));
    return [channel(0), channel(1), channel(2), 255];
  };
}

/** A heatmap (row-major, `width × height` values, row 0 at the top) as an RGBA PNG file. */
export function heatmapPNG(values: ArrayLike<number>, width: number, height: number, colour: (value: number) => Rgba): Uint8Array {
  if (values.length !== width * height) throw new Error(`heatmapPNG: ${values.length} values for a ${width} × ${height} image (expected ${width * height})`);
  const rgba = new Uint8Array(4 * width * height);
  for (let i = 0; i < values.length; i++) rgba.set(colour(values[i]!), 4 * i);
  return encode({ width, height, data: rgba, channels: 4, depth: 8 });
}

const PNG_DATA_URL = 'data:image/png;base64,';

/** A PNG file as a `data:image/png;base64,…` URL. `btoa` exists in browsers and in Node ≥ 16. */
export function pngDataURL(png: Uint8Array): string {
  let binary = '';
  // String.fromCharCode takes its bytes as arguments: chunks keep under the engines' argument limits.
  for (let i = 0; i < png.length; i += 0x8000) binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return PNG_DATA_URL + btoa(binary);
}

/** The PNG file inside a `data:image/png;base64,…` URL (the inverse of {@link pngDataURL}). */
export function pngFromDataURL(url: string): Uint8Array {
  if (!url.startsWith(PNG_DATA_URL)) throw new Error(`pngFromDataURL: not a base64 PNG data URL: '${url.slice(0, 40)}…'`);
  const binary = atob(url.slice(PNG_DATA_URL.length));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** One heatmap of an {@link imageGridFigure}. */
export interface HeatmapTile {
  /** Row-major values, `tileWidth × tileHeight` of them, row 0 at the top. */
  values: ArrayLike<number>;
  /** Short text read out for the image (its `aria-label`), e.g. `'unit 7'`. */
  label: string;
}

/** Options of {@link imageGridFigure}. */
export interface ImageGridOptions {
  /** File stem of the figure. */
  name: string;
  title: string;
  tiles: HeatmapTile[];
  /** Values per tile row and per tile column. */
  tileWidth: number;
  tileHeight: number;
  /** Tiles per row of the grid. */
  columns: number;
  /** Empty space between tiles, in values. Default 2. */
  gap?: number;
  /** Screen pixels per value (each value is drawn as a `pixelSize²` square, not smoothed). */
  pixelSize: number;
  /** The colour scale, and the title of its gradient legend. */
  colour: ColourScale & { title: string };
}

/**
 * A grid of heatmaps as a Vega-Lite figure: one `image` mark per tile, its PNG inline, placed on
 * quantitative x/y scales counted in values (tile u at column u mod columns, row ⌊u / columns⌋),
 * and a gradient legend of the colour scale (drawn from an invisible two-point layer that carries
 * the scale, because an image mark has no colour channel).
 */
export function imageGridFigure(o: ImageGridOptions): Figure {
  const gap = o.gap ?? 2;
  const colour = colourMap(o.colour);
  const [cellX, cellY] = [o.tileWidth + gap, o.tileHeight + gap];
  const rows = Math.ceil(o.tiles.length / o.columns);
  const images = o.tiles.map((tile, u) => {
    const [x, y] = [(u % o.columns) * cellX, Math.floor(u / o.columns) * cellY];
    const url = pngDataURL(heatmapPNG(tile.values, o.tileWidth, o.tileHeight, colour));
    return { x, x2: x + o.tileWidth, y, y2: y + o.tileHeight, url, label: tile.label };
  });
  const { title: legendTitle, ...scale } = o.colour;
  return {
    name: o.name,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: o.title,
      width: o.columns * cellX * o.pixelSize, height: rows * cellY * o.pixelSize,
      layer: [
        {
          data: { values: images },
          // aspect false: the image fills its x/x2 × y/y2 box; smooth false: values stay sharp squares.
          mark: { type: 'image', aspect: false, smooth: false },
          encoding: {
            x: { field: 'x', type: 'quantitative', axis: null, scale: { domain: [0, o.columns * cellX] } },
            x2: { field: 'x2' },
            y: { field: 'y', type: 'quantitative', axis: null, scale: { domain: [0, rows * cellY], reverse: true } },
            y2: { field: 'y2' },
            url: { field: 'url', type: 'nominal' },
            // the aria-label would otherwise repeat every field, the whole data URL included
            description: { field: 'label', type: 'nominal' },
          },
        },
        {
          data: { values: [{ value: scale.domain[0] }, { value: scale.domain[1] }] },
          mark: { type: 'point', filled: true, opacity: 0, aria: false },
          encoding: { color: { field: 'value', type: 'quantitative', title: legendTitle, scale } },
        },
      ],
    },
  };
}
