// RFC 7009 revocation against dynalite: what the service writes for each outcome, how the revocation
// document lists a revoked jti until its exp plus the authorizers' leeway, and the request parsing. The
// HTTP path with real client authentication and token verification is test/e2e/token-revocation.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRegistry } from '../../../../core/issuer/clients/client-registry.js';
import type { IssuerError } from '../../../../core/issuer/errors.js';
import {
  createTokenRevocationService,
  parseRevocationRequest,
  type VerifiedAccessToken,
} from '../../../../core/issuer/tokens/token-revocation.js';
import type { ClientRecord } from '../../../../core/issuer/types.js';
import { buildRevocationsDocument, MAX_CLOCK_LEEWAY_SECONDS } from '../../../../core/publish/documents.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../../fixtures/dynalite.js';

let db: DynaliteServer;
let registry: ClientRegistry;
const EXP = 2_000_000_000;
const ALICE: ClientRecord = {
  clientId: 'kg_alice',
  name: 'alice',
  scopes: ['products/read'],
  status: 'active',
  tokenLifetimeSeconds: 3600,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  secretHash: 'x',
};

beforeAll(async () => {
  db = await startDynalite();
  registry = await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'revocation-tests' });
});
afterAll(() => db.close());

/** A service whose client is `kg_alice` and whose verifier answers `claims` (or throws for undefined). */
function service(claims: VerifiedAccessToken | undefined) {
  return createTokenRevocationService({
    authenticate: async () => ALICE,
    verify: async () => {
      if (!claims) throw new Error('bad token');
      return claims;
    },
    dynamodb: localDynamo(db.endpoint),
    tableName: 'revocation-tests',
    leewaySeconds: MAX_CLOCK_LEEWAY_SECONDS,
  });
}

const request = {
  clientId: 'kg_alice',
  clientSecret: 's',
  authMethod: 'client_secret_basic',
  token: 't',
} as const;
const documentAt = (seconds: number) =>
  buildRevocationsDocument({ registry, maxLifetimeSeconds: 3600, nowMs: seconds * 1000 });

describe('token revocation service', () => {
  it.each<[string, VerifiedAccessToken | undefined, string]>([
    ['a token that does not verify', undefined, 'not_a_token'],
    ["another client's token", { client_id: 'kg_bob', jti: 'bob-1', exp: EXP }, 'other_client'],
    ['a token without jti', { client_id: 'kg_alice', exp: EXP }, 'no_jti'],
  ])('writes nothing for %s', async (_name, claims, outcome) => {
    expect(await service(claims).revoke(request)).toEqual({ clientId: 'kg_alice', outcome });
    expect((await documentAt(EXP - 10)).revoked_jti).toBeUndefined();
  });

  it('lists a revoked jti until its exp plus the largest clock leeway', async () => {
    const claims = { client_id: 'kg_alice', jti: 'alice-1', exp: EXP, iat: EXP - 3600 };
    expect(await service(claims).revoke(request)).toEqual({ clientId: 'kg_alice', outcome: 'revoked' });
    // Revoking twice is the same single entry.
    await service(claims).revoke(request);
    expect((await documentAt(EXP - 10)).revoked_jti).toEqual(['alice-1']);
    // The iat is kept for the per-client cap's cutoff (core/revocation/document.ts).
    expect(await registry.listRevocations(EXP, EXP, EXP)).toEqual([
      { clientId: 'kg_alice', jti: 'alice-1', exp: EXP, iat: EXP - 3600 },
    ]);
    expect((await documentAt(EXP + MAX_CLOCK_LEEWAY_SECONDS)).revoked_jti).toEqual(['alice-1']);
    expect((await documentAt(EXP + MAX_CLOCK_LEEWAY_SECONDS + 1)).revoked_jti).toBeUndefined();
    // Keygate's own items never show up as clients.
    expect((await registry.list()).map((r) => r.clientId)).not.toContain('#revoked-jti/alice-1');
  });
});

describe('parseRevocationRequest (RFC 7009 §2.1)', () => {
  const http = (over: Partial<Parameters<typeof parseRevocationRequest>[0]> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=abc&token_type_hint=refresh_token&client_id=kg_a&client_secret=s',
    ...over,
  });

  it('reads the token, the advisory hint and the client credentials', () => {
    expect(parseRevocationRequest(http())).toEqual({
      clientId: 'kg_a',
      clientSecret: 's',
      authMethod: 'client_secret_post',
      token: 'abc',
      tokenTypeHint: 'refresh_token',
    });
  });

  it.each([
    ['no token', http({ body: 'client_id=kg_a&client_secret=s' }), 'invalid_request'],
    ['a GET', http({ method: 'GET' }), 'invalid_request'],
    ['the token in the URL', http({ query: { token: 'abc' } }), 'invalid_request'],
    ['a repeated token', http({ body: 'token=a&token=b&client_id=kg_a&client_secret=s' }), 'invalid_request'],
    ['no client authentication', http({ body: 'token=abc' }), 'invalid_client'],
  ])('refuses %s', (_name, req, code) => {
    expect(() => parseRevocationRequest(req)).toThrow(expect.objectContaining({ code }) as IssuerError);
  });
});
