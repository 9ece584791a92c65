// Charts as inline SVG strings (no library, no network): horizontal bars with a reference line, stacked
// columns and line series. Used by the bench and load HTML reports; pure functions, so a test can render
// known data and check the shapes.

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Shown at the bar's end; default the value with two decimals. */
  readonly text?: string;
}

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

/** Colour per series index: a palette readable on white and by most colour-blind readers (Okabe-Ito). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

/** Status code colours: 2xx green, 3xx blue, 4xx orange, 5xx red, anything else grey. */
export function statusColor(code: string): string {
  return { '2': '#009E73', '3': '#0072B2', '4': '#E69F00', '5': '#D55E00' }[code[0] ?? ''] ?? '#999999';
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const finite = (values: readonly number[]) => values.filter((v) => Number.isFinite(v));

/** A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((m) => m * power >= max) ?? 10) * power;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/**
 * Horizontal bars, one per item; `reference` draws a dashed vertical line (e.g. the floor at 1.0x). On a
 * linear scale bars start at 0; on a log scale (ratios spanning 0.1x to 100x) they start at the reference,
 * so what is below it points left and what is above points right.
 */
export function barChart(opts: {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly reference?: { readonly value: number; readonly label: string };
  readonly scale?: 'linear' | 'log';
  readonly width?: number;
}): string {
  // Room for the longest label (about 6.5 px a character at 12 px sans-serif); the plot keeps its width.
  const labelWidth = Math.max(220, Math.ceil(Math.max(...opts.bars.map((b) => b.label.length)) * 6.5) + 12);
  const width = (opts.width ?? 720) + labelWidth - 220;
  const textWidth = 90;
  const barHeight = 18;
  const gap = 6;
  const top = 24;
  const plot = width - labelWidth - textWidth;
  const values = finite(opts.bars.map((b) => b.value));
  const log = opts.scale === 'log';
  const x = log
    ? logScale([...values.filter((v) => v > 0), opts.reference?.value ?? 1], labelWidth, plot)
    : (v: number) =>
        labelWidth + (Math.max(0, v) / niceMax(Math.max(...values, opts.reference?.value ?? 0))) * plot;
  const origin = log ? x(opts.reference?.value ?? 1) : labelWidth;
  const height = top + opts.bars.length * (barHeight + gap) + 20;
  const body = [`<text x="0" y="14" font-weight="bold">${escapeXml(opts.title)}</text>`];
  opts.bars.forEach((b, i) => {
    const y = top + i * (barHeight + gap);
    const end = Number.isFinite(b.value) && (!log || b.value > 0) ? x(b.value) : origin;
    const left = Math.min(origin, end);
    const text = b.text ?? (Number.isFinite(b.value) ? b.value.toFixed(2) : '-');
    body.push(
      `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect class="bar" x="${left.toFixed(1)}" y="${y}" width="${Math.abs(end - origin).toFixed(1)}" height="${barHeight}" fill="${PALETTE[0]}"><title>${escapeXml(`${b.label}: ${text}`)}</title></rect>`,
      `<text x="${(Math.max(origin, end) + 4).toFixed(1)}" y="${y + 13}">${escapeXml(text)}</text>`,
    );
  });
  if (opts.reference) {
    const rx = x(opts.reference.value).toFixed(1);
    body.push(
      `<line class="reference" x1="${rx}" x2="${rx}" y1="${top - 4}" y2="${height - 16}" stroke="#D55E00" stroke-dasharray="4 3"/>`,
      `<text x="${rx}" y="${height - 4}" text-anchor="middle" fill="#D55E00">${escapeXml(opts.reference.label)}</text>`,
    );
  }
  return svg(width, height, opts.title, body);
}

/** log10 positions between the powers of ten around `values`, mapped onto [start, start + width]. */
function logScale(values: readonly number[], start: number, width: number): (v: number) => number {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.max(Math.ceil(Math.log10(Math.max(...values))), lo + 1);
  return (v) => start + ((Math.log10(v) - lo) / (hi - lo)) * width;
}

/** Frame of an x/y plot: axes, y gridlines with labels, x labels every few points. */
function frame(opts: { width: number; height: number; yMax: number; yUnit: string; xs: readonly string[] }) {
  const left = 60;
  const right = 130;
  const top = 24;
  const bottom = 30;
  const plotW = opts.width - left - right;
  const plotH = opts.height - top - bottom;
  const n = Math.max(opts.xs.length, 1);
  const step = plotW / n;
  const y = (v: number) => top + plotH - (Math.max(0, v) / opts.yMax) * plotH;
  const body: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (opts.yMax * i) / 4;
    body.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  body.push(
    `<text x="4" y="${top - 8}">${escapeXml(opts.yUnit)}</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`,
  );
  const every = Math.max(1, Math.ceil(n / 12));
  opts.xs.forEach((label, i) => {
    if (i % every === 0) {
      body.push(
        `<text x="${(left + step * (i + 0.5)).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${escapeXml(label)}</text>`,
      );
    }
  });
  const legend = (names: readonly { name: string; color: string }[]) =>
    names.map(
      (s, i) =>
        `<rect x="${left + plotW + 12}" y="${top + i * 18}" width="12" height="12" fill="${s.color}"/><text x="${left + plotW + 28}" y="${top + i * 18 + 10}">${escapeXml(s.name)}</text>`,
    );
  return { body, y, step, left, legend };
}

interface PlotOptions {
  readonly title: string;
  readonly xs: readonly string[];
  readonly yUnit: string;
  readonly width?: number;
  readonly height?: number;
}

/** The frame of an x/y chart scaled to `max`, with its title: the shapes go into `body`. */
function plot(opts: PlotOptions, max: number) {
  const width = opts.width ?? 720;
  const height = opts.height ?? 260;
  const f = frame({ width, height, yMax: niceMax(max), yUnit: opts.yUnit, xs: opts.xs });
  const body = [`<text x="0" y="14" font-weight="bold">${escapeXml(opts.title)}</text>`, ...f.body];
  return { f, body, width, height };
}

/** Columns per x, each split into its series stacked bottom-up (e.g. responses per second by status). */
export function stackedColumns(
  opts: PlotOptions & { readonly series: readonly (Series & { readonly color: string })[] },
): string {
  const totals = opts.xs.map((_, i) => opts.series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const { f, body, width, height } = plot(opts, Math.max(0, ...totals));
  opts.xs.forEach((x, i) => {
    let base = 0;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = f.y(base);
      const y1 = f.y(base + v);
      body.push(
        `<rect class="segment" x="${(f.left + f.step * i + f.step * 0.1).toFixed(1)}" y="${y1.toFixed(1)}" width="${(f.step * 0.8).toFixed(1)}" height="${(y0 - y1).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${x}: ${s.name} ${fmt(v)}`)}</title></rect>`,
      );
      base += v;
    }
  });
  body.push(...f.legend(opts.series));
  return svg(width, height, opts.title, body);
}

/** One polyline per series over the xs (e.g. p50 and p99 latency per second). */
export function lineChart(opts: PlotOptions & { readonly series: readonly Series[] }): string {
  const { f, body, width, height } = plot(opts, Math.max(0, ...finite(opts.series.flatMap((s) => s.values))));
  const colored = opts.series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length]! }));
  for (const s of colored) {
    const points = s.values
      .map((v, i) =>
        Number.isFinite(v) ? `${(f.left + f.step * (i + 0.5)).toFixed(1)},${f.y(v).toFixed(1)}` : undefined,
      )
      .filter((p): p is string => p !== undefined);
    body.push(
      `<polyline class="series" points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"><title>${escapeXml(s.name)}</title></polyline>`,
    );
  }
  body.push(...f.legend(colored));
  return svg(width, height, opts.title, body);
}

/** A self-contained HTML page (inline CSS, no scripts, no external resources) around report sections. */
export function htmlPage(title: string, sections: readonly string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}' +
      'table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}' +
      'td:first-child,th:first-child{text-align:left}.interrupted{background:#fde2d8;padding:.5em 1em;border-left:4px solid #D55E00}' +
      'svg{display:block;margin:1em 0}.muted{color:#666}</style>',
    '</head><body>',
    `<h1>${escapeXml(title)}</h1>`,
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}

/** An HTML table from a header and rows (cells escaped). */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const tr = (cells: readonly string[], tag: 'th' | 'td') =>
    `<tr>${cells.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`;
  return `<table>${tr(header, 'th')}${rows.map((r) => tr(r, 'td')).join('')}</table>`;
}
