// The integrations' expiry check on the authorizer context: numeric or stringified exp, leeway, refusal
// when exp is missing; a native JWT authorizer's claims too.
import { describe, expect, it } from 'vitest';
import { contextTokenState } from '../../../core/authz/token-expiry.js';

const EXP = 1_700_000_000;

describe('contextTokenState', () => {
  it.each([
    ['stringified exp, before', { exp: String(EXP) }, EXP * 1000 - 1, 0, 'active'],
    ['numeric exp, before', { exp: EXP }, EXP * 1000 - 1, 0, 'active'],
    ['at exp', { exp: String(EXP) }, EXP * 1000, 0, 'expired'],
    ['after exp', { exp: EXP }, EXP * 1000 + 60_000, 0, 'expired'],
    ['after exp, inside leeway', { exp: EXP }, EXP * 1000 + 2_999, 3, 'active'],
    ['at exp + leeway', { exp: EXP }, EXP * 1000 + 3_000, 3, 'expired'],
    ['no context', undefined, 0, 0, 'missing'],
    ['null context', null, 0, 0, 'missing'],
    ['no exp', { clientId: 'c' }, 0, 0, 'missing'],
    ['exp not a number', { exp: '17e8' }, 0, 0, 'missing'],
    ['exp an empty string', { exp: '' }, 0, 0, 'missing'],
    ['native JWT authorizer claims, before', { claims: { exp: EXP } }, EXP * 1000 - 1, 0, 'active'],
    ['native JWT authorizer claims, after', { claims: { exp: EXP } }, EXP * 1000, 0, 'expired'],
    ['native JWT authorizer claims without exp', { claims: { sub: 'c' } }, 0, 0, 'missing'],
  ])('%s -> %s', (_name, context, nowMs, leeway, state) => {
    expect(contextTokenState(context, nowMs, leeway)).toBe(state);
  });
});
