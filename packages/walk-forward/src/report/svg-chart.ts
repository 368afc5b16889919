/**
 * Small, dependency-free SVG chart primitives for the self-contained HTML report: a time-axis line/area
 * chart (with horizontal reference lines and shaded spans) and a category bar chart. Output is a string
 * of SVG markup, deterministic for equal inputs; tooltips use SVG `<title>` elements, so no script is
 * needed to read values.
 *
 * @module
 */
import { formatDate, timeTicks } from './time-axis.js';

/** Escapes text for HTML/SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A line series over time. `values[i]` belongs to `timesMs[i]`; non-finite values break the line. */
export interface TimeSeries {
  name: string;
  /** CSS colour of the line. */
  color: string;
  timesMs: readonly number[];
  values: readonly number[];
  /** Fill between the line and `fillTo` (default: no fill). */
  fillTo?: number;
  /** Stroke width in px. Default 1.5. */
  widthPx?: number;
}

/** A horizontal reference line, e.g. an entry band at z = +2. */
export interface ReferenceLine {
  value: number;
  label: string;
  color: string;
  /** SVG stroke-dasharray, e.g. `'6 4'`. Default solid. */
  dash?: string;
}

/** A shaded time span, e.g. while a position was open. */
export interface TimeSpan {
  startMs: number;
  endMs: number;
  color: string;
  label: string;
}

/** A marked point, e.g. a trade's entry fill on the spread chart. */
export interface ChartPoint {
  timeMs: number;
  value: number;
  /** CSS colour of the marker. */
  color: string;
  /** `'up'`/`'down'` triangles or a `'circle'`. */
  shape: 'up' | 'down' | 'circle';
  /** Tooltip text. */
  label: string;
}

/** A second y axis on the right, labelling the same ticks in another unit (a linear transform of y). */
export interface SecondaryAxis {
  /** Formats a left-axis value in the right axis' unit, e.g. equity → return since the start (%). */
  format: (value: number) => string;
  /** Label of the right axis including its unit. */
  label: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Element id of the `<svg>` (tests and CSS look charts up by it). */
  id: string;
  /** Accessible title (also the `aria-label`). */
  title: string;
  series: readonly TimeSeries[];
  referenceLines?: readonly ReferenceLine[];
  spans?: readonly TimeSpan[];
  /** Formats a y value for axis labels and tooltips, e.g. as percent. */
  formatY: (value: number) => string;
  /** Formats a y value in point tooltips when it needs more precision than the axis. Default `formatY`. */
  formatTooltip?: (value: number) => string;
  /** Label of the y axis including its unit, e.g. `Drawdown (%)`. */
  yLabel: string;
  /** Include this y value in the y range (e.g. 0 for drawdowns). */
  includeY?: readonly number[];
  widthPx?: number;
  heightPx?: number;
  /** Maximum number of hover markers with tooltips per series (they are spread evenly). Default 400. */
  maxMarkers?: number;
  /** Visible markers drawn over the series (always shown, with tooltips). */
  points?: readonly ChartPoint[];
  /** A right-hand axis labelling the same ticks in another unit. */
  secondaryAxis?: SecondaryAxis;
  /**
   * Right margin in px (default 24, or 72 with a secondary axis). Charts stacked on one page use equal
   * margins so their time axes line up.
   */
  rightMarginPx?: number;
}

const MARGIN = { top: 16, right: 24, bottom: 36, left: 64 };

/** "Nice" tick values (1, 2, 2.5, 5 × 10^k) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Evenly spread indices (at most `max`) of `n` items, always including the last. */
function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

