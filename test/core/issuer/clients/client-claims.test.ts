import { describe, expect, it } from 'vitest';
import { REGISTERED_CLAIM_NAMES } from '../../../../core/client-claims.js';
import {
  MAX_CLAIM_VALUE_LENGTH,
  MAX_CLAIMS_BYTES,
  MAX_CLIENT_CLAIMS,
  normalizeClaims,
  parseClaimArg,
} from '../../../../core/issuer/clients/client-claims.js';
import { RegistryError } from '../../../../core/issuer/errors.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('invalid_claims');
    return (err as RegistryError).message;
  }
  throw new Error('expected a RegistryError');
}

describe('client claim rules', () => {
  it('keeps valid claims in order', () => {
    expect(normalizeClaims({ tenant: 'acme', plan_id: 'gold tier' })).toEqual({
      tenant: 'acme',
      plan_id: 'gold tier',
    });
  });

  it.each([...REGISTERED_CLAIM_NAMES])('refuses the registered name %s with one line', (name) => {
    expect(refusal(() => normalizeClaims({ [name]: 'x' }))).toBe(
      `claim name "${name}" is registered (JWT, OAuth or keygate); pick another`,
    );
  });

  it.each([['Tenant'], ['_tenant'], ['9lives'], ['ten-ant'], ['ten ant'], ['t'.repeat(33)], ['__proto__']])(
    'refuses the name %j',
    (name) => {
      expect(refusal(() => normalizeClaims({ [name]: 'x' }))).toMatch(
        /^claim name ".*" must be a lower-case letter/,
      );
    },
  );

  it.each([
    ['empty', ''],
    ['a leading space', ' acme'],
    ['a trailing space', 'acme '],
    ['a newline (header injection)', 'acme\r\nX-Admin: 1'],
    ['non-ASCII', 'acmé'],
    ['too long', 'a'.repeat(MAX_CLAIM_VALUE_LENGTH + 1)],
  ])('refuses a value that is %s', (_, value) => {
    expect(refusal(() => normalizeClaims({ tenant: value }))).toMatch(/^claim tenant must be/);
  });

  it('bounds the number and the total size', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_CLIENT_CLAIMS + 1 }, (_, i) => [`c${i}`, 'v']));
    expect(refusal(() => normalizeClaims(many))).toBe(`a client has at most ${MAX_CLIENT_CLAIMS} claims`);
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`c${i}`, 'v'.repeat(250)]));
    expect(refusal(() => normalizeClaims(big))).toBe(
      `a client's claims total at most ${MAX_CLAIMS_BYTES} characters (names and values)`,
    );
  });

  it('parses name=value at the first =', () => {
    expect(parseClaimArg('tenant=a=b')).toEqual(['tenant', 'a=b']);
    expect(refusal(() => parseClaimArg('=acme'))).toBe('--claim takes name=value (got "=acme")');
    expect(refusal(() => parseClaimArg('tenant'))).toBe('--claim takes name=value (got "tenant")');
  });
});
