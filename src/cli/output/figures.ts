/**
 * Figures: a Vega-Lite spec compiled to Vega and rendered headless to SVG (no canvas, no DOM), so
 * the same code runs in Node and in the browser.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Figure } from '../../models/experiment.js';

/** Render a figure's Vega-Lite spec (with inline data) to an SVG document. */
export async function renderFigureSVG(figure: Figure): Promise<string> {
  const compiled = compile(figure.spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
