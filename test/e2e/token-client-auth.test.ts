// RFC 6749 §5.2's `WWW-Authenticate` on the token endpoint's 401, over real HTTP through the local stack,
// which runs the auth API as KeygateIssuer deploys it (docs/token-endpoint-401.md): wrong client_secret_basic
// credentials are refused by the client authenticator with the UNAUTHORIZED gateway response and its Basic
// challenge; everything else reaches the token Lambda, whose own WWW-Authenticate arrives renamed.
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../support/basic-auth.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

let stack: LocalStack;
let client: { id: string; secret: string };
let disabled: { id: string; secret: string };

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

async function tokenRequest(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

const post = (id: string, secret: string) =>
  `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`;

async function newClient(name: string) {
  const issued = await stack.registry.create({ name, scopes: ['products/read'] });
  return { id: issued.record.clientId, secret: issued.clientSecret };
}

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  client = await newClient('basic-challenge');
  disabled = await newClient('basic-challenge-disabled');
  await stack.registry.setStatus(disabled.id, 'disabled');
}, 60_000);
afterAll(() => stack?.close());

describe('token endpoint 401 with client_secret_basic (RFC 6749 §5.2)', () => {
  it.each([
    ['a wrong secret', () => basicAuth(client.id, 'not-the-secret')],
    ['an unknown client', () => basicAuth('kg_unknown', 'not-the-secret')],
    ['a disabled client', () => basicAuth(disabled.id, disabled.secret)],
    ['another scheme', () => 'Bearer abc'],
  ])('answers %s with 401 invalid_client and WWW-Authenticate: Basic, from the gateway', async (_, auth) => {
    const invocations = stack.gateways.auth.stats.integrationInvocations;
    const { res, body } = await tokenRequest('grant_type=client_credentials', { authorization: auth() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="keygate"');
    expect(res.headers.get('x-amzn-remapped-www-authenticate')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(body).toEqual(INVALID_CLIENT);
    // API Gateway answered: the token Lambda never ran.
    expect(stack.gateways.auth.stats.integrationInvocations).toBe(invocations);
  });

  it('issues a token for the right Basic credentials', async () => {
    const { res, body } = await tokenRequest('grant_type=client_credentials', {
      authorization: basicAuth(client.id, client.secret),
    });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'products/read' });
  });

  it('gives a standard client (oauth4webapi) the parsed Basic challenge and the invalid_client body', async () => {
    const as = { issuer: stack.issuer, token_endpoint: stack.tokenUrl };
    const oauthClient: oauth.Client = { client_id: client.id };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      oauthClient,
      oauth.ClientSecretBasic('not-the-secret'),
      {},
      { [oauth.allowInsecureRequests]: true },
    );
    const error = await oauth.processClientCredentialsResponse(as, oauthClient, res).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = error as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'keygate' } }]);
    expect(await challenge.response.json()).toEqual(INVALID_CLIENT);
  });

  it('keeps the token Lambda’s 400 for a malformed Basic header', async () => {
    const { res, body } = await tokenRequest('grant_type=client_credentials', { authorization: 'Basic !!!' });
    expect(res.status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: 'malformed Basic credentials' });
  });
});

describe('token endpoint with client_secret_post (no Authorization header)', () => {
  it('issues a token for the right credentials in the body', async () => {
    const { res, body } = await tokenRequest(post(client.id, client.secret));
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'products/read' });
  });

  // RFC 6749 §5.2 asks for WWW-Authenticate only when the client used the Authorization header. These 401s
  // come from the token Lambda through the proxy integration, so its challenge arrives renamed, as on AWS.
  it.each([
    ['a wrong secret in the body', () => post(client.id, 'not-the-secret')],
    ['no credentials at all', () => 'grant_type=client_credentials'],
  ])('answers %s with the token Lambda’s 401 invalid_client, its challenge renamed', async (_, form) => {
    const { res, body } = await tokenRequest(form());
    expect(res.status).toBe(401);
    expect(body).toEqual(INVALID_CLIENT);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('x-amzn-remapped-www-authenticate')).toBe('Basic realm="keygate"');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('token endpoint while DynamoDB is down', () => {
  it('answers a never-seen Basic client with the token Lambda’s 503 and Retry-After', async () => {
    const unseen = await newClient('basic-challenge-unseen');
    await stack.stopDynamo();
    try {
      const { res, body } = await tokenRequest('grant_type=client_credentials', {
        authorization: basicAuth(unseen.id, unseen.secret),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the service is temporarily unavailable, retry later',
      });
    } finally {
      await stack.startDynamo();
    }
  });
});
