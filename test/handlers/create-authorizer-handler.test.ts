// createAuthorizerHandler (keygate/authorizer): a TOKEN authorizer from options, with the route table as
// data, against a real JWKS server: policies over `{param}` and `{proxy+}` routes, and misconfiguration
// refused at creation with the field named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { type JwksServer, startJwksServer } from '../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { createAuthorizerHandler, type ProtectedRoute } from '../../handlers/create-authorizer-handler.js';
import { evaluatePolicy } from '../../local/gateway/evaluate-policy.js';

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod';
const ROUTES: ProtectedRoute[] = [
  { method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] },
  { method: 'PUT', path: '/files/{proxy+}', scopes: ['files/write'] },
];

let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer({ keys: [testKey().jwk] });
});
afterAll(() => jwks?.close());

const options = () => ({
  issuer: TEST_ISSUER,
  audience: [TEST_AUDIENCE, 'https://other.example.com'],
  jwksUri: jwks.url,
  routes: ROUTES,
  logger: null,
  metrics: null,
});

describe('createAuthorizerHandler', () => {
  it.each([
    ['orders/read', 'GET', '/orders/7', 'allow'],
    ['orders/read', 'PUT', '/files/a/b.txt', 'implicit_deny'],
    ['files/write', 'PUT', '/files/a/b.txt', 'allow'],
    ['files/write', 'GET', '/orders/7', 'implicit_deny'],
  ])('a %s token: %s %s is %s', async (scope, verb, path, decision) => {
    const handler = createAuthorizerHandler(options());
    const token = signToken({ claims: { scope } });
    const result = await handler({
      type: 'TOKEN',
      authorizationToken: `Bearer ${token}`,
      methodArn: `${ARN}/GET/x`,
    });
    expect(evaluatePolicy(result.policyDocument, `${ARN}/${verb}${path}`)).toBe(decision);
    expect(result.context).toMatchObject({ clientId: 'client-1', scope });
  });

  it('throws Unauthorized for a token with an audience it does not accept', async () => {
    const handler = createAuthorizerHandler(options());
    const token = signToken({ claims: { aud: 'https://elsewhere.example.com' } });
    await expect(
      handler({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: `${ARN}/GET/orders/1` }),
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('refuses a route table with a bad field, naming it', () => {
    expect(() =>
      createAuthorizerHandler({ ...options(), routes: [{ method: 'GET', path: '/a/{b', scopes: ['s'] }] }),
    ).toThrow(
      expect.objectContaining({ code: 'route_table', message: 'routes[0].path has an invalid segment "{b"' }),
    );
  });

  it('refuses a tuning knob out of bounds with the env name it maps to', () => {
    expect(() => createAuthorizerHandler({ ...options(), clockLeewaySeconds: 301 })).toThrow(ConfigError);
    expect(() => createAuthorizerHandler({ ...options(), clockLeewaySeconds: 301 })).toThrow(
      /CLOCK_LEEWAY_SECONDS must be an integer from 0 to 300 \(got "301"\)/,
    );
  });

  it('downloads the JWKS and the revocation list with the fetch it is given', async () => {
    const revocations = await startJwksServer(JSON.stringify({ disabled: [], revoked_at: {} }));
    try {
      const fetched: string[] = [];
      const handler = createAuthorizerHandler({
        ...options(),
        revocationsUri: revocations.url,
        fetch: (input, init) => {
          fetched.push(String(input));
          return globalThis.fetch(input, init);
        },
      });
      const token = signToken({ claims: { scope: 'orders/read' } });
      const result = await handler({
        type: 'TOKEN',
        authorizationToken: `Bearer ${token}`,
        methodArn: `${ARN}/GET/x`,
      });
      expect([evaluatePolicy(result.policyDocument, `${ARN}/GET/orders/7`), fetched.sort()]).toEqual([
        'allow',
        [jwks.url, revocations.url].sort(),
      ]);
    } finally {
      await revocations.close();
    }
  });

  it('refuses the token of a client the revocation list names as disabled', async () => {
    const revocations = await startJwksServer(JSON.stringify({ disabled: ['client-1'], revoked_at: {} }));
    try {
      const handler = createAuthorizerHandler({ ...options(), revocationsUri: revocations.url });
      const token = signToken({ claims: { scope: 'orders/read' } });
      await expect(
        handler({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: `${ARN}/GET/orders/1` }),
      ).rejects.toThrow(/^Unauthorized$/);
    } finally {
      await revocations.close();
    }
  });
});
