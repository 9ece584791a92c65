// RFC 7662 token introspection over real HTTP through the local stack: a resource server allowed to
// introspect asks POST /oauth2/introspect about tokens (with oauth4webapi as its client library). Revocations
// count at once (read from DynamoDB, not the revocation document), callers without the permission get 403,
// scanning callers 429. Every handler shares one injected clock that the tests move or freeze: nothing sleeps.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { basicAuth } from '../support/basic-auth.js';
import { type ClientCredentials, mintToken } from '../support/client-token.js';

let stack: LocalStack;
let shiftMs = 0;
/** When set, the stack's clock stands still here (epoch ms). */
let frozenAt: number | undefined;
const now = () => frozenAt ?? Date.now() + shiftMs;

/** Introspection calls/s per caller in this stack: burst 2 x 5 = 10. */
const RATE = 5;
let resourceServer: ClientCredentials;
let alice: ClientCredentials;

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };
const INACTIVE = { active: false };

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    clocks: { authorizer: now, token: now, products: now, dynamodb: now },
    env: { INTROSPECTION_RATE_PER_SECOND: String(RATE) },
    resultsCacheTtlSeconds: 0,
  });
  resourceServer = await newClient('resource-server', { introspect: true });
  alice = await newClient('introspected-alice');
}, 60_000);
afterAll(() => stack?.close());

// Every test starts with full rate buckets (the limiter refills on the stack's clock, which never runs back).
beforeEach(() => {
  if (frozenAt !== undefined) shiftMs = frozenAt - Date.now();
  frozenAt = undefined;
  shiftMs += 10_000;
});

async function newClient(
  name: string,
  extra: { introspect?: boolean; tokenLifetimeSeconds?: number } = {},
): Promise<ClientCredentials> {
  const { record, clientSecret } = await stack.registry.create({ name, scopes: ['products/read'], ...extra });
  return { id: record.clientId, secret: clientSecret };
}

const introspectionUrl = () => `${stack.issuer}/oauth2/introspect`;

async function introspect(caller: ClientCredentials | undefined, form: Record<string, string>) {
  const res = await fetch(introspectionUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(caller ? { authorization: basicAuth(caller.id, caller.secret) } : {}),
    },
    body: new URLSearchParams(form),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

const activeOf = async (token: string) => (await introspect(resourceServer, { token })).body;

const apiStatus = async (token: string) =>
  (await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } })).status;

const partsOf = (t: string) => t.split('.') as [string, string, string];
const claimsOf = (t: string) =>
  JSON.parse(Buffer.from(partsOf(t)[1], 'base64url').toString()) as Record<string, unknown> & {
    jti: string;
    exp: number;
    iat: number;
  };

