// The "did you mean" of synth errors: Levenshtein distance and the nearest declared scope.
import { describe, expect, it } from 'vitest';
import {
  closestName,
  editDistance,
  undeclaredScopeMessage,
} from '../../../infra/lib/constructs/closest-name.js';

const DECLARED = ['orders/read', 'orders/write', 'orders/admin'];

describe('closest name', () => {
  it.each([
    ['', '', 0],
    ['raed', 'read', 2],
    ['orders/read', 'orders/read', 0],
    ['kitten', 'sitting', 3],
  ])('edit distance of %j and %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it.each([
    ['orders/raed', 'orders/read'],
    ['order/write', 'orders/write'],
    ['Orders/Admin', 'orders/admin'],
    ['billing/read', undefined],
    ['x', undefined],
  ])('suggests for %j: %j', (name, expected) => {
    expect(closestName(name, DECLARED)).toBe(expected);
  });

  it('says what is declared when nothing is near', () => {
    expect(undeclaredScopeMessage('billing/read', DECLARED, 'the issuer')).toBe(
      'scope "billing/read" is not declared by the issuer: add it to the issuer\'s `scopes` (declared: orders/read orders/write orders/admin)',
    );
  });
});
