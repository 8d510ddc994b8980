// A rolling time series chart on uPlot (served from its webjar): it opens with the broker's
// history of the series, then goes on with the values the page already polls.
import uPlot from '/console/vendor/uplot/uPlot.esm.js';

const COLORS = ['#2f6fde', '#e67e22', '#1e8e3e', '#8e44ad', '#c0392b'];
const KEEP_POINTS = 300;

export class RollingChart {
  /** {@code series}: the names of the lines; {@code unit}: shown on the y axis. */
  constructor(container, title, series, unit) {
    this.container = container;
    this.data = [[], ...series.map(() => [])];
    this.plot = new uPlot({
      title,
      width: Math.max(400, container.clientWidth - 14),
      height: 220,
      series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2 }))],
      axes: [{}, { label: unit, size: 70 }],
    }, this.data, container);
  }

  /** Adds one point per series at {@code timeMs}. */
  add(timeMs, values) {
    this.data[0].push(timeMs / 1000);
    values.forEach((v, i) => this.data[i + 1].push(v));
    if (this.data[0].length > KEEP_POINTS) this.data.forEach(column => column.shift());
    this.plot.setData(this.data);
    this.container.dataset.points = this.data[0].length;
  }
}

/** Per-second rates from successive cumulative samples: null for the first one. */
export class Rate {
  constructor() { this.last = null; }

  next(timeMs, value) {
    const previous = this.last;
    this.last = { timeMs, value };
    if (!previous || timeMs <= previous.timeMs) return null;
    return Math.max(0, (value - previous.value) * 1000 / (timeMs - previous.timeMs));
  }
}
