import { describe, expect, it } from 'vitest';
import { progressText } from '../../bench/lib/progress.js';

describe('progressText', () => {
  it.each([
    [0, '  ... verify: 0 s elapsed'],
    [5_400, '  ... verify: 5 s elapsed'],
    [65_600, '  ... verify: 66 s elapsed'],
  ])('after %d ms: %s', (ms, line) => {
    expect(progressText('verify', ms)).toBe(line);
  });
});
