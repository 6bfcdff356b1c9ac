/**
 * Live plots of the playground, drawn with uPlot (canvas; cheap to update while a run goes on):
 * mean ± s.d. over time per variable, a histogram of the current state, and for event models a
 * spike raster and the population rate; the network page's rasters and rates per population.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LiveHistogram, LiveRaster, LiveStats, NetworkLivePopulation } from './protocol.js';

const WIDTH = 420;
const HEIGHT = 190;
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0969da'];

function axes(x: string, y: string): uPlot.Axis[] {
  return [{ label: x, size: 40 }, { label: y, size: 56 }];
}

/** One chart per variable: the mean and a band of one standard deviation over trials. */
export class StatsPlots {
  #charts: uPlot[] = [];
  #variables: string[] = [];
  readonly host: HTMLElement;
  constructor(host: HTMLElement) {
    this.host = host;
  }

  clear(): void {
    for (const c of this.#charts) c.destroy();
    this.#charts = [];
    this.#variables = [];
    this.host.replaceChildren();
  }

  update(stats: LiveStats): void {
    if (stats.variables.join() !== this.#variables.join()) {
      this.clear();
      this.#variables = [...stats.variables];
      stats.variables.forEach((v, k) => {
        const color = COLORS[k % COLORS.length]!;
        const opts: uPlot.Options = {
          title: `${v}: mean ± s.d. over trials`,
          width: WIDTH,
          height: HEIGHT,
          scales: { x: { time: false } },
          axes: axes('t', v),
          series: [
            { label: 't' },
            { label: 'mean', stroke: color, width: 2 },
            { label: '+s.d.', stroke: `${color}66`, width: 1 },
            { label: '−s.d.', stroke: `${color}66`, width: 1 },
          ],
          bands: [{ series: [2, 3], fill: `${color}22` }],
          legend: { show: true },
        };
        this.#charts.push(new uPlot(opts, [[], [], [], []], this.host));
      });
    }
    const n = stats.variables.length;
    const rows = stats.times.length;
    stats.variables.forEach((_, k) => {
      const mean = new Float64Array(rows);
      const hi = new Float64Array(rows);
      const lo = new Float64Array(rows);
      for (let s = 0; s < rows; s++) {
        const m = stats.mean[s * n + k]!;
        const sd = Math.sqrt(stats.variance[s * n + k]!);
        mean[s] = m;
        hi[s] = m + sd;
        lo[s] = m - sd;
      }
      this.#charts[k]!.setData([Array.from(stats.times), toSeries(mean), toSeries(hi), toSeries(lo)]);
    });
  }
}

/** NaN → null, which uPlot draws as a gap. */
function toSeries(a: ArrayLike<number>): (number | null)[] {
  return Array.from(a, (x) => (Number.isFinite(x) ? x : null));
}

/** Bars of one variable's current state; the variable is chosen with a select. */
export class HistogramPlot {
  #chart: uPlot | null = null;
  #last: LiveHistogram[] = [];
  readonly host: HTMLElement;
  readonly select: HTMLSelectElement;
  constructor(host: HTMLElement, select: HTMLSelectElement) {
    this.host = host;
    this.select = select;
    select.addEventListener('change', () => this.#draw());
  }

  clear(): void {
    this.#chart?.destroy();
    this.#chart = null;
    this.#last = [];
    this.select.replaceChildren();
  }

  update(histograms: LiveHistogram[]): void {
    if (histograms.map((h) => h.variable).join() !== this.#last.map((h) => h.variable).join()) {
      const keep = this.select.value;
      this.select.replaceChildren(...histograms.map((h) => new Option(h.variable, h.variable)));
      if (histograms.some((h) => h.variable === keep)) this.select.value = keep;
    }
    this.#last = histograms;
    this.#draw();
  }

  #draw(): void {
    const h = this.#last.find((x) => x.variable === this.select.value) ?? this.#last[0];
    if (!h) return;
    const centers = Array.from({ length: h.counts.length }, (_, k) => (h.edges[k]! + h.edges[k + 1]!) / 2);
    const data: uPlot.AlignedData = [centers, Array.from(h.counts)];
    if (!this.#chart) {
      this.#chart = new uPlot({
        title: 'current state over finished trials',
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: false } },
        axes: axes(h.variable, 'trials'),
        series: [{ label: h.variable }, { label: 'trials', fill: '#1f6feb55', stroke: '#1f6feb', paths: uPlot.paths.bars!({ size: [1, Infinity] }) }],
      }, data, this.host);
    } else {
      this.#chart.axes[0]!.label = h.variable;
      this.#chart.setData(data);
    }
  }
}