describe('POST /oauth2/introspect (RFC 7662)', () => {
  it('is advertised in discovery with the token endpoint authentication methods (RFC 8414 §2)', async () => {
    const meta = (await (await fetch(stack.discoveryUrl)).json()) as Record<string, unknown>;
    expect(meta.introspection_endpoint).toBe(introspectionUrl());
    expect(meta.introspection_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ]);
  });

  it('answers an active token with its claims, token_type Bearer and Cache-Control no-store', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    const answer = await introspect(resourceServer, { token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ active: true, token_type: 'Bearer', ...claimsOf(token) });
    expect(answer.body).toMatchObject({
      client_id: alice.id,
      sub: alice.id,
      iss: stack.issuer,
      aud: stack.audience,
      scope: 'products/read',
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('answers active=false at once for a token revoked with RFC 7009, while the revocation document still lags', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    // The authorizer loads its revocation list now; its next refresh is DEFAULT_REVOCATIONS_REFRESH_SECONDS away.
    expect(await apiStatus(token)).toBe(200);
    const revoked = await fetch(`${stack.issuer}/oauth2/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(alice.id, alice.secret),
      },
      body: new URLSearchParams({ token }),
    });
    expect(revoked.status).toBe(200);
    expect(await activeOf(token)).toEqual(INACTIVE);
    expect(await apiStatus(token)).toBe(200);
  });

  it('answers active=false for tokens issued up to a client revocation cutoff, true for one minted after it', async () => {
    const client = await newClient('introspected-revoked');
    const before = await mintToken(stack.tokenUrl, client);
    await stack.registry.revokeTokens(client.id);
    // The next second: the token endpoint mints past the cutoff without waiting for it.
    shiftMs += 1000;
    const after = await mintToken(stack.tokenUrl, client);
    expect(await activeOf(before)).toEqual(INACTIVE);
    expect(await activeOf(after)).toMatchObject({ active: true, jti: claimsOf(after).jti });
  });

  it.each<[string, (clientId: string) => Promise<unknown>]>([
    ['disabled', (id) => stack.registry.update(id, { status: 'disabled' })],
    ['deleted', (id) => stack.registry.delete(id)],
  ])('answers active=false for a token of a %s client at once', async (_state, change) => {
    const client = await newClient('introspected-gone');
    const token = await mintToken(stack.tokenUrl, client);
    expect(await activeOf(token)).toMatchObject({ active: true });
    await change(client.id);
    expect(await activeOf(token)).toEqual(INACTIVE);
  });

  it('answers active=false from the token’s exp on, true one second before (no leeway)', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    const { exp } = claimsOf(token);
    frozenAt = (exp - 1) * 1000;
    expect(await activeOf(token)).toMatchObject({ active: true, exp });
    frozenAt = exp * 1000;
    expect(await activeOf(token)).toEqual(INACTIVE);
  });

  it.each<[string, (genuine: string) => Promise<string>]>([
    ['garbage', async () => 'not-a-token'],
    ['an empty JWS shape', async () => '..'],
    [
      "a token of another issuer, signed with that issuer's key",
      async (genuine) => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ ...claimsOf(genuine), iss: 'https://other-issuer.example' })
          .setProtectedHeader({ alg: 'RS256', kid: 'other-key', typ: 'at+jwt' })
          .sign(privateKey);
      },
    ],
    [
      "this issuer's claims and kid, signed with a foreign key",
      async (genuine) => {
        const { privateKey } = await generateKeyPair('RS256');
        const header = JSON.parse(Buffer.from(partsOf(genuine)[0], 'base64url').toString());
        return new SignJWT(claimsOf(genuine)).setProtectedHeader(header).sign(privateKey);
      },
    ],
    [
      'a genuine token with its scope widened in the payload',
      async (genuine) => {
        const [h, , sig] = partsOf(genuine);
        const payload = { ...claimsOf(genuine), scope: 'products/read products/write' };
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
      },
    ],
    [
      'a genuine token re-headed with alg none and no signature',
      async (genuine) => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
        return `${header}.${partsOf(genuine)[1]}.`;
      },
    ],
  ])('answers exactly {"active":false} for %s', async (_name, forge) => {
    const genuine = await mintToken(stack.tokenUrl, alice);
    const answer = await introspect(resourceServer, { token: await forge(genuine) });
    expect([answer.status, answer.body]).toEqual([200, INACTIVE]);
  });

  it.each(['access_token', 'refresh_token', 'something_else'])(
    'treats token_type_hint as advisory: with %s an access token is still introspected',
    async (hint) => {
      const token = await mintToken(stack.tokenUrl, alice);
      expect((await introspect(resourceServer, { token, token_type_hint: hint })).body).toMatchObject({
        active: true,
      });
    },
  );

  it('refuses an authenticated client without the introspection permission with 403 unauthorized_client and no token data', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    for (const caller of [alice, await newClient('not-a-resource-server')]) {
      const answer = await introspect(caller, { token });
      expect([answer.status, answer.body]).toEqual([
        403,
        { error: 'unauthorized_client', error_description: 'this client may not introspect tokens' },
      ]);
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers 401 invalid_client without credentials, with a wrong secret (basic and post) and for an unknown client', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    const none = await introspect(undefined, { token });
    expect([none.status, none.body]).toEqual([401, INVALID_CLIENT]);
    // From the token Lambda through the proxy integration: its challenge arrives renamed, as on AWS.
    expect(none.headers.get('x-amzn-remapped-www-authenticate')).toBe('Basic realm="keygate"');
    // Wrong Basic credentials: refused by the token client authenticator, the gateway's 401 challenges.
    const wrong = await introspect({ id: resourceServer.id, secret: 'wrong' }, { token });
    expect([wrong.status, wrong.body]).toEqual([401, INVALID_CLIENT]);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="keygate"');
    const unknown = await introspect({ id: 'no-such-client', secret: 'x' }, { token });
    expect([unknown.status, unknown.body]).toEqual([401, INVALID_CLIENT]);
    const post = await fetch(introspectionUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: resourceServer.id, client_secret: 'wrong' }),
    });
    expect([post.status, await post.json()]).toEqual([401, INVALID_CLIENT]);
  });

  it('answers 400 invalid_request for two tokens in one call, and for two authentication methods at once', async () => {
    const token = await mintToken(stack.tokenUrl, alice);
    const twice = await fetch(introspectionUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(resourceServer.id, resourceServer.secret),
      },
      body: `token=${token}&token=guess`,
    });
    expect([twice.status, ((await twice.json()) as { error: string }).error]).toEqual([
      400,
      'invalid_request',
    ]);
    const both = await fetch(introspectionUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(resourceServer.id, resourceServer.secret),
      },
      body: new URLSearchParams({
        token,
        client_id: resourceServer.id,
        client_secret: resourceServer.secret,
      }),
    });
    expect([both.status, ((await both.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
  });

  it('answers 400 invalid_request without a token, and for a token in the URL', async () => {
    const missing = await introspect(resourceServer, {});
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
    const token = await mintToken(stack.tokenUrl, alice);
    const inUrl = await fetch(`${introspectionUrl()}?client_secret=x`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(resourceServer.id, resourceServer.secret),
      },
      body: new URLSearchParams({ token }),
    });
    expect([inUrl.status, ((await inUrl.json()) as { error: string }).error]).toEqual([
      400,
      'invalid_request',
    ]);
  });

  it('rate-limits a scanning caller: 429 with Retry-After after the burst, other callers unaffected, served again after the refill', async () => {
    const scanner = await newClient('scanner', { introspect: true });
    const token = await mintToken(stack.tokenUrl, alice);
    frozenAt = now();
    for (let i = 0; i < 2 * RATE; i++) {
      expect((await introspect(scanner, { token: `guess-${i}` })).body).toEqual(INACTIVE);
    }
    const limited = await introspect(scanner, { token });
    expect([limited.status, limited.body]).toEqual([
      429,
      {
        error: 'temporarily_unavailable',
        error_description: 'too many introspection requests for this client; retry later',
      },
    ]);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await activeOf(token)).toMatchObject({ active: true });
    frozenAt += 1000;
    expect((await introspect(scanner, { token })).body).toMatchObject({ active: true });
  });

  it.each(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])(
    'works with oauth4webapi over %s',
    async (method) => {
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
        const record = await stack.registry.createWithKeys(
          { name: 'resource-server-keys', scopes: ['products/read'], introspect: true },
          { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k' }] },
        );
        // The stack's clock runs ahead of this process's by shiftMs: the client's assertions follow it.
        client = { client_id: record.clientId, [oauth.clockSkew]: Math.round(shiftMs / 1000) };
        auth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'k' });
      } else {
        client = { client_id: resourceServer.id };
        auth =
          method === 'client_secret_basic'
            ? oauth.ClientSecretBasic(resourceServer.secret)
            : oauth.ClientSecretPost(resourceServer.secret);
      }
      const token = await mintToken(stack.tokenUrl, alice);
      const answer = await oauth.processIntrospectionResponse(
        as,
        client,
        await oauth.introspectionRequest(as, client, auth, token, insecure),
      );
      expect(answer).toEqual({ active: true, token_type: 'Bearer', ...claimsOf(token) });
      const inactive = await oauth.processIntrospectionResponse(
        as,
        client,
        await oauth.introspectionRequest(as, client, auth, 'not-a-token', insecure),
      );
      expect(inactive).toEqual(INACTIVE);
    },
  );
});
