// RFC 9068 access tokens from the minter: exact header and claims, lifetime bounds, 128-bit jti.
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IssuerError } from '../../../../core/issuer/errors.js';
import { createTokenMinter } from '../../../../core/issuer/tokens/token-minter.js';
import { createLocalSigner } from '../../../../fixtures/local-signer.js';
import { TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../../fixtures/tokens.js';

const key = testKey('minter');
const NOW = 1_750_000_000_123;

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function minter(opts: { maxLifetimeSeconds?: number; audience?: string | string[] } = {}) {
  const signer = createLocalSigner(key.privateKey);
  return {
    signer,
    minter: createTokenMinter({
      signer,
      issuer: TEST_ISSUER,
      audience: opts.audience ?? TEST_AUDIENCE,
      now: () => NOW,
      ...(opts.maxLifetimeSeconds !== undefined && { maxLifetimeSeconds: opts.maxLifetimeSeconds }),
    }),
  };
}

describe('createTokenMinter', () => {
  it('mints a compact RS256 JWS with the RFC 9068 header and claims, in order', async () => {
    const { minter: m } = minter();
    const minted = await m.mint({
      clientId: 'client-1',
      scopes: ['products/read', 'products/write'],
      lifetimeSeconds: 3600,
    });
    const [h, p, s] = minted.accessToken.split('.');
    expect(Buffer.from(h!, 'base64url').toString()).toBe(`{"alg":"RS256","typ":"at+jwt","kid":"${key.kid}"}`);
    expect(decode(p!)).toEqual({
      iss: TEST_ISSUER,
      sub: 'client-1',
      client_id: 'client-1',
      aud: TEST_AUDIENCE,
      scope: 'products/read products/write',
      iat: 1_750_000_000,
      exp: 1_750_003_600,
      jti: minted.jti,
    });
    expect(Object.keys(decode(p!))).toEqual(['iss', 'sub', 'client_id', 'aud', 'scope', 'iat', 'exp', 'jti']);
    expect(minted).toEqual({
      accessToken: minted.accessToken,
      expiresIn: 3600,
      scope: 'products/read products/write',
      jti: minted.jti,
    });
    expect(
      verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        createPublicKey(key.privateKey),
        Buffer.from(s!, 'base64url'),
      ),
    ).toBe(true);
  });

  it('uses a fresh 128-bit jti per token', async () => {
    const { minter: m } = minter();
    const jtis = new Set<string>();
    for (let i = 0; i < 50; i++)
      jtis.add((await m.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 60 })).jti);
    expect(jtis.size).toBe(50);
    for (const jti of jtis) {
      expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(jti, 'base64url')).toHaveLength(16);
    }
  });

  it.each([0, -1, 7201, 1.5, Number.NaN])(
    'refuses the lifetime %s as internal without signing',
    async (lifetimeSeconds) => {
      const { minter: m, signer } = minter({ maxLifetimeSeconds: 7200 });
      const err = await m.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds }).catch((e) => e);
      expect(err).toBeInstanceOf(IssuerError);
      expect((err as IssuerError).code).toBe('internal');
      expect(signer.calls()).toBe(0);
    },
  );

  it('puts the request audience (RFC 8707 resource) in aud instead of the configured one', async () => {
    const { minter: m } = minter();
    const minted = await m.mint({
      clientId: 'c',
      scopes: ['a'],
      lifetimeSeconds: 60,
      audience: 'https://b.example',
    });
    expect(decode(minted.accessToken.split('.')[1]!).aud).toBe('https://b.example');
  });

  it('mints client claims beside the protocol claims, which always win', async () => {
    const { minter: m } = minter();
    const minted = await m.mint({
      clientId: 'c',
      scopes: ['a'],
      lifetimeSeconds: 60,
      claims: { tenant: 'acme', sub: 'admin', client_id: 'other', scope: 'everything' },
    });
    expect(decode(minted.accessToken.split('.')[1]!)).toMatchObject({
      tenant: 'acme',
      sub: 'c',
      client_id: 'c',
      scope: 'a',
    });
  });

  it("mints the client's tier as the tier claim, over a claim of that name in a hand-edited record", async () => {
    const { minter: m } = minter();
    const minted = await m.mint({
      clientId: 'c',
      scopes: ['a'],
      lifetimeSeconds: 60,
      claims: { tier: 'platinum' },
      tier: 'gold',
    });
    expect(decode(minted.accessToken.split('.')[1]!).tier).toBe('gold');
    const plain = await m.mint({ clientId: 'c', scopes: ['a'], lifetimeSeconds: 60 });
    expect(decode(plain.accessToken.split('.')[1]!)).not.toHaveProperty('tier');
  });

  it('keeps an audience list as an array', async () => {
    const { minter: m } = minter({ audience: ['https://a.test', 'https://b.test'] });
    const { accessToken } = await m.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 60 });
    expect(decode(accessToken.split('.')[1]!).aud).toEqual(['https://a.test', 'https://b.test']);
  });

  it('bounds the lifetime to 1..maxLifetimeSeconds', async () => {
    const { minter: m, signer } = minter({ maxLifetimeSeconds: 7200 });
    expect((await m.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 1 })).expiresIn).toBe(
      1,
    );
    expect(
      (await m.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 7200 })).expiresIn,
    ).toBe(7200);
    expect(signer.calls()).toBe(2);
    const { minter: dflt } = minter();
    expect(
      (await dflt.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 86_400 })).expiresIn,
    ).toBe(86_400);
    await expect(
      dflt.mint({ clientId: 'c', scopes: ['products/read'], lifetimeSeconds: 86_401 }),
    ).rejects.toThrow('token lifetime out of bounds');
  });

  it('refuses an empty grant, malformed scopes and a missing client id', async () => {
    const { minter: m } = minter();
    const empty = (await m
      .mint({ clientId: 'c', scopes: [], lifetimeSeconds: 60 })
      .catch((e) => e)) as IssuerError;
    expect([empty.code, empty.status]).toEqual(['invalid_scope', 400]);
    const bad = (await m
      .mint({ clientId: 'c', scopes: ['a b'], lifetimeSeconds: 60 })
      .catch((e) => e)) as IssuerError;
    expect(bad.code).toBe('internal');
    const noClient = (await m
      .mint({ clientId: '', scopes: ['x'], lifetimeSeconds: 60 })
      .catch((e) => e)) as IssuerError;
    expect(noClient.code).toBe('internal');
  });

  it('validates its configuration', () => {
    const signer = createLocalSigner(key.privateKey);
    expect(() => createTokenMinter({ signer, issuer: 'http://auth.example.com', audience: 'a' })).toThrow(
      'issuer must use https',
    );
    expect(() => createTokenMinter({ signer, issuer: 'https://a.test?x=1', audience: 'a' })).toThrow('query');
    expect(() => createTokenMinter({ signer, issuer: TEST_ISSUER, audience: '' })).toThrow('audience');
    expect(() =>
      createTokenMinter({ signer, issuer: TEST_ISSUER, audience: 'a', maxLifetimeSeconds: 0 }),
    ).toThrow('maxLifetimeSeconds');
  });

  it('re-encodes the header only when the kid changes', async () => {
    let kid = 'one';
    const signer = { getKid: async () => kid, sign: async () => Buffer.from('sig') };
    const m = createTokenMinter({ signer, issuer: TEST_ISSUER, audience: 'a', now: () => NOW });
    const header = async () =>
      decode((await m.mint({ clientId: 'c', scopes: ['s'], lifetimeSeconds: 60 })).accessToken.split('.')[0]!)
        .kid;
    expect(await header()).toBe('one');
    kid = 'two';
    expect(await header()).toBe('two');
  });
});