/** Spike raster of the first trials and the population rate (event models only). */
export class RasterPlots {
  #raster: uPlot | null = null;
  #rate: uPlot | null = null;
  readonly host: HTMLElement;
  constructor(host: HTMLElement) {
    this.host = host;
  }

  clear(): void {
    this.#raster?.destroy();
    this.#rate?.destroy();
    this.#raster = null;
    this.#rate = null;
    this.host.replaceChildren();
    this.host.hidden = true;
  }

  update(r: LiveRaster): void {
    this.host.hidden = false;
    if (!this.#raster) {
      // A scatter as aligned data: spikes sorted by time, drawn as points without a line.
      const order = Array.from(r.times.keys()).sort((a, b) => r.times[a]! - r.times[b]!);
      this.#raster = new uPlot({
        // Spikes closer than the snapshot interval merge; say so rather than draw fewer silently.
        title: `spike raster, first ${r.trials} trials${r.times.length === r.counted ? '' : ` (${r.times.length} of ${r.counted} spikes resolved at Δt = ${r.resolution.toPrecision(3)})`}`,
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: false }, y: { range: [-1, r.trials] } },
        axes: axes('t', 'trial'),
        series: [{ label: 't' }, { label: 'trial', stroke: '#222', paths: () => null, points: { show: true, size: 3, fill: '#222' } }],
        legend: { show: false },
      }, [order.map((k) => r.times[k]!), order.map((k) => r.trial[k]!)], this.host);
      this.#rate = new uPlot({
        title: 'population rate (spikes per trial per unit time)',
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: false } },
        axes: axes('t', 'rate'),
        series: [{ label: 't' }, { label: 'rate', stroke: '#d1242f', width: 2 }],
      }, [Array.from(r.rateTimes), Array.from(r.rate)], this.host);
    }
  }
}

/**
 * The network page: per population, trial 0's spike raster (neuron against time) and the population
 * rate in Hz; redrawn with `setData` as the Worker's live reports arrive.
 */
export class NetworkPlots {
  #charts = new Map<string, { raster: uPlot; rate: uPlot }>();
  readonly host: HTMLElement;
  constructor(host: HTMLElement) {
    this.host = host;
  }

  clear(): void {
    for (const c of this.#charts.values()) {
      c.raster.destroy();
      c.rate.destroy();
    }
    this.#charts.clear();
    this.host.replaceChildren();
  }

  /** Draw `populations` over [0, `duration`] (in `unit`); a partial run's titles say so. */
  update(populations: NetworkLivePopulation[], duration: number, unit: string, partial = false): void {
    populations.forEach((p, k) => {
      let c = this.#charts.get(p.name);
      const color = COLORS[k % COLORS.length]!;
      if (!c) {
        c = {
          // Points without a line: uPlot draws a scatter from aligned data sorted by time.
          raster: new uPlot({
            title: `${p.name}: spikes of trial 0`, width: WIDTH, height: HEIGHT,
            scales: { x: { time: false, range: [0, duration] }, y: { range: [-0.5, p.size - 0.5] } },
            axes: axes(`t (${unit})`, 'neuron'),
            series: [{ label: 't' }, { label: 'neuron', stroke: color, paths: () => null, points: { show: true, size: 2, fill: color } }],
            legend: { show: false },
          }, [[], []], this.host),
          rate: new uPlot({
            title: `${p.name}: population rate (Hz, mean over trials)`, width: WIDTH, height: HEIGHT,
            scales: { x: { time: false, range: [0, duration] } },
            axes: axes(`t (${unit})`, 'rate (Hz)'),
            series: [{ label: 't' }, { label: 'rate', stroke: color, width: 2 }],
          }, [[], []], this.host),
        };
        this.#charts.set(p.name, c);
      }
      const shown = p.rasterTimes.length;
      const title = c.raster.root.querySelector('.u-title');
      if (title) {
        title.textContent = `${p.name}: spikes of trial 0${shown < p.rasterTotal ? ` (first ${shown} of ${p.rasterTotal})` : ` (${shown})`}${partial ? ', PARTIAL' : ''}`;
      }
      c.raster.setData([Array.from(p.rasterTimes), Array.from(p.rasterNeurons)]);
      c.rate.setData([Array.from(p.rateTimes), toSeries(p.rate)]);
    });
  }
}
