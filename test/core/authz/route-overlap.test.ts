// patternOverlapsRoute: IAM `*`/`?` patterns against API Gateway route templates, checked by hand on the
// cases that matter and against brute-force matching of concrete paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternOverlapsRoute } from '../../../core/authz/route-overlap.js';
import { arnMatches } from '../../../local/gateway/arn-match.js';

describe('patternOverlapsRoute', () => {
  it.each([
    ['GET/products/*', 'GET/products/{id}/audit', true],
    ['GET/products/*', 'GET/products/{id}', true],
    ['GET/products/*', 'GET/products', false],
    ['GET/products', 'GET/products/{id}', false],
    ['GET/products/*/audit', 'GET/products/{id}', false],
    ['GET/products/*/audit', 'GET/products/{id}/{proxy+}', true],
    ['GET/a/*', 'GET/a/{x}/b', true],
    ['POST/products/*', 'GET/products/{id}', false],
    ['GET/a/?', 'GET/a/{x}', true],
    ['GET/a/?', 'GET/a/{x}/b', false],
    ['GET/a/??', 'GET/a/{x}/b', false],
    ['GET/a/b', 'GET/a/{x}', true],
    ['GET/a/*/c', 'GET/a/{x}', false],
    ['GET/*', 'GET/{proxy+}', true],
    ['GET/a/b/c', 'GET/a/{p+}', true],
    ['GET/a/b/c', 'GET/a/{x}', false],
  ])('%s over %s: %s', (pattern, template, overlaps) => {
    expect(patternOverlapsRoute(pattern, template)).toBe(overlaps);
  });

  it.each([
    ['GET/a/*/*/*', 'GET/a', true],
    ['GET/a/*/*/*', 'GET/b', false],
    ['GET/a/*/b', 'GET/a', false],
    ['GET/a/?', 'GET/a', true],
    ['GET/a', 'GET/a', false],
    ['GET/a//*', 'GET/a', true],
  ])('%s over %s followed by one or more slashes: %s', (pattern, template, overlaps) => {
    expect(patternOverlapsRoute(pattern, template, true)).toBe(overlaps);
  });

  // Ground truth: fill the template's parameters from a small alphabet and match with arnMatches.
  const seg = fc.constantFrom('a', 'b', 'ab');
  const template = fc.array(fc.oneof(fc.constantFrom('a', 'b', 'ab'), fc.constant('{x}')), { maxLength: 3 });
  const pattern = fc.array(fc.constantFrom('a', 'b', '/', '*', '?'), { maxLength: 7 }).map((c) => c.join(''));

  it('agrees with matching concrete paths (a path found => overlap)', () => {
    fc.assert(
      fc.property(template, pattern, fc.array(seg, { minLength: 3, maxLength: 3 }), (parts, p, values) => {
        const tpl = `GET/${parts.join('/')}`;
        let v = 0;
        const path = `GET/${parts.map((s) => (s === '{x}' ? values[v++] : s)).join('/')}`;
        const pat = `GET/${p}`;
        if (arnMatches(pat, path)) expect(patternOverlapsRoute(pat, tpl)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
