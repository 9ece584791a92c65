import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClientCache } from '../../../../core/issuer/clients/client-cache.js';
import { hashClientSecret, sha256Hasher } from '../../../../core/issuer/clients/client-secret.js';
import { type IssuerAudiences, issuerAudiences } from '../../../../core/issuer/clients/resource-indicator.js';
import { IssuerError, RegistryError } from '../../../../core/issuer/errors.js';
import { createTokenMinter } from '../../../../core/issuer/tokens/token-minter.js';
import type { TokenRequest } from '../../../../core/issuer/tokens/token-request.js';
import { createTokenService } from '../../../../core/issuer/tokens/token-service.js';
import type { ClientRecord } from '../../../../core/issuer/types.js';
import { createLocalSigner } from '../../../../fixtures/local-signer.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = createLocalSigner(privateKey);

const client = (over: Partial<ClientRecord> = {}): ClientRecord => ({
  clientId: 'kg_a',
  name: 'a',
  scopes: ['products/read', 'products/write'],
  status: 'active',
  tokenLifetimeSeconds: 3600,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  secretHash: hashClientSecret('s3cret'),
  ...over,
});

function setup(
  records: Record<string, ClientRecord>,
  opts: { failing?: boolean; audiences?: IssuerAudiences } = {},
) {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const data = new Map(Object.entries(records));
  const hashed: string[] = [];
  const slept: number[] = [];
  let reads = 0;
  const cache = createClientCache({
    source: {
      async get(id) {
        reads += 1;
        if (opts.failing) throw new RegistryError('dependency_unavailable', 'down');
        return data.get(id);
      },
    },
    now: () => clock,
  });
  const service = createTokenService({
    clients: cache,
    minter: createTokenMinter({
      signer,
      issuer: 'https://auth.keygate.test',
      audience: 'api',
      now: () => clock,
    }),
    maxLifetimeSeconds: 3600,
    now: () => clock,
    ...(opts.audiences ? { audiences: opts.audiences } : {}),
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    hasher: (s) => {
      hashed.push(s);
      return sha256Hasher(s);
    },
  });
  return {
    service,
    data,
    hashed,
    slept,
    reads: () => reads,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const request = (
  over: {
    clientId?: string;
    clientSecret?: string;
    scopes?: readonly string[] | undefined;
    resource?: string;
  } = {},
): TokenRequest => ({
  clientId: 'kg_a',
  clientSecret: 's3cret',
  authMethod: 'client_secret_basic',
  scopes: undefined,
  ...over,
});

async function code(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError);
    return (err as IssuerError).code;
  }
  throw new Error('expected an IssuerError');
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const iatOf = (token: string): number => claimsOf(token).iat as number;

describe('token service', () => {
  const start = Date.parse('2030-01-01T00:00:00Z') / 1000;
  it.each([
    ['in the second of the cutoff: waits for the next one', start, [1_000], start + 1],
    [
      'a second before the cutoff (the registry clock slightly ahead): waits up to 2 s',
      start + 1,
      [2_000],
      start + 2,
    ],
    ['after the cutoff second: no wait', start - 1, [], start],
    ['far before the cutoff (clocks disagree): no wait', start + 5, [], start],
  ])(
    'mints a client just enabled or revoked a token the authorizer accepts: %s',
    async (_, cutoff, waits, iat) => {
      const { service, slept } = setup({ kg_a: client({ tokensRevokedAt: cutoff }) });
      const token = (await service.issue(request())).accessToken;
      expect([slept, iatOf(token)]).toEqual([waits, iat]);
    },
  );

  it('grants every allowed scope by default, the requested subset otherwise, in a stable order', async () => {
    const { service } = setup({ kg_a: client() });
    expect(await service.issue(request())).toMatchObject({
      tokenType: 'Bearer',
      scope: 'products/read products/write',
      expiresIn: 3600,
      clientId: 'kg_a',
    });
    expect((await service.issue(request({ scopes: ['products/write', 'products/read'] }))).scope).toBe(
      'products/read products/write',
    );
    expect((await service.issue(request({ scopes: ['products/write'] }))).scope).toBe('products/write');
    expect(await code(service.issue(request({ scopes: ['products/admin'] })))).toBe('invalid_scope');
  });

  it('hashes the presented secret for unknown, disabled and wrong-secret clients alike', async () => {
    const { service, hashed } = setup({
      kg_a: client(),
      kg_off: client({ clientId: 'kg_off', status: 'disabled' }),
    });
    expect(await code(service.issue(request({ clientId: 'kg_unknown' })))).toBe('invalid_client');
    expect(hashed).toEqual(['s3cret']);
    expect(await code(service.issue(request({ clientId: 'kg_off' })))).toBe('invalid_client');
    expect(await code(service.issue(request({ clientSecret: 'nope' })))).toBe('invalid_client');
    expect(hashed).toEqual(['s3cret', 's3cret', 'nope']);
  });

  it('re-reads a cached record once after a failed authentication, at most once per second', async () => {
    const { service, data, reads, advance } = setup({ kg_a: client() });
    await service.issue(request());
    expect(reads()).toBe(1);
    data.set('kg_a', client({ secretHash: hashClientSecret('rotated') }));
    expect(await code(service.issue(request({ clientSecret: 'rotated' })))).toBe('invalid_client');
    expect(reads()).toBe(1); // the record was read under a second ago: no extra read
    advance(1001);
    expect((await service.issue(request({ clientSecret: 'rotated' }))).clientId).toBe('kg_a');
    expect(reads()).toBe(2);
    advance(1001);
    expect(await code(service.issue(request({ clientSecret: 'bad' })))).toBe('invalid_client');
    expect(await code(service.issue(request({ clientSecret: 'bad' })))).toBe('invalid_client');
    expect(reads()).toBe(3);
  });

  it('refuses a client with no scopes (RFC 6749 §3.3) and caps lifetimes', async () => {
    const { service } = setup({
      kg_a: client({ scopes: [] }),
      kg_long: client({ clientId: 'kg_long', tokenLifetimeSeconds: 86_400 }),
    });
    expect(await code(service.issue(request()))).toBe('invalid_scope');
    expect((await service.issue(request({ clientId: 'kg_long' }))).expiresIn).toBe(3600);
  });

  it('maps registry outages to dependency_unavailable', async () => {
    const { service } = setup({}, { failing: true });
    expect(await code(service.issue(request()))).toBe('dependency_unavailable');
  });

  describe('resource indicators (RFC 8707)', () => {
    const ORDERS = 'https://orders.example.com';
    const BILLING = 'https://billing.example.com';
    const audiences = issuerAudiences(ORDERS, [BILLING]);
    const both = { resources: [ORDERS, BILLING], defaultResource: ORDERS };

    it('mints one aud: the requested resource, else the client default, else the issuer default', async () => {
      const { service } = setup(
        { kg_a: client(both), kg_plain: client({ clientId: 'kg_plain' }) },
        { audiences },
      );
      const aud = async (r: Partial<TokenRequest>) =>
        claimsOf((await service.issue(request(r))).accessToken).aud;
      expect(await aud({})).toBe(ORDERS);
      expect(await aud({ resource: BILLING })).toBe(BILLING);
      expect(await aud({ clientId: 'kg_plain' })).toBe(ORDERS);
    });

    it('refuses a resource the client is not allowed with invalid_target', async () => {
      const { service } = setup({ kg_plain: client({ clientId: 'kg_plain' }) }, { audiences });
      expect(await code(service.issue(request({ clientId: 'kg_plain', resource: BILLING })))).toBe(
        'invalid_target',
      );
    });

    it('checks the client first: a wrong secret with a valid resource is invalid_client', async () => {
      const { service } = setup({ kg_a: client(both) }, { audiences });
      expect(await code(service.issue(request({ clientSecret: 'nope', resource: BILLING })))).toBe(
        'invalid_client',
      );
    });

    it('refuses any resource when the issuer is configured without audiences', async () => {
      const { service } = setup({ kg_a: client() });
      expect(await code(service.issue(request({ resource: 'api' })))).toBe('invalid_target');
    });
  });
});
