import { describe, expect, it } from 'vitest';
import { isClientClaim } from '../../core/client-claims.js';
import {
  checkTiers,
  DEFAULT_TIER,
  parseTierArg,
  tierNames,
  UsageTierError,
  usageKeyEnv,
} from '../../core/usage-tiers.js';

describe('parseTierArg', () => {
  it.each([
    ['gold=rate:5,burst:10', ['gold', { rate: 5, burst: 10 }]],
    [
      'gold=burst:10,rate:5,quota:1000/DAY',
      ['gold', { rate: 5, burst: 10, quota: { limit: 1000, period: 'DAY' } }],
    ],
    [
      'free_tier=rate:1,burst:1,quota:50/week',
      ['free_tier', { rate: 1, burst: 1, quota: { limit: 50, period: 'WEEK' } }],
    ],
    [
      'default=rate:100,burst:200,quota:1/MONTH',
      ['default', { rate: 100, burst: 200, quota: { limit: 1, period: 'MONTH' } }],
    ],
  ])('reads %s', (arg, expected) => {
    expect(parseTierArg(arg)).toEqual(expected);
  });

  it.each([
    ['rate:5,burst:5', 'must be name='],
    ['Gold=rate:5,burst:5', 'tier name "Gold"'],
    ['gold=rate:5', 'rate and burst are required'],
    ['gold=rate:5,burst:5,rate:6', 'each once'],
    ['gold=rate:5,burst:5,speed:1', 'is not rate:N'],
    ['gold=rate:0,burst:5', 'rate must be an integer from 1'],
    ['gold=rate:1.5,burst:5', 'rate must be an integer from 1'],
    ['gold=rate:-1,burst:5', 'rate must be an integer from 1'],
    ['gold=rate:5,burst:5,quota:10/YEAR', 'quota period must be one of DAY, WEEK, MONTH'],
    ['gold=rate:5,burst:5,quota:x/DAY', 'quota limit must be an integer'],
  ])('refuses %s with one line', (arg, message) => {
    expect(() => parseTierArg(arg)).toThrow(UsageTierError);
    expect(() => parseTierArg(arg)).toThrow(message);
  });
});

describe('tiers', () => {
  it('always give the default tier a plan, declared or not', () => {
    expect(tierNames({ gold: { rate: 1, burst: 1 } })).toEqual([DEFAULT_TIER, 'gold']);
    expect(tierNames({ default: { rate: 1, burst: 1 }, gold: { rate: 2, burst: 2 } })).toEqual([
      'default',
      'gold',
    ]);
  });

  it('are checked as a whole', () => {
    expect(() => checkTiers({ gold: { rate: 1, burst: 0 } })).toThrow('tier gold: burst must be');
  });

  it('name one env variable per tier for the authorizer', () => {
    expect(usageKeyEnv('free_tier')).toBe('USAGE_KEY_FREE_TIER');
  });

  it('make tier a registered name no client claim can take', () => {
    expect(isClientClaim('tier', 'gold')).toBe(false);
  });
});
