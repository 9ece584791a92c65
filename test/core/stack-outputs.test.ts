// The KeygateAuthorizerCaches output value: what the constructs write is what the CLI reads back.
import { describe, expect, it } from 'vitest';
import { formatAuthorizerCaches, parseAuthorizerCaches } from '../../core/stack-outputs.js';

describe('authorizer caches output', () => {
  it('round-trips every cache in order', () => {
    const caches = [
      { restApiId: 'abc123', stage: 'prod' },
      { restApiId: 'def456', stage: 'v1' },
    ];
    expect(formatAuthorizerCaches(caches)).toBe('abc123/prod def456/v1');
    expect(parseAuthorizerCaches(formatAuthorizerCaches(caches))).toEqual(caches);
  });

  it.each([
    ['an empty value', '', []],
    ['entries missing a part', '/prod abc123/ abc123', []],
    ['extra whitespace', '  abc123/prod \n ', [{ restApiId: 'abc123', stage: 'prod' }]],
  ])('reads %s', (_name, value, expected) => {
    expect(parseAuthorizerCaches(value)).toEqual(expected);
  });
});
