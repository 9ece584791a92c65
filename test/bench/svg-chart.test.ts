// The report charts from known data: bar lengths, stacked segments and line points land where the
// numbers put them, and the page loads nothing from the network.
import { describe, expect, it } from 'vitest';
import {
  barChart,
  escapeXml,
  htmlPage,
  lineChart,
  niceMax,
  stackedColumns,
  statusColor,
} from '../../bench/lib/svg-chart.js';

/** Every `<tag ...>` as its attributes. */
function shapes(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}
const bars = (svg: string) => shapes(svg, 'rect').filter((r) => r.class === 'bar');

describe('niceMax', () => {
  it.each([
    [0, 1],
    [0.7, 1],
    [3, 5],
    [30, 50],
    [120, 200],
    [1000, 1000],
  ])('niceMax(%d) = %d', (max, nice) => {
    expect(niceMax(max)).toBe(nice);
  });
});

describe('barChart', () => {
  // Default width 720: labels take 220, values 90, so the plot is 410 wide from x=220.
  it('draws linear bars from the axis, proportional to the value over a nice maximum', () => {
    const svg = barChart({
      title: 'ops',
      bars: [
        { label: 'a', value: 1 },
        { label: 'b', value: 2 },
      ],
    });
    expect(bars(svg).map((b) => [b.x, b.width])).toEqual([
      ['220.0', '205.0'],
      ['220.0', '410.0'],
    ]);
  });

  it('on a log scale, bars start at the reference: below it to the left, above it to the right', () => {
    const svg = barChart({
      title: 'ratios',
      bars: [
        { label: 'slow', value: 0.1 },
        { label: 'floor', value: 1 },
        { label: 'fast', value: 10 },
      ],
      reference: { value: 1, label: 'floor 1.00x' },
      scale: 'log',
    });
    expect(bars(svg).map((b) => [b.x, b.width])).toEqual([
      ['220.0', '205.0'],
      ['425.0', '0.0'],
      ['425.0', '205.0'],
    ]);
    expect(shapes(svg, 'line').find((l) => l.class === 'reference')).toMatchObject({
      x1: '425.0',
      x2: '425.0',
    });
    expect(svg).toContain('>floor 1.00x</text>');
  });

  it('escapes labels and titles', () => {
    const svg = barChart({ title: 'a<b', bars: [{ label: '"x" & y', value: 1 }] });
    expect(svg).toContain('<title>a&lt;b</title>');
    expect(svg).toContain('&quot;x&quot; &amp; y');
    expect(escapeXml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });
});

describe('stackedColumns', () => {
  // 720 x 260: plot from x=60, 530 wide; from y=24, 206 high.
  it('stacks each second by status, bottom up, on a nice maximum', () => {
    const svg = stackedColumns({
      title: 'responses per second',
      xs: ['1s', '2s'],
      series: [
        { name: '200', values: [30, 40], color: statusColor('200') },
        { name: '401', values: [10, 0], color: statusColor('401') },
      ],
      yUnit: 'req/s',
    });
    const segments = shapes(svg, 'rect').filter((r) => r.class === 'segment');
    // yMax = niceMax(40) = 50: 30 -> 123.6 high, 10 -> 41.2, 40 -> 164.8; the zero is not drawn.
    expect(segments.map((s) => [s.x, s.y, s.height, s.fill])).toEqual([
      ['86.5', '106.4', '123.6', '#009E73'],
      ['86.5', '65.2', '41.2', '#E69F00'],
      ['351.5', '65.2', '164.8', '#009E73'],
    ]);
  });
});

describe('lineChart', () => {
  it('draws one polyline per series with a point per x, skipping gaps', () => {
    const svg = lineChart({
      title: 'latency',
      xs: ['1s', '2s', '3s'],
      series: [
        { name: 'p50', values: [1, 2, 3] },
        { name: 'p99', values: [4, Number.NaN, 5] },
      ],
      yUnit: 'ms',
    });
    const lines = shapes(svg, 'polyline');
    expect(lines).toHaveLength(2);
    // yMax = 5; x at 60 + 530/3 * (i + 0.5).
    expect(lines[0]!.points).toBe('148.3,188.8 325.0,147.6 501.7,106.4');
    expect(lines[1]!.points).toBe('148.3,65.2 501.7,24.0');
  });
});

describe('htmlPage', () => {
  it('is self-contained: no scripts, stylesheets, images or URLs but the SVG namespace', () => {
    const page = htmlPage('report', [barChart({ title: 't', bars: [{ label: 'a', value: 1 }] })]);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|<img|@import/);
    expect(page.match(/https?:\/\/[^"\s]+/g)).toEqual(['http://www.w3.org/2000/svg']);
  });
});

describe('barChart labels', () => {
  it('widens the label column for long labels and keeps the plot width', () => {
    const label = 'x'.repeat(60); // 60 * 6.5 + 12 = 402 px
    const svg = barChart({ title: 't', bars: [{ label, value: 1 }] });
    expect(svg).toContain('width="902" height="68" viewBox="0 0 902 68"');
    expect(bars(svg)[0]).toMatchObject({ x: '402.0', width: '410.0' });
  });
});