/**
 * A line chart over a UTC time axis with y grid, axis labels, optional area fill, reference lines,
 * shaded spans and per-point tooltips. Returns `<svg>` markup with `class="chart"`.
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.widthPx ?? 960;
  const height = options.heightPx ?? 300;
  const right = options.rightMarginPx ?? (options.secondaryAxis ? 72 : MARGIN.right);
  const plotW = width - MARGIN.left - right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (const s of options.series) {
    s.timesMs.forEach((t, i) => {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) return;
      tMin = Math.min(tMin, t);
      tMax = Math.max(tMax, t);
      yMin = Math.min(yMin, v);
      yMax = Math.max(yMax, v);
    });
  }
  for (const v of [...(options.includeY ?? []), ...(options.referenceLines ?? []).map((r) => r.value)]) {
    yMin = Math.min(yMin, v);
    yMax = Math.max(yMax, v);
  }
  if (!Number.isFinite(tMin)) {
    return `<svg id="${escapeXml(options.id)}" class="chart empty" viewBox="0 0 ${width} 60" role="img" aria-label="${escapeXml(options.title)}"><text x="${width / 2}" y="34" text-anchor="middle" class="muted">no data</text></svg>`;
  }
  if (tMax === tMin) tMax = tMin + 1;
  const yTicks = niceTicks(yMin, yMax, 5);
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const sx = (t: number) => MARGIN.left + ((t - tMin) / (tMax - tMin)) * plotW;
  const sy = (v: number) => MARGIN.top + (1 - (v - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg id="${escapeXml(options.id)}" class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="${escapeXml(options.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeXml(options.title)}</title>`,
  );
  // Shaded spans first, under everything else.
  for (const s of options.spans ?? []) {
    const a = sx(Math.max(s.startMs, tMin));
    const b = sx(Math.min(s.endMs, tMax));
    if (b < a) continue;
    parts.push(
      `<rect class="span" x="${fmt(a)}" y="${MARGIN.top}" width="${fmt(Math.max(b - a, 1))}" height="${plotH}" fill="${s.color}"><title>${escapeXml(s.label)}</title></rect>`,
    );
  }
  // Y grid and labels.
  for (const v of yTicks) {
    const y = fmt(sy(v));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - right}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(options.formatY(v))}</text>`,
    );
  }
  // X ticks.
  for (const tick of timeTicks(tMin, tMax, Math.max(3, Math.floor(plotW / 110)))) {
    const x = fmt(sx(tick.timeMs));
    parts.push(
      `<line class="grid grid-x" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`,
      `<text class="tick" x="${x}" y="${height - MARGIN.bottom + 18}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${width - right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>`,
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  const second = options.secondaryAxis;
  if (second) {
    for (const v of yTicks) {
      parts.push(
        `<text class="tick tick-right" x="${width - right + 8}" y="${fmt(sy(v))}" text-anchor="start" dominant-baseline="middle">${escapeXml(second.format(v))}</text>`,
      );
    }
    parts.push(
      `<text class="axis-label" transform="translate(${width - 12} ${MARGIN.top + plotH / 2}) rotate(90)" text-anchor="middle">${escapeXml(second.label)}</text>`,
    );
  }
  for (const r of options.referenceLines ?? []) {
    const y = fmt(sy(r.value));
    parts.push(
      `<line class="ref" x1="${MARGIN.left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="${r.color}"${r.dash ? ` stroke-dasharray="${r.dash}"` : ''}><title>${escapeXml(r.label)}</title></line>`,
      `<text class="ref-label" x="${width - right - 4}" y="${fmt(sy(r.value) - 4)}" text-anchor="end" fill="${r.color}">${escapeXml(r.label)}</text>`,
    );
  }
  for (const s of options.series) {
    // Split into runs of finite values.
    const runs: string[][] = [];
    let run: string[] = [];
    let runStart = -1;
    const areas: string[] = [];
    const closeRun = (end: number) => {
      if (run.length === 0) return;
      runs.push(run);
      if (s.fillTo !== undefined) {
        const base = fmt(sy(s.fillTo));
        areas.push(
          `M${fmt(sx(s.timesMs[runStart]!))},${base}L${run.join('L')}L${fmt(sx(s.timesMs[end]!))},${base}Z`,
        );
      }
      run = [];
    };
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) {
        if (run.length === 0) runStart = i;
        run.push(`${fmt(sx(s.timesMs[i]!))},${fmt(sy(v))}`);
      } else {
        closeRun(i - 1);
      }
    });
    closeRun(s.values.length - 1);
    for (const a of areas) parts.push(`<path class="area" d="${a}" fill="${s.color}"/>`);
    const d = runs.map((r) => `M${r.join('L')}`).join('');
    parts.push(
      `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.widthPx ?? 1.5}" stroke-linejoin="round"/>`,
    );
    const markers = sampleIndices(s.values.length, options.maxMarkers ?? 400)
      .filter((i) => Number.isFinite(s.values[i]!))
      .map((i) => {
        const tip = `${s.name} ${formatDate(s.timesMs[i]!)}: ${(options.formatTooltip ?? options.formatY)(s.values[i]!)}`;
        return `<circle class="marker" cx="${fmt(sx(s.timesMs[i]!))}" cy="${fmt(sy(s.values[i]!))}" r="4"><title>${escapeXml(tip)}</title></circle>`;
      });
    parts.push(`<g class="markers">${markers.join('')}</g>`);
  }
  const points = (options.points ?? []).filter(
    (p) => Number.isFinite(p.value) && p.timeMs >= tMin && p.timeMs <= tMax,
  );
  if (points.length > 0) {
    const marks = points.map((p) => {
      const x = sx(p.timeMs);
      const y = sy(Math.min(Math.max(p.value, y0), y1));
      const tip = `<title>${escapeXml(p.label)}</title>`;
      if (p.shape === 'circle') {
        return `<circle class="point" cx="${fmt(x)}" cy="${fmt(y)}" r="4" fill="#fff" stroke="${p.color}" stroke-width="2">${tip}</circle>`;
      }
      const d = p.shape === 'up' ? 1 : -1;
      const tri = `${fmt(x)},${fmt(y - 6 * d)} ${fmt(x - 5)},${fmt(y + 4 * d)} ${fmt(x + 5)},${fmt(y + 4 * d)}`;
      return `<polygon class="point" points="${tri}" fill="${p.color}" stroke="#fff" stroke-width="0.8">${tip}</polygon>`;
    });
    parts.push(`<g class="points">${marks.join('')}</g>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** One bar of {@link barChart}. */
