import { describe, expect, it } from 'vitest';
import { concatTimelines, createTimeline, responsesIn } from '../../load/local/timeline.js';

describe('load timeline', () => {
  it('closes each second with its statuses, failures and percentiles, then starts afresh', () => {
    const t = createTimeline();
    for (const ms of [1, 2, 3, 4, 5]) t.response(200, ms);
    t.response(401, 10);
    t.failure();
    expect(t.tick()).toEqual({
      second: 1,
      statuses: { '200': 5, '401': 1 },
      failures: 1,
      p50Ms: 3.5,
      p99Ms: 9.75,
    });
    expect(t.pending()).toBe(false);
    t.response(200, 7);
    expect(t.pending()).toBe(true);
    expect(t.tick()).toMatchObject({ second: 2, statuses: { '200': 1 }, failures: 0, p50Ms: 7, p99Ms: 7 });
    expect(t.samples().map(responsesIn)).toEqual([6, 1]);
  });

  it('an empty second has no percentiles', () => {
    const s = createTimeline().tick();
    expect(s.p50Ms).toBeNaN();
    expect(responsesIn(s)).toBe(0);
  });

  it('concatenates the rounds of a phase, renumbering the seconds', () => {
    const a = { second: 1, statuses: { '200': 1 }, failures: 0, p50Ms: 1, p99Ms: 1 };
    expect(concatTimelines([[a, { ...a, second: 2 }], [a]]).map((s) => s.second)).toEqual([1, 2, 3]);
  });
});
