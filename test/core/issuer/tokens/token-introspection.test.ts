// The introspection service over DynamoDB (dynalite): the answers the e2e test cannot provoke through the
// local stack (a token without iat or jti, keys or DynamoDB unavailable). A failure is never "active".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientRegistry } from '../../../../core/issuer/clients/client-registry.js';
import { IssuerError } from '../../../../core/issuer/errors.js';
import { createIssuanceLimiter } from '../../../../core/issuer/tokens/issuance-limiter.js';
import {
  createTokenIntrospectionService,
  type IntrospectionRequest,
} from '../../../../core/issuer/tokens/token-introspection.js';
import type { ClientRecord } from '../../../../core/issuer/types.js';
import { VerifyError } from '../../../../core/jwt/errors.js';
import type { AccessTokenClaims } from '../../../../core/jwt/types.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../../fixtures/dynalite.js';

let db: DynaliteServer;
const table = 'introspection-clients';
let subject: ClientRecord;
let caller: ClientRecord;

beforeAll(async () => {
  db = await startDynalite();
  const registry = await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: table });
  subject = (await registry.create({ name: 'subject', scopes: ['products/read'] })).record;
  caller = (await registry.create({ name: 'rs', scopes: ['products/read'], introspect: true })).record;
});
afterAll(() => db.close());

const NO_RETRY = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

const request: IntrospectionRequest = {
  authMethod: 'client_secret_basic',
  clientId: 'rs',
  clientSecret: 's',
  token: 't',
};

function service(options: {
  verify: (token: string) => Promise<AccessTokenClaims>;
  endpoint?: string;
  callerRecord?: ClientRecord;
}) {
  const dynamodb = localDynamo(options.endpoint ?? db.endpoint);
  return createTokenIntrospectionService({
    authenticate: async () => options.callerRecord ?? caller,
    verify: options.verify,
    // One attempt: the unreachable-DynamoDB case fails at once.
    registry: createClientRegistry({ dynamodb, tableName: table, readRetry: NO_RETRY }),
    dynamodb,
    tableName: table,
    limiter: createIssuanceLimiter(),
    ratePerSecond: 100,
  });
}

const claims = (extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  iss: 'https://issuer.test',
  sub: subject.clientId,
  client_id: subject.clientId,
  aud: 'api',
  exp: 2_000_000_000,
  iat: 1_900_000_000,
  jti: 'j1',
  scope: 'products/read',
  ...extra,
});

describe('token introspection service', () => {
  it('answers a token without jti from its client alone', async () => {
    const { jti: _omitted, ...noJti } = claims();
    const out = await service({ verify: async () => noJti as AccessTokenClaims }).introspect(request);
    expect(out).toMatchObject({ outcome: 'active', response: { active: true } });
    expect(out.response).not.toHaveProperty('jti');
  });

  it('answers a token of an unknown client inactive', async () => {
    const out = await service({
      verify: async () => claims({ client_id: 'kg_gone', sub: 'kg_gone' }),
    }).introspect(request);
    expect(out).toEqual({ outcome: 'client_unknown', response: { active: false } });
  });

  it.each(['signature', 'expired', 'issuer', 'audience'] as const)(
    'answers inactive when the verifier refuses the token (%s)',
    async (code) => {
      const out = await service({
        verify: async () => {
          throw new VerifyError(code, 'no');
        },
      }).introspect(request);
      expect(out).toMatchObject({ outcome: 'invalid', response: { active: false } });
    },
  );

  it('fails with 503 dependency_unavailable, not "inactive", when the keys cannot be loaded', async () => {
    const err = await service({
      verify: async () => {
        throw new VerifyError('keys_unavailable', 'no keys');
      },
    })
      .introspect(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerError);
    expect([(err as IssuerError).code, (err as IssuerError).status]).toEqual(['dependency_unavailable', 503]);
  });

  it('fails with 503, never "active", when DynamoDB cannot be reached for the revocation check', async () => {
    const err = await service({ verify: async () => claims(), endpoint: 'http://127.0.0.1:9' })
      .introspect(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerError);
    expect((err as IssuerError).status).toBe(503);
  });

  it('refuses a caller without the permission before looking at the token', async () => {
    let verified = 0;
    const err = await service({
      verify: async () => {
        verified++;
        return claims();
      },
      callerRecord: subject,
    })
      .introspect(request)
      .catch((e: unknown) => e);
    expect([(err as IssuerError).code, (err as IssuerError).status, (err as IssuerError).error]).toEqual([
      'introspection_forbidden',
      403,
      'unauthorized_client',
    ]);
    expect(verified).toBe(0);
  });
});
