// The shared interleaved measurement: every task is paired with the floor in every round, and a row's
// ratio is the median of its per-pairing ratios, not a quotient of two separately measured medians.
import { describe, expect, it } from 'vitest';
import { median, mergeRuns, pairedRatio, runInterleaved } from '../../measure/interleaved.js';
import { applyFloor } from '../../measure/results.js';
import type { BenchRow } from '../../measure/suite.js';

const run = (opsPerSec: number, p50Ns: number, p99Ns: number): BenchRow => ({
  name: 'x',
  opsPerSec,
  p50Ns,
  p99Ns,
  samples: 10,
});

describe('interleaved bench rounds', () => {
  it('takes medians of throughput, p50 and ratio, the worst p99 and the summed samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
    const merged = mergeRuns('task', [run(100, 5, 50), run(300, 7, 90), run(200, 6, 60)], [0.7, 0.95, 0.9]);
    expect(merged).toEqual({ name: 'task', opsPerSec: 200, p50Ns: 6, p99Ns: 90, samples: 30, ratio: 0.9 });
  });

  it('pairs the floor with every task in every round and returns floor-first rows with ratios', async () => {
    const calls: string[] = [];
    const spin = (name: string, n: number) => () => {
      calls.push(name);
      let x = 0;
      for (let i = 0; i < n; i++) x += i;
      return x;
    };
    const rows = await runInterleaved({
      timeMs: 8,
      warmupMs: 0,
      rounds: 2,
      floor: { name: 'floor', fn: spin('floor', 200), batch: 2 },
      tasks: [
        { name: 'a', fn: spin('a', 200) },
        { name: 'b', fn: spin('b', 200) },
      ],
    });
    expect(rows.map((r) => r.name)).toEqual(['floor', 'a', 'b']);
    expect(rows[0]!.ratio).toBe(1);
    for (const r of rows) {
      expect(r.opsPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio)).toBe(true);
    }
    // Each pairing runs the floor right before its task (tinybench may warm both up first), and the
    // pairings go a, b, a, b: two rounds over both tasks.
    const runsOf = (list: string[]) => list.filter((c, i) => c !== list[i - 1]);
    const order = runsOf(calls);
    expect(order[0]).toBe('floor');
    order.forEach((c, i) => {
      if (c !== 'floor') expect(order[i - 1]).toBe('floor');
    });
    expect(runsOf(calls.filter((c) => c !== 'floor'))).toEqual(['a', 'b', 'a', 'b']);
  });

  it('the runner keeps a ratio the suite measured itself and fills in the others', () => {
    const rows: BenchRow[] = [
      { ...run(100, 1, 1), name: 'floor' },
      { ...run(90, 1, 1), name: 'paired', ratio: 0.95 },
      { ...run(50, 1, 1), name: 'plain' },
    ];
    expect(applyFloor(rows, 'floor').map((r) => r.ratio)).toEqual([1, 0.95, 0.5]);
  });

  describe('pairedRatio', () => {
    /** Each call advances a virtual clock by its side's cost; the 5th task call is preempted for 100 ms. */
    function costed() {
      let t = 0;
      const calls: string[] = [];
      let taskCalls = 0;
      return {
        calls,
        now: () => t,
        base: {
          name: 'base',
          batch: 4,
          fn: () => {
            calls.push('base');
            t += 2;
          },
        },
        task: {
          name: 'task',
          fn: () => {
            calls.push('task');
            t += ++taskCalls === 5 ? 100 : 1;
          },
        },
      };
    }

    it('alternates ABBA so neither side always goes first', async () => {
      const c = costed();
      await pairedRatio({ base: c.base, task: c.task, timeMs: 12, warmupMs: 0, now: c.now });
      expect(c.calls.slice(0, 8)).toEqual(['base', 'task', 'task', 'base', 'task', 'base', 'base', 'task']);
    });

    it('is the median over pairs of the per-operation time ratio: a preempted call does not move it', async () => {
      const c = costed();
      // Task: 1 op per 1 ms; base: 4 ops per 2 ms. Task over base = 1 / 2 exactly, the 100 ms call ignored.
      expect(await pairedRatio({ base: c.base, task: c.task, timeMs: 300, warmupMs: 0, now: c.now })).toBe(
        0.5,
      );
    });
  });
});