export interface Bar {
  label: string;
  value: number;
  /** Tooltip text. */
  tooltip: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  id: string;
  title: string;
  bars: readonly Bar[];
  formatY: (value: number) => string;
  yLabel: string;
  /** Bar colours for values ≥ 0 and < 0. */
  positiveColor?: string;
  negativeColor?: string;
  widthPx?: number;
  heightPx?: number;
}

/** A vertical bar chart around zero with y grid, category labels (thinned when crowded) and tooltips. */
export function barChart(options: BarChartOptions): string {
  const width = options.widthPx ?? 960;
  const height = options.heightPx ?? 260;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const values = options.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), 5);
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const sy = (v: number) => MARGIN.top + (1 - (v - y0) / (y1 - y0)) * plotH;
  const n = Math.max(options.bars.length, 1);
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.7);
  const labelEvery = Math.max(1, Math.ceil(n / Math.floor(plotW / 70)));
  const parts: string[] = [
    `<svg id="${escapeXml(options.id)}" class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="${escapeXml(options.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeXml(options.title)}</title>`,
  ];
  for (const v of yTicks) {
    const y = fmt(sy(v));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(options.formatY(v))}</text>`,
    );
  }
  const zero = sy(0);
  options.bars.forEach((b, i) => {
    const v = values[i]!;
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    const top = Math.min(sy(v), zero);
    const h = Math.max(Math.abs(sy(v) - zero), 0.5);
    const color = v >= 0 ? (options.positiveColor ?? '#2e7d32') : (options.negativeColor ?? '#c62828');
    parts.push(
      `<rect class="bar" x="${fmt(x)}" y="${fmt(top)}" width="${fmt(barW)}" height="${fmt(h)}" fill="${color}"><title>${escapeXml(b.tooltip)}</title></rect>`,
    );
    if (i % labelEvery === 0) {
      parts.push(
        `<text class="tick" x="${fmt(x + barW / 2)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle">${escapeXml(b.label)}</text>`,
      );
    }
  });
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${fmt(zero)}" y2="${fmt(zero)}"/>`,
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
