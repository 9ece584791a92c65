// private_key_jwt client authentication (RFC 7523 §2.2/§3, OpenID Connect Core §9) over real HTTP through the
// local stack: openid-client and oauth4webapi get tokens with their own PrivateKeyJwt, and every forged,
// replayed or stretched assertion gets 401 invalid_client.
import { createHmac, createPrivateKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientPublicJwk } from '../../core/issuer/index.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface KeyClient {
  readonly id: string;
  readonly keys: KeyPair;
  readonly kid: string;
}

let stack: LocalStack;
let rsa: KeyClient;
let ec: KeyClient;
let ed: KeyClient;
let secretClient: { id: string; secret: string };

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function keyClient(name: string, alg: string, publicAlg?: string): Promise<KeyClient> {
  const keys = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const kid = `${name}-1`;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid, ...(publicAlg ? { alg: publicAlg } : {}) };
  const record = await stack.registry.createWithKeys({ name, scopes: ['products/read'] }, { keys: [jwk] });
  return { id: record.clientId, keys, kid };
}

/** A well-formed assertion for `client`, with `over` replacing claims or header members. */
async function assertion(
  client: KeyClient,
  over: {
    claims?: JWTPayload;
    header?: Record<string, unknown>;
    key?: KeyPair['privateKey'] | KeyObject;
  } = {},
) {
  const now = nowSeconds();
  return new SignJWT({
    iss: client.id,
    sub: client.id,
    aud: stack.issuer,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...over.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: client.kid, ...over.header } as { alg: string })
    .sign(over.key ?? client.keys.privateKey);
}

async function tokenRequest(clientAssertion: string, extra: Record<string, string> = {}) {
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion,
      ...extra,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  [rsa, ec, ed] = await Promise.all([
    keyClient('pkjwt-rsa', 'RS256', 'RS256'),
    keyClient('pkjwt-ec', 'ES256'),
    keyClient('pkjwt-ed', 'EdDSA'),
  ]);
  const issued = await stack.registry.create({ name: 'pkjwt-secret', scopes: ['products/read'] });
  secretClient = { id: issued.record.clientId, secret: issued.clientSecret };
}, 60_000);
afterAll(() => stack?.close());

