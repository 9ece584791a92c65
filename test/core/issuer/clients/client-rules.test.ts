// The client record rules on their own, without DynamoDB: each refusal is a RegistryError with its code.
import { describe, expect, it } from 'vitest';
import {
  checkGrace,
  checkLifetime,
  checkName,
  checkStatus,
  MAX_SECRET_GRACE_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  MIN_TOKEN_LIFETIME_SECONDS,
  normalizeScopes,
} from '../../../../core/issuer/clients/client-rules.js';
import { RegistryError } from '../../../../core/issuer/errors.js';
import { ALL_SCOPES } from '../../../../examples/products/routes.js';

function codeOf(check: () => unknown): string {
  try {
    check();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return (err as RegistryError).code;
  }
  throw new Error('expected a RegistryError');
}

describe('client rules', () => {
  it.each([
    [
      ['products/write products/read', 'products/read'],
      ['products/read', 'products/write'],
    ],
    [['products/read'], ['products/read']],
  ])('normalizes the scopes %j to %j in the order of the known scopes', (scopes, expected) => {
    expect(normalizeScopes(scopes, ALL_SCOPES)).toEqual(expected);
  });

  it.each([[[]], [['']], [['products/admin']], [['PRODUCTS/READ']]])('refuses the scopes %j', (scopes) => {
    expect(codeOf(() => normalizeScopes(scopes, ALL_SCOPES))).toBe('invalid_scope');
  });

  it('without a known scope set takes any RFC 6749 scope token, deduplicated, in the given order', () => {
    expect(normalizeScopes(['orders/write orders/read', 'orders/write'])).toEqual([
      'orders/write',
      'orders/read',
    ]);
  });

  it.each([[[]], [['']], [['quote"d']], [['back\\slash']], [['café']]])(
    'without a known scope set refuses %j',
    (scopes) => {
      expect(codeOf(() => normalizeScopes(scopes))).toBe('invalid_scope');
    },
  );

  it.each([
    ['a name', () => checkName(' orders '), 'orders'],
    ['the shortest lifetime', () => checkLifetime(MIN_TOKEN_LIFETIME_SECONDS), MIN_TOKEN_LIFETIME_SECONDS],
    ['the longest lifetime', () => checkLifetime(MAX_TOKEN_LIFETIME_SECONDS), MAX_TOKEN_LIFETIME_SECONDS],
    ['no grace', () => checkGrace(0), 0],
    ['the longest grace', () => checkGrace(MAX_SECRET_GRACE_SECONDS), MAX_SECRET_GRACE_SECONDS],
    ['status active', () => checkStatus('active'), 'active'],
    ['status disabled', () => checkStatus('disabled'), 'disabled'],
  ])('accepts %s', (_name, check, expected) => {
    expect(check()).toBe(expected);
  });

  it.each([
    ['an empty name', () => checkName('  '), 'invalid_name'],
    ['a name with a control character', () => checkName('a\u0007b'), 'invalid_name'],
    ['a name over 200 characters', () => checkName('x'.repeat(201)), 'invalid_name'],
    ['a lifetime under a minute', () => checkLifetime(MIN_TOKEN_LIFETIME_SECONDS - 1), 'invalid_lifetime'],
    ['a fractional lifetime', () => checkLifetime(90.5), 'invalid_lifetime'],
    ['a negative grace', () => checkGrace(-1), 'invalid_grace'],
    ['a grace over a week', () => checkGrace(MAX_SECRET_GRACE_SECONDS + 1), 'invalid_grace'],
    ['another status', () => checkStatus('paused'), 'invalid_status'],
  ])('refuses %s', (_name, check, code) => {
    expect(codeOf(check)).toBe(code);
  });
});
