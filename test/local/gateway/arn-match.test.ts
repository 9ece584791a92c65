// IAM wildcard matching: semantics, regex-metacharacter literals, worst-case speed, and a RegExp oracle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arnMatches } from '../../../local/gateway/arn-match.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/42';

describe('arnMatches', () => {
  it('matches literal text exactly and case-sensitively', () => {
    expect(arnMatches(ARN, ARN)).toBe(true);
    expect(arnMatches(ARN.toUpperCase(), ARN)).toBe(false);
    expect(arnMatches(`${ARN}x`, ARN)).toBe(false);
    expect(arnMatches(ARN.slice(0, -1), ARN)).toBe(false);
  });

  it('lets * span any run of characters including / and :', () => {
    expect(arnMatches('*', ARN)).toBe(true);
    expect(arnMatches('*', '')).toBe(true);
    expect(arnMatches('arn:aws:execute-api:*', ARN)).toBe(true);
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*', ARN)).toBe(true);
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*', ARN)).toBe(true);
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/*', ARN)).toBe(
      true,
    );
    expect(
      arnMatches(
        'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/*',
        `${ARN.replace('/42', '/a/b')}`,
      ),
    ).toBe(true);
    expect(arnMatches('arn:*:execute-api:*:*:abc123/*/GET/products', ARN.replace('/42', ''))).toBe(true);
  });

  it('does not let GET/products match GET/products/42 but GET/products* matches GET/productsX', () => {
    const prefix = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';
    expect(arnMatches(`${prefix}/GET/products`, `${prefix}/GET/products/42`)).toBe(false);
    expect(arnMatches(`${prefix}/GET/products/*`, `${prefix}/GET/products`)).toBe(false);
    expect(arnMatches(`${prefix}/GET/products*`, `${prefix}/GET/productsX`)).toBe(true);
  });

  it('lets ? match exactly one character', () => {
    expect(arnMatches('a?c', 'abc')).toBe(true);
    expect(arnMatches('a?c', 'a/c')).toBe(true);
    expect(arnMatches('a?c', 'ac')).toBe(false);
    expect(arnMatches('a?c', 'abbc')).toBe(false);
    expect(arnMatches('???', 'abc')).toBe(true);
    expect(arnMatches('?*', '')).toBe(false);
    expect(arnMatches('*?', 'x')).toBe(true);
  });

  it('treats regex metacharacters as literals (no injection)', () => {
    expect(arnMatches('a.c', 'abc')).toBe(false);
    expect(arnMatches('a.c', 'a.c')).toBe(true);
    expect(arnMatches('a+', 'aaa')).toBe(false);
    expect(arnMatches('a+', 'a+')).toBe(true);
    expect(arnMatches('(a|b)', 'a')).toBe(false);
    expect(arnMatches('(a|b)', '(a|b)')).toBe(true);
    expect(arnMatches('[abc]', 'a')).toBe(false);
    expect(arnMatches('^abc$', 'abc')).toBe(false);
    expect(arnMatches('a\\*', 'a\\xyz')).toBe(true);
    expect(arnMatches('.*', 'anything')).toBe(false);
    expect(arnMatches('.*', '.anything')).toBe(true);
  });

  // Backtracking matchers take exponential time on this input; a linear one answers within the test's
  // timeout (how fast is the gateway bench's business, not an assertion here).
  it('answers many stars against adversarial text', () => {
    const text = 'a'.repeat(1600);
    const pattern = `${'*a'.repeat(250)}b`;
    expect(arnMatches(pattern, text)).toBe(false);
    expect(arnMatches('**********', text)).toBe(true);
  });

  it('agrees with an escaped RegExp oracle on random inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '.', '*', '?', '+', '(');
    const toRegExp = (p: string) =>
      new RegExp(
        `^${[...p].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : `\\${c}`.replace(/^\\([a-z/])$/, '$1'))).join('')}$`,
      );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')),
        fc.array(fc.constantFrom('a', 'b', '/', '.', '+', '('), { maxLength: 14 }).map((a) => a.join('')),
        (pattern, text) => arnMatches(pattern, text) === toRegExp(pattern).test(text),
      ),
      { numRuns: 3000 },
    );
  });
});
