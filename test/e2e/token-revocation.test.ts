// RFC 7009 token revocation over real HTTP through the local stack: a client revokes one of its own access
// tokens at POST /oauth2/revoke (client_secret_basic, client_secret_post or private_key_jwt), and the
// gateway refuses that token once the authorizer has refreshed its revocation list. Every handler shares one
// injected clock that the tests move past the refresh interval, so nothing sleeps.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REVOCATIONS_REFRESH_SECONDS } from '../../core/revocation/index.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { basicAuth } from '../support/basic-auth.js';
import { type ClientCredentials, mintToken } from '../support/client-token.js';

let stack: LocalStack;
let shiftMs = 0;
const now = () => Date.now() + shiftMs;
let alice: ClientCredentials;
let bob: ClientCredentials;

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    clocks: { authorizer: now, token: now, products: now, dynamodb: now },
    // A fresh list on every request, and every API call reaches the authorizer (no result cache): what is
    // measured is the authorizer's own refresh, the bound the revocation list promises.
    env: { REVOCATIONS_MAX_AGE_SECONDS: '0' },
    resultsCacheTtlSeconds: 0,
  });
  alice = await newClient('revoker-alice');
  bob = await newClient('revoker-bob');
}, 60_000);
afterAll(() => stack?.close());

async function newClient(name: string): Promise<ClientCredentials> {
  const { record, clientSecret } = await stack.registry.create({ name, scopes: ['products/read'] });
  return { id: record.clientId, secret: clientSecret };
}

const revocationUrl = () => `${stack.issuer}/oauth2/revoke`;

async function revoke(c: ClientCredentials, form: Record<string, string>) {
  const res = await fetch(revocationUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(c.id, c.secret),
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.text(), cacheControl: res.headers.get('cache-control') };
}

const apiStatus = async (token: string) =>
  (await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } })).status;

/** Past the authorizer's refresh interval: its next call loads the list again. */
const afterRefresh = () => {
  shiftMs += (DEFAULT_REVOCATIONS_REFRESH_SECONDS + 1) * 1000;
};

const claimsOf = (t: string) =>
  JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { jti: string; exp: number };

describe('POST /oauth2/revoke (RFC 7009)', () => {
  it('is advertised in discovery with the token endpoint authentication methods', async () => {
    const meta = (await (await fetch(stack.discoveryUrl)).json()) as Record<string, unknown>;
    expect(meta.revocation_endpoint).toBe(revocationUrl());
    expect(meta.revocation_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ]);
  });

  it('revokes the presented token only: the gateway refuses it after the refresh; the client’s other token and another client’s stay valid', async () => {
    const revoked = await mintToken(stack.tokenUrl, alice);
    const kept = await mintToken(stack.tokenUrl, alice);
    const others = await mintToken(stack.tokenUrl, bob);
    expect(await apiStatus(revoked)).toBe(200);

    expect(await revoke(alice, { token: revoked })).toEqual({
      status: 200,
      body: '',
      cacheControl: 'no-store',
    });
    const list = (await (await fetch(`${stack.issuer}/revocations`)).json()) as { revoked_jti: string[] };
    expect(list.revoked_jti).toEqual([claimsOf(revoked).jti]);
    afterRefresh();
    expect(await apiStatus(revoked)).toBe(401);
    expect(await apiStatus(kept)).toBe(200);
    expect(await apiStatus(others)).toBe(200);
  });

  it('answers 200 and changes nothing when a client presents another client’s token', async () => {
    const victim = await mintToken(stack.tokenUrl, bob);
    expect(await revoke(alice, { token: victim })).toMatchObject({ status: 200, body: '' });
    afterRefresh();
    expect(await apiStatus(victim)).toBe(200);
  });

  it.each<[string, (victim: string) => Promise<string>]>([
    ['garbage', async () => 'not-a-token'],
    [
      "the victim's jti in a token re-signed with the attacker's own key and client_id",
      async (victim) => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ ...claimsOf(victim), client_id: alice.id, sub: alice.id })
          .setProtectedHeader({
            alg: 'RS256',
            kid: JSON.parse(Buffer.from(victim.split('.')[0]!, 'base64url').toString()).kid,
          })
          .sign(privateKey);
      },
    ],
    [
      "the victim's token with its payload changed to the attacker's client_id",
      async (victim) => {
        const [h, p, sig] = victim.split('.');
        const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), client_id: alice.id };
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
      },
    ],
  ])('answers 200 for %s and revokes nothing', async (_name, forge) => {
    const victim = await mintToken(stack.tokenUrl, bob);
    expect(await revoke(alice, { token: await forge(victim) })).toMatchObject({ status: 200, body: '' });
    afterRefresh();
    expect(await apiStatus(victim)).toBe(200);
  });

  it.each(['refresh_token', 'something_else'])(
    'treats token_type_hint as advisory: with %s it still revokes the access token',
    async (hint) => {
      const t = await mintToken(stack.tokenUrl, alice);
      expect(await revoke(alice, { token: t, token_type_hint: hint })).toMatchObject({ status: 200 });
      afterRefresh();
      expect(await apiStatus(t)).toBe(401);
    },
  );

  it('authenticates as the token endpoint does: a wrong secret is 401 invalid_client, no token is 400', async () => {
    const t = await mintToken(stack.tokenUrl, alice);
    const wrong = await revoke({ id: alice.id, secret: 'wrong' }, { token: t });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual(INVALID_CLIENT);
    const post = await fetch(revocationUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t, client_id: alice.id, client_secret: 'wrong' }),
    });
    expect([post.status, await post.json()]).toEqual([401, INVALID_CLIENT]);
    const missing = await revoke(alice, {});
    expect([missing.status, JSON.parse(missing.body).error]).toEqual([400, 'invalid_request']);
    afterRefresh();
    expect(await apiStatus(t)).toBe(200);
  });

  it.each(['client_secret_post', 'private_key_jwt'])('works with oauth4webapi over %s', async (method) => {
    const issuer = new URL(stack.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    let client: oauth.Client;
    let auth: oauth.ClientAuth;
    if (method === 'private_key_jwt') {
      const keys = await generateKeyPair('ES256');
      const signer = await stack.registry.createWithKeys(
        { name: 'revoker-keys', scopes: ['products/read'] },
        { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k' }] },
      );
      // The stack's clock runs ahead of this process's by shiftMs: the client's assertions follow it.
      client = { client_id: signer.clientId, [oauth.clockSkew]: Math.round(shiftMs / 1000) };
      auth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'k' });
    } else {
      client = { client_id: alice.id };
      auth = oauth.ClientSecretPost(alice.secret);
    }
    const granted = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'products/read' }, insecure),
    );
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, granted.access_token, insecure),
    );
    afterRefresh();
    expect(await apiStatus(granted.access_token)).toBe(401);
  });
});
