// End to end over HTTP against the whole local stack (in memory, ephemeral ports): the admin CLI creates
// clients, tokens come over client_secret_basic and client_secret_post, the resource API answers through
// the real TOKEN authorizer (JWKS fetched over HTTP), every auth-server response is checked against its
// RFC shape, standard OAuth client libraries (oauth4webapi, openid-client) do discovery + the grant, a
// cold authorizer needs one request to the auth API (the revocation list carries the keys), and malformed
// HTTP is refused.
import { createHash, createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { bodyOf, raw, send, statusOf } from '../local/gateway/http.js';
import { basicAuth } from '../support/basic-auth.js';
import { clientsCli } from '../support/clients-cli.js';

let stack: LocalStack;
let reader: { id: string; secret: string };
let writer: { id: string; secret: string };

const cli = (args: string[]) => clientsCli(stack.clientEnv, args);

async function createClient(name: string, scopes: string): Promise<{ id: string; secret: string }> {
  const r = await cli(['--json', 'create', '--name', name, '--scopes', scopes]);
  expect(r.code, r.err).toBe(0);
  const parsed = JSON.parse(r.out) as { client: { client_id: string }; client_secret: string };
  return { id: parsed.client.client_id, secret: parsed.client_secret };
}

const basic = basicAuth;

async function tokenRequest(body: string, headers: Record<string, string> = {}) {
  return fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

async function tokenFor(c: { id: string; secret: string }, scope?: string): Promise<string> {
  const res = await tokenRequest(`grant_type=client_credentials${scope ? `&scope=${scope}` : ''}`, {
    authorization: basic(c.id, c.secret),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const api = (path: string, init: RequestInit & { token?: string } = {}) => {
  const { token, ...rest } = init;
  return fetch(`${stack.apiUrl}${path}`, {
    ...rest,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(rest.headers as Record<string, string>),
    },
  });
};

/** POST /products with a JSON body, as a client creating a product. */
const postProduct = (token: string, body: string) =>
  api('/products', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  reader = await createClient('e2e-reader', 'products/read');
  writer = await createClient('e2e-writer', 'products/read products/write');
});
afterAll(() => stack?.close());

describe('token endpoint (RFC 6749 §4.4, §5)', () => {
  it('issues a Bearer token over client_secret_basic with the RFC 6749 §5.1 shape', async () => {
    const res = await tokenRequest('grant_type=client_credentials', {
      authorization: basic(writer.id, writer.secret),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe('products/read products/write');
    expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('issues over client_secret_post, narrowing the scope on request', async () => {
    const res = await tokenRequest(
      `grant_type=client_credentials&client_id=${writer.id}&client_secret=${encodeURIComponent(writer.secret)}&scope=products%2Fread`,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('products/read');
  });

  it('issues RFC 9068 access tokens that verify against the published JWKS', async () => {
    const token = await tokenFor(writer);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(stack.jwksUrl)), {
      issuer: stack.issuer,
      audience: stack.audience,
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: writer.id,
      client_id: writer.id,
      scope: 'products/read products/write',
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('answers errors with RFC 6749 §5.2 bodies', async () => {
    const wrong = await tokenRequest('grant_type=client_credentials', {
      authorization: basic(writer.id, 'nope'),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    // The client authenticator refused it: the gateway response carries the challenge (test/e2e/token-client-auth.test.ts).
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="keygate"');
    const grant = await tokenRequest('grant_type=password', {
      authorization: basic(writer.id, writer.secret),
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const scope = await tokenRequest('grant_type=client_credentials&scope=products%2Fwrite', {
      authorization: basic(reader.id, reader.secret),
    });
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope' });
    const none = await tokenRequest('grant_type=client_credentials');
    expect(none.status).toBe(401);
    const json = await tokenRequest('{"grant_type":', {
      authorization: basic(writer.id, writer.secret),
      'content-type': 'application/json',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toMatch(/^invalid_request$/);
  });
});

describe('JWKS and discovery (RFC 7517, RFC 7638, RFC 8414)', () => {
  it('publishes the signing key as an RFC 7517 RSA JWK with an RFC 7638 thumbprint kid', async () => {
    const res = await fetch(stack.jwksUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(key.n!, 'base64url').length).toBe(256);
    // The key parses, and the kid is the RFC 7638 §3 thumbprint computed here from scratch.
    expect(
      createPublicKey({ key: { kty: 'RSA', n: key.n!, e: key.e! }, format: 'jwk' }).asymmetricKeyType,
    ).toBe('rsa');
    const canonical = `{"e":"${key.e}","kty":"RSA","n":"${key.n}"}`;
    expect(key.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
    const again = await fetch(stack.jwksUrl, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('serves the revocation list with the JWKS keys in it, cacheable for REVOCATIONS_MAX_AGE_SECONDS', async () => {
    const { keys } = (await (await fetch(stack.jwksUrl)).json()) as { keys: unknown[] };
    const res = await fetch(`${stack.authUrl}/revocations`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const doc = (await res.json()) as { keys: unknown[] };
    expect(Object.keys(doc).sort()).toEqual(['disabled', 'keys', 'revoked_at']);
    expect(doc.keys).toEqual(keys);
    expect(
      (await fetch(`${stack.authUrl}/revocations`, { headers: { 'if-none-match': etag! } })).status,
    ).toBe(304);
  });

  it('serves RFC 8414 metadata at both well-known paths, consistent with the issuer', async () => {
    const a = await fetch(stack.discoveryUrl);
    const b = await fetch(`${stack.issuer}/.well-known/oauth-authorization-server`);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const meta = (await a.json()) as Record<string, unknown>;
    expect(await b.json()).toEqual(meta);
    expect(meta).toMatchObject({
      issuer: stack.issuer,
      token_endpoint: stack.tokenUrl,
      jwks_uri: stack.jwksUrl,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      scopes_supported: ['products/read', 'products/write'],
    });
    // Nothing keygate does not do: no authorization endpoint, no response types, no ID tokens.
    for (const member of [
      'authorization_endpoint',
      'response_types_supported',
      'subject_types_supported',
      'id_token_signing_alg_values_supported',
    ]) {
      expect(meta).not.toHaveProperty(member);
    }
    expect(new URL(meta.issuer as string).search).toBe('');
    expect(new URL(meta.issuer as string).hash).toBe('');
  });

  // 'oidc' discovery appends the well-known path to the issuer (the stage URL); RFC 8414 §3.1 inserts it
  // before the path, which API Gateway's stage prefix cannot serve (docs/operations.md).
  it('works with a standard OAuth client (oauth4webapi, oidc discovery), then the client-credentials grant', async () => {
    const issuer = new URL(stack.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
    );
    for (const auth of [oauth.ClientSecretBasic(writer.secret), oauth.ClientSecretPost(writer.secret)]) {
      const client: oauth.Client = { client_id: writer.id };
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        auth,
        { scope: 'products/read' },
        {
          [oauth.allowInsecureRequests]: true,
        },
      );
      const result = await oauth.processClientCredentialsResponse(as, client, res);
      expect(result.token_type).toBe('bearer');
      expect(result.scope).toBe('products/read');
      expect((await api('/products', { token: result.access_token })).status).toBe(200);
    }
  });

  // A wrong Basic secret gets the auth API's RFC 6749 §5.2 challenge (docs/token-endpoint-401.md), which
  // openid-client surfaces as such; a wrong form secret gets the plain invalid_client body.
  it.each([
    [
      'client_secret_basic',
      (secret: string) => openid.ClientSecretBasic(secret),
      {
        name: 'WWWAuthenticateChallengeError',
        status: 401,
        cause: [{ scheme: 'basic', parameters: { realm: 'keygate' } }],
      },
    ],
    [
      'client_secret_post',
      (secret: string) => openid.ClientSecretPost(secret),
      { name: 'ResponseBodyError', status: 401, error: 'invalid_client' },
    ],
  ])(
    'works with openid-client over %s: discovery, the grant, and a refused wrong secret',
    async (_name, auth, refused) => {
      const discover = (secret: string) =>
        openid.discovery(new URL(stack.issuer), writer.id, undefined, auth(secret), {
          algorithm: 'oidc',
          execute: [openid.allowInsecureRequests],
        });
      const tokens = await openid.clientCredentialsGrant(await discover(writer.secret), {
        scope: 'products/read',
      });
      expect([tokens.token_type, tokens.scope]).toEqual(['bearer', 'products/read']);
      expect((await api('/products', { token: tokens.access_token })).status).toBe(200);
      await expect(
        openid.clientCredentialsGrant(await discover(`${writer.secret}x`), { scope: 'products/read' }),
      ).rejects.toMatchObject(refused);
    },
  );
});

describe('resource API behind the TOKEN authorizer', () => {
  it('allows reads and writes per scope, and refuses a read-only token on POST /products (403)', async () => {
    const ro = await tokenFor(reader);
    const list = await api('/products', { token: ro });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { caller: { clientId: string } };
    expect(body.caller.clientId).toBe(reader.id);
    const post = await postProduct(ro, '{"name":"tea","price":3}');
    expect(post.status).toBe(403);
    expect(await post.text()).toBe('{"Message":"User is not authorized to access this resource"}');
    expect(post.headers.get('www-authenticate')).toBe('Bearer realm="keygate", error="insufficient_scope"');

    const rw = await tokenFor(writer);
    const created = await postProduct(rw, '{"name":"tea","price":3}');
    expect(created.status).toBe(201);
    const { product } = (await created.json()) as { product: { id: string } };
    expect((await api(`/products/${product.id}`, { token: ro })).status).toBe(200);
  });

  it('answers 401 without a token, with a tampered payload or signature, and for a non-JWT', async () => {
    const none = await api('/products');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="keygate", error="invalid_token"');
    const t = await tokenFor(reader);
    const [h, p, s] = t.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const escalated = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'products/write' })).toString('base64url')}.${s}`;
    expect((await api('/products', { token: escalated })).status).toBe(401);
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 1;
    expect((await api('/products', { token: `${h}.${p}.${sig.toString('base64url')}` })).status).toBe(401);
    expect((await api('/products', { token: 'not-a-jwt' })).status).toBe(401);
  });

  it('a cold authorizer makes exactly one request to the auth API before its first decision', async () => {
    const t = await tokenFor(reader);
    const before = stack.gateways.auth.stats.requests;
    stack.deploy('authorizer'); // a fresh container: empty key store, no revocation list
    stack.gateways.api.flushAuthorizerCache();
    const res = await api('/products', { token: t });
    expect(res.status).toBe(200);
    // GET /revocations only: its keys start the key store, so no GET of /.well-known/jwks.json.
    expect(stack.gateways.auth.stats.requests - before).toBe(1);
  });

  it('invokes the authorizer once for N calls with one token, and a cached GET allow does not open POST', async () => {
    const t = await tokenFor(reader);
    const before = stack.gateways.api.stats.authorizerInvocations;
    for (let i = 0; i < 10; i++)
      expect((await api(i % 2 ? '/products' : '/products/x1', { token: t })).status).not.toBe(401);
    expect(stack.gateways.api.stats.authorizerInvocations - before).toBe(1);
    expect((await api('/products', { method: 'POST', token: t, body: '{}' })).status).toBe(403);
    expect(stack.gateways.api.stats.authorizerInvocations - before).toBe(1);
    stack.gateways.api.flushAuthorizerCache();
    await api('/products', { token: t });
    expect(stack.gateways.api.stats.authorizerInvocations - before).toBe(2);
  });
});

describe('malformed HTTP', () => {
  it('refuses bad JSON, huge headers, invalid methods and path traversal, and keeps serving', async () => {
    const rw = await tokenFor(writer);
    const badJson = await postProduct(rw, '{"name": "tea", ');
    expect(badJson.status).toBe(400);
    const port = stack.gateways.api.port;
    const big = await raw(
      port,
      `GET /local/products HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(statusOf(big)).toBe(431);
    const method = await raw(port, 'BREW /local/products HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(statusOf(method)).toBe(400);
    // Dot segments never resolve (403 before the authorizer); an encoded slash stays inside one parameter.
    for (const path of ['/local/products/../products', '/local/products/.']) {
      const r = await send(stack.gateways.api.origin, { path, headers: { authorization: `Bearer ${rw}` } });
      expect(r.status, path).toBe(403);
      expect(r.text).toBe('{"message":"Missing Authentication Token"}');
    }
    // An escaped dot has two readings (RFC 3986 §2.3): refused (test/security/paths.test.ts has the rest).
    const dots = await send(stack.gateways.api.origin, {
      path: '/local/%2e%2e/local/products',
      headers: { authorization: `Bearer ${rw}` },
    });
    expect([dots.status, dots.text]).toEqual([400, '{"message":"Bad Request"}']);
    const encoded = await send(stack.gateways.api.origin, {
      path: '/local/products/..%2f..%2fetc%2fpasswd',
      headers: { authorization: `Bearer ${rw}` },
    });
    expect(encoded.status).toBe(404);
    const token = await raw(
      stack.gateways.auth.port,
      'POST /local/oauth2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nConnection: close\r\n\r\n%%%%%',
    );
    expect(statusOf(token)).toBe(400);
    expect(JSON.parse(bodyOf(token))).toMatchObject({ error: 'invalid_request' });
    expect((await api('/products', { token: rw })).status).toBe(200);
  });
});
