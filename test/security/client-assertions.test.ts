// Attacks on private_key_jwt (RFC 7523 §3) across the three endpoints that take it: one assertion is good
// once, at one endpoint, whichever comes first; only the issuer identifier is its audience; keys named in the
// assertion's own header are never trusted; an assertion is never an access token and the other way round.
// Real HTTP against the local stack.
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface KeyClient {
  readonly id: string;
  readonly keys: KeyPair;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

let stack: LocalStack;
let alice: KeyClient;
let bob: KeyClient;
const url = (endpoint: 'token' | 'revoke' | 'introspect') => `${stack.issuer}/oauth2/${endpoint}`;

async function keyClient(name: string): Promise<KeyClient> {
  const keys = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: `${name}-1` };
  const record = await stack.registry.createWithKeys(
    { name, scopes: ['products/read'], introspect: true, issuanceRatePerSecond: 1000 },
    { keys: [jwk] },
  );
  return { id: record.clientId, keys };
}

function assertion(
  client: KeyClient,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
  key: KeyPair['privateKey'] = client.keys.privateKey,
): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({
    iss: client.id,
    sub: client.id,
    aud: stack.issuer,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(key);
}

/** POSTs `fields` plus the assertion to an endpoint; status and JSON body. */
async function call(
  endpoint: 'token' | 'revoke' | 'introspect',
  clientAssertion: string,
  fields: Record<string, string> = {},
) {
  const res = await fetch(url(endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...(endpoint === 'token' ? { grant_type: 'client_credentials' } : {}),
      ...fields,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion,
    }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function accessToken(client: KeyClient): Promise<string> {
  const got = await call('token', await assertion(client));
  expect(got.status).toBe(200);
  return got.body!.access_token as string;
}

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  [alice, bob] = await Promise.all([keyClient('alice'), keyClient('bob')]);
}, 60_000);
afterAll(() => stack?.close());

describe('one assertion, one use, across /oauth2/token, /oauth2/revoke and /oauth2/introspect', () => {
  const ENDPOINTS = ['token', 'revoke', 'introspect'] as const;
  const pairs = ENDPOINTS.flatMap((first) => ENDPOINTS.map((second) => [first, second] as const));

  it.each(pairs)('used at /oauth2/%s, replayed at /oauth2/%s: 401 invalid_client', async (first, second) => {
    const token = await accessToken(alice);
    const once = await assertion(alice);
    const fields = (endpoint: string): Record<string, string> => (endpoint === 'token' ? {} : { token });
    expect((await call(first, once, fields(first))).status).toBe(200);
    expect(await call(second, once, fields(second))).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('sent to all three endpoints at once, exactly one call gets through', async () => {
    const token = await accessToken(alice);
    const once = await assertion(alice);
    const answers = await Promise.all([
      call('token', once),
      call('revoke', once, { token }),
      call('introspect', once, { token }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
  });

  it('a jti another client used does not block this client (per-client record): both get a token', async () => {
    const jti = `shared-${crypto.randomUUID()}`;
    expect((await call('token', await assertion(alice, { jti }))).status).toBe(200);
    expect((await call('token', await assertion(bob, { jti }))).status).toBe(200);
    expect(await call('token', await assertion(bob, { jti }))).toEqual({ status: 401, body: INVALID_CLIENT });
  });
});

describe('refused assertions at revocation and introspection (401 invalid_client)', () => {
  it.each<[string, () => Promise<string>]>([
    ['aud = the revocation endpoint URL', () => assertion(alice, { aud: url('revoke') })],
    ['aud = the introspection endpoint URL', () => assertion(alice, { aud: url('introspect') })],
    ['aud = the token endpoint URL', () => assertion(alice, { aud: url('token') })],
    ['aud = the issuer with a trailing slash', () => assertion(alice, { aud: `${stack.issuer}/` })],
    ['aud = the issuer in upper case', () => assertion(alice, { aud: stack.issuer.toUpperCase() })],
    [
      'an attacker key embedded as the header jwk (RFC 7515 §4.1.3), signed with it',
      async () => {
        const evil = await generateKeyPair('ES256', { extractable: true });
        return assertion(alice, {}, { jwk: await exportJWK(evil.publicKey) }, evil.privateKey);
      },
    ],
    [
      'a jku and kid pointing at the attacker, signed with the attacker key',
      async () =>
        assertion(
          alice,
          {},
          { jku: 'https://evil.example/jwks', kid: 'evil' },
          (await generateKeyPair('ES256')).privateKey,
        ),
    ],
    ['nbf after exp', () => assertion(alice, { nbf: nowSeconds() + 50, exp: nowSeconds() + 40 })],
    ['sub in another case than the client id', () => assertion(alice, { sub: alice.id.toUpperCase() })],
    ['an empty jti', () => assertion(alice, { jti: '' })],
    ['a numeric jti', () => assertion(alice, { jti: 42 as unknown as string })],
    ['a jti of 257 characters', () => assertion(alice, { jti: 'j'.repeat(257) })],
  ])('%s', async (_name, make) => {
    const token = await accessToken(alice);
    for (const endpoint of ['revoke', 'introspect'] as const) {
      expect([endpoint, await call(endpoint, await make(), { token })]).toEqual([
        endpoint,
        { status: 401, body: INVALID_CLIENT },
      ]);
    }
  });

  it('a client assertion with a jti of odd characters is single-use like any other', async () => {
    const jti = 'a/../b%2F#keygate/signing-keys\u00e9';
    const token = await accessToken(alice);
    const once = await assertion(alice, { jti });
    expect((await call('introspect', once, { token })).status).toBe(200);
    expect(await call('token', await assertion(alice, { jti }))).toEqual({
      status: 401,
      body: INVALID_CLIENT,
    });
  });
});

describe('assertions and access tokens are not interchangeable', () => {
  it('a client assertion presented as a bearer token at the API is 401 (not signed by the issuer)', async () => {
    const res = await fetch(`${stack.apiUrl}/products`, {
      headers: { authorization: `Bearer ${await assertion(alice)}` },
    });
    expect(res.status).toBe(401);
  });

  it('a keygate access token presented as client_assertion is 401 invalid_client', async () => {
    expect(await call('token', await accessToken(alice))).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('a client assertion presented for introspection is inactive', async () => {
    const got = await call('introspect', await assertion(alice), { token: await assertion(alice) });
    expect(got).toEqual({ status: 200, body: { active: false } });
  });
});

describe('clocks', () => {
  it('iat a day in the past with exp a minute ahead is accepted once (RFC 7523 §3: replay is bounded by exp)', async () => {
    const old = await assertion(alice, { iat: nowSeconds() - 86_400 });
    expect((await call('token', old)).status).toBe(200);
    expect(await call('token', old)).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('exp beyond five minutes is refused even with an old iat (the lifetime is bounded from now)', async () => {
    const long = await assertion(alice, { iat: nowSeconds() - 86_400, exp: nowSeconds() + 400 });
    expect(await call('token', long)).toEqual({ status: 401, body: INVALID_CLIENT });
  });
});
