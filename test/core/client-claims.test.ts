import { describe, expect, it } from 'vitest';
import { claimContextKey, claimHeaderName, isClientClaim } from '../../core/client-claims.js';

describe('client claim naming', () => {
  it.each([
    ['tenant', 'X-Keygate-Claim-Tenant'],
    ['plan_id', 'X-Keygate-Claim-Plan-Id'],
    ['a1_b2_c3', 'X-Keygate-Claim-A1-B2-C3'],
  ])('maps %s to the header %s and a claim_ context key', (name, header) => {
    expect(claimHeaderName(name)).toBe(header);
    expect(claimContextKey(name)).toBe(`claim_${name}`);
  });

  it.each([
    ['tenant', 'acme', true],
    ['tenant', 42, false],
    ['client_id', 'kg_x', false],
    ['scope', 'a', false],
    ['Tenant', 'acme', false],
  ])('isClientClaim(%j, %j) is %s', (name, value, expected) => {
    expect(isClientClaim(name, value)).toBe(expected);
  });
});
