import { describe, expect, it } from 'vitest';
import type { AccessTokenClaims } from '../../../core/jwt/types.js';
import { createClaimContext } from '../../../handlers/lib/claim-context.js';

const claims = (extra: Record<string, unknown> = {}): AccessTokenClaims =>
  Object.freeze({
    iss: 'https://auth.example',
    sub: 'kg_a',
    client_id: 'kg_a',
    aud: 'https://api.example',
    scope: 'a',
    exp: 2,
    iat: 1,
    jti: 'j',
    ...extra,
  });

describe('authorizer context of client claims', () => {
  it('carries each client claim as claim_<name>, and nothing of the protocol claims', () => {
    expect(createClaimContext([])(claims({ tenant: 'acme', plan_id: 'gold', roles: 'admin', n: 3 }))).toEqual(
      {
        claim_tenant: 'acme',
        claim_plan_id: 'gold',
      },
    );
  });

  it("puts '' for each always-present name a token lacks", () => {
    const context = createClaimContext(['tenant', 'region']);
    expect(context(claims({ tenant: 'acme' }))).toEqual({ claim_tenant: 'acme', claim_region: '' });
    expect(context(claims())).toEqual({ claim_tenant: '', claim_region: '' });
  });

  it('answers a repeated claims object with the same frozen context, and another one with its own', () => {
    const context = createClaimContext([]);
    const acme = claims({ tenant: 'acme' });
    const first = context(acme);
    expect(context(acme)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(context(claims({ tenant: 'globex' }))).toEqual({ claim_tenant: 'globex' });
  });

  it.each([['sub'], ['Tenant'], ['x-y']])('refuses the always-present name %j at init', (name) => {
    expect(() => createClaimContext([name])).toThrow(
      `CONTEXT_CLAIMS: ${JSON.stringify(name)} is not a client claim name`,
    );
  });
});
