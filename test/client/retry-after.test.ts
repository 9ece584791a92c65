// Retry-After in both of RFC 9110 §10.2.3's forms.
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../client/retry-after.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    ['delay-seconds', '3', 3000],
    ['zero', '0', 0],
    ['an HTTP-date ahead', 'Sun, 06 Dec 2026 12:00:05 GMT', 5000],
    ['an HTTP-date past', 'Sun, 06 Dec 2026 11:00:00 GMT', 0],
    ['absent', null, undefined],
    ['garbage', 'soon', undefined],
    ['a negative number', '-5', undefined],
    ['a fraction', '1.5', undefined],
    ['spaces around', ' 0 ', 0],
  ])('reads %s', (_, value, expected) => {
    expect(retryAfterMs(value, NOW)).toBe(expected);
  });
});
