// The cold-start suite's RTT figures on known numbers: percentiles, the paired median its --check uses,
// round trips, and the table and chart it prints and writes.
import { describe, expect, it } from 'vitest';
import {
  cellName,
  pairedMedian,
  percentile,
  roundTrips,
  rttChart,
  rttTable,
} from '../../bench/lib/cold-start/rtt.js';

describe('percentile', () => {
  it.each([
    [50, 3],
    [90, 5],
    [99, 5],
    [0, 1],
  ])('p%i of 1..5 (nearest rank) is %i', (p, expected) => {
    expect(percentile([5, 1, 4, 2, 3], p)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('pairedMedian', () => {
  it('takes the median of per-round differences, which drift common to both sides cancels out of', () => {
    // Round 3 ran on a busy machine: both sides slowed by 100 ms, the difference stayed -1.
    const ours = [20, 21, 120, 19, 22];
    const theirs = [22, 22, 121, 21, 21];
    expect(pairedMedian(ours, theirs)).toBe(-1);
  });

  it('refuses samples from different numbers of rounds', () => {
    expect(() => pairedMedian([1, 2], [1])).toThrow('paired samples differ in length: 2 vs 1');
  });
});

describe('roundTrips', () => {
  it.each([
    [260, 20, 80, 3],
    [140, 20, 30, 4],
    [20, 20, 0, undefined],
  ])('overhead %i ms (%i ms at RTT 0) at RTT %i ms is %s round trips', (overhead, loopback, rtt, trips) => {
    expect(roundTrips(overhead, loopback, rtt)).toBe(trips);
  });
});

describe('rttTable and rttChart', () => {
  const grid = new Map([
    ['keygate', [20, 50, 110, 260]],
    ['aws-jwt-verify', [24, 54, 114, 264]],
  ]);

  it('prints overhead and round trips per setup and RTT', () => {
    expect(rttTable(grid, [0, 10, 30, 80]).split('\n')).toEqual([
      '| setup          | RTT 0 ms |          RTT 10 ms |           RTT 30 ms |           RTT 80 ms |',
      '|:---------------|---------:|-------------------:|--------------------:|--------------------:|',
      '| keygate        |  20.0 ms | 50.0 ms (3.00 RTT) | 110.0 ms (3.00 RTT) | 260.0 ms (3.00 RTT) |',
      '| aws-jwt-verify |  24.0 ms | 54.0 ms (3.00 RTT) | 114.0 ms (3.00 RTT) | 264.0 ms (3.00 RTT) |',
    ]);
  });

  it('draws one line per setup over the RTTs', () => {
    const svg = rttChart(grid, [0, 10, 30, 80]);
    expect([
      svg.match(/<polyline class="series" points="[^"]*"/g)?.map((p) => p.split(' ').length - 2),
      svg.match(/<title>[^<]*<\/title><\/polyline>/g),
      (svg.match(/>RTT \d+ ms</g) ?? []).length,
    ]).toEqual([
      [4, 4],
      ['<title>keygate</title></polyline>', '<title>aws-jwt-verify</title></polyline>'],
      4,
    ]);
  });

  it('names a cell by setup and RTT', () => {
    expect(cellName('jose', 30)).toBe('jose @ RTT 30 ms');
  });
});