async function callApi(token: string) {
  return (await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('private_key_jwt with standard clients', () => {
  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
    ['Ed25519', () => ed],
  ])('oauth4webapi PrivateKeyJwt (%s) gets a token the API accepts', async (_alg, who) => {
    const client = who();
    const issuer = new URL(stack.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const c: oauth.Client = { client_id: client.id };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.PrivateKeyJwt({ key: client.keys.privateKey, kid: client.kid }),
      { scope: 'products/read' },
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, c, res);
    expect([result.token_type, result.scope]).toEqual(['bearer', 'products/read']);
    expect(await callApi(result.access_token)).toBe(200);
  });

  it('openid-client PrivateKeyJwt gets a token from discovery alone', async () => {
    const config = await openid.discovery(
      new URL(stack.issuer),
      rsa.id,
      undefined,
      openid.PrivateKeyJwt({ key: rsa.keys.privateKey, kid: rsa.kid }),
      { algorithm: 'oidc', execute: [openid.allowInsecureRequests] },
    );
    const tokens = await openid.clientCredentialsGrant(config, { scope: 'products/read' });
    expect(tokens.scope).toBe('products/read');
    expect(await callApi(tokens.access_token)).toBe(200);
  });

  it('advertises private_key_jwt and exactly the asymmetric algorithms it verifies', async () => {
    const meta = (await (await fetch(stack.discoveryUrl)).json()) as Record<string, unknown>;
    expect(meta.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual([
      'RS256',
      'PS256',
      'ES256',
      'EdDSA',
      'Ed25519',
    ]);
  });
});

describe('refused client assertions (401 invalid_client)', () => {
  const now = nowSeconds;
  it.each<[string, () => Promise<string>]>([
    ['the token endpoint URL as aud', () => assertion(rsa, { claims: { aud: stack.tokenUrl } })],
    ['aud with a second audience', () => assertion(rsa, { claims: { aud: [stack.issuer, 'https://x'] } })],
    ['another issuer as aud', () => assertion(rsa, { claims: { aud: 'https://evil.example' } })],
    ['an expired assertion', () => assertion(rsa, { claims: { iat: now() - 600, exp: now() - 120 } })],
    ['exp 10 minutes ahead', () => assertion(rsa, { claims: { exp: now() + 600 } })],
    ['no exp', () => assertion(rsa, { claims: { exp: undefined } })],
    ['iat 2 minutes ahead', () => assertion(rsa, { claims: { iat: now() + 120 } })],
    ['nbf 2 minutes ahead', () => assertion(rsa, { claims: { nbf: now() + 120 } })],
    ['no jti', () => assertion(rsa, { claims: { jti: undefined } })],
    ['iss other than sub', () => assertion(rsa, { claims: { iss: secretClient.id } })],
    [
      'sub naming another key client',
      () => assertion(rsa, { claims: { sub: ec.id, iss: ec.id }, header: { kid: ec.kid } }),
    ],
    [
      'an unregistered key with the registered kid',
      async () => assertion(rsa, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    [
      'PS256 in the header of an RS256-only key, signed with it',
      async () => {
        // The same RSA private key, usable for PSS (a WebCrypto key is bound to one scheme).
        const key = createPrivateKey({ key: await exportJWK(rsa.keys.privateKey), format: 'jwk' });
        return assertion(rsa, { header: { alg: 'PS256' }, key });
      },
    ],
    [
      'ES256 header naming the RSA key',
      () => assertion(rsa, { header: { alg: 'ES256' }, key: ec.keys.privateKey }),
    ],
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', kid: rsa.kid })}.${b64({ iss: rsa.id, sub: rsa.id, aud: stack.issuer, jti: 'n1', exp: now() + 60 })}.`,
    ],
    [
      'HS256 keyed with the registered public key',
      async () => {
        const jwk = (await exportJWK(rsa.keys.publicKey)) as ClientPublicJwk;
        const input = `${b64({ alg: 'HS256', kid: rsa.kid })}.${b64({ iss: rsa.id, sub: rsa.id, aud: stack.issuer, jti: 'h1', exp: now() + 60 })}`;
        // The classic confusion: a verifier that feeds the public key to HMAC as its secret.
        const mac = createHmac('sha256', JSON.stringify(jwk)).update(input).digest('base64url');
        return `${input}.${mac}`;
      },
    ],
    ['a truncated signature', async () => (await assertion(rsa)).slice(0, -4)],
    ['not a JWT', async () => 'not.a.jwt'],
  ])('%s', async (_name, make) => {
    expect(await tokenRequest(await make())).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('refuses a replayed assertion: the first use gets a token, the second invalid_client', async () => {
    const once = await assertion(rsa);
    expect((await tokenRequest(once)).status).toBe(200);
    expect(await tokenRequest(once)).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('lets exactly one of two concurrent uses of one assertion through', async () => {
    const once = await assertion(ec, { header: { alg: 'ES256' } });
    const statuses = (await Promise.all([tokenRequest(once), tokenRequest(once)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it('refuses a client_id form parameter naming another client than the assertion', async () => {
    expect(await tokenRequest(await assertion(rsa), { client_id: ec.id })).toEqual({
      status: 401,
      body: INVALID_CLIENT,
    });
  });

  it('refuses a secret for a key client, and an assertion for a secret client', async () => {
    const post = await fetch(stack.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: rsa.id, client_secret: 'x' }),
    });
    expect(post.status).toBe(401);
    const forged = await assertion(
      { id: secretClient.id, keys: rsa.keys, kid: rsa.kid },
      { claims: { iss: secretClient.id, sub: secretClient.id } },
    );
    expect(await tokenRequest(forged)).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('refuses a disabled key client, and a client_secret sent beside an assertion is invalid_request', async () => {
    const disabled = await keyClient('pkjwt-disabled', 'RS256');
    await stack.registry.setStatus(disabled.id, 'disabled');
    expect(await tokenRequest(await assertion(disabled))).toEqual({ status: 401, body: INVALID_CLIENT });
    const both = await tokenRequest(await assertion(rsa), { client_id: rsa.id, client_secret: 'x' });
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('verifies with the keys that replaced the registered ones, and refuses the old key', async () => {
    const client = await keyClient('pkjwt-rotate', 'RS256');
    const next = await generateKeyPair('RS256');
    await stack.registry.setKeys(client.id, {
      keys: [{ ...(await exportJWK(next.publicKey)), kid: 'next' }],
    });
    const withNew = await assertion(client, { key: next.privateKey, header: { kid: 'next' } });
    expect((await tokenRequest(withNew)).status).toBe(200);
    expect(await tokenRequest(await assertion(client))).toEqual({ status: 401, body: INVALID_CLIENT });
  });
});
