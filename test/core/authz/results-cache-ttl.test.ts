// The one result-cache TTL check: whole seconds from 0 (off) to 3600, as API Gateway accepts them.
import { describe, expect, it } from 'vitest';
import { RESULTS_CACHE_TTL_BOUNDS, resultsCacheTtlProblem } from '../../../core/authz/results-cache-ttl.js';

describe('resultsCacheTtlProblem', () => {
  it.each([0, 1, 300, 3600])('accepts %s s', (seconds) => {
    expect(resultsCacheTtlProblem(seconds, 'ttl')).toBeUndefined();
  });

  it.each([
    [-1, '-1'],
    [3601, '3601'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
  ])('refuses %s s, naming the setting and the range', (seconds, got) => {
    expect(resultsCacheTtlProblem(seconds, 'ttl')).toBe(
      `ttl must be an integer from 0 to 3600 (got "${got}")`,
    );
  });

  it("defaults to AWS's default of 300 s", () => {
    expect(RESULTS_CACHE_TTL_BOUNDS.default).toBe(300);
  });
});
