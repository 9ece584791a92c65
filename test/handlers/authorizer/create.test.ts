// createAuthorizerHandler (keygate/authorizer): a TOKEN authorizer from options, with the route table as
// data, against a real JWKS server: policies over `{param}` and `{proxy+}` routes, and misconfiguration
// refused at creation with the field named.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';
import { createAuthorizerHandler, type ProtectedRoute } from '../../../handlers/authorizer/create.js';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';

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
  // Revocation off where a test is about something else; the default is tested below.
  revocationsUri: false as const,
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

  it('puts client claims in the context, and contextClaims even when a token has none', async () => {
    const handler = createAuthorizerHandler({ ...options(), contextClaims: ['tenant', 'region'] });
    const call = (claims: Record<string, unknown>) =>
      handler({
        type: 'TOKEN',
        authorizationToken: `Bearer ${signToken({ claims: { scope: 'orders/read', ...claims } })}`,
        methodArn: `${ARN}/GET/orders`,
      });
    expect((await call({ tenant: 'acme' })).context).toMatchObject({
      claim_tenant: 'acme',
      claim_region: '',
    });
    expect((await call({})).context).toMatchObject({ claim_tenant: '', claim_region: '' });
  });

  it('refuses a route table with a bad field, naming it', () => {
    expect(() =>
      createAuthorizerHandler({ ...options(), routes: [{ method: 'GET', path: '/a/{b', scopes: ['s'] }] }),
    ).toThrow(
      expect.objectContaining({ code: 'route_table', message: 'routes[0].path has an invalid segment "{b"' }),
    );
  });

  it('refuses a tuning knob out of bounds, naming the option', () => {
    expect(() => createAuthorizerHandler({ ...options(), clockLeewaySeconds: 301 })).toThrow(ConfigError);
    expect(() => createAuthorizerHandler({ ...options(), clockLeewaySeconds: 301 })).toThrow(
      'clockLeewaySeconds must be an integer from 0 to 300 (got "301")',
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

  describe('revocation by default', () => {
    let issuer: { url: string; paths: string[]; close(): Promise<void> };
    beforeAll(async () => {
      // A keygate-like issuer on loopback: the list at {issuer}/revocations names client-1 as disabled.
      const paths: string[] = [];
      const server = createServer((req, res) => {
        paths.push(req.url ?? '');
        if (req.url !== '/prod/revocations') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ disabled: ['client-1'], revoked_at: {} }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      issuer = {
        url: `http://127.0.0.1:${port}/prod`,
        paths,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      };
    });
    afterAll(() => issuer.close());

    const withIssuer = (extra: { revocationsUri?: string | false } = {}) => {
      const { revocationsUri: _off, ...rest } = options();
      return { ...rest, issuer: issuer.url, ...extra };
    };
    const call = (handler: ReturnType<typeof createAuthorizerHandler>) =>
      handler({
        type: 'TOKEN',
        authorizationToken: `Bearer ${signToken({ claims: { iss: issuer.url, scope: 'orders/read' } })}`,
        methodArn: `${ARN}/GET/orders/1`,
      });

    it('with no revocation option, loads {issuer}/revocations and refuses a disabled client', async () => {
      issuer.paths.length = 0;
      await expect(call(createAuthorizerHandler(withIssuer()))).rejects.toThrow(/^Unauthorized$/);
      expect(issuer.paths).toEqual(['/prod/revocations']);
    });

    it('with revocationsUri: false, reads no list and accepts the token until exp', async () => {
      issuer.paths.length = 0;
      const result = await call(createAuthorizerHandler(withIssuer({ revocationsUri: false })));
      expect(result.principalId).toBe('client-1');
      expect(issuer.paths).toEqual([]);
    });

    it('refuses an issuer whose derived list URL is not https, naming the setting and the opt-out', () => {
      expect(() =>
        createAuthorizerHandler({ ...withIssuer(), issuer: 'http://auth.example.com/prod' }),
      ).toThrow(
        'revocationsUri is unset and the one derived from issuer (http://auth.example.com/prod/revocations) must use https (http is allowed only for loopback hosts); set revocationsUri, or false to turn revocation checks off',
      );
    });

    it('fails closed (an error: 500, not a policy) while the list cannot be loaded; max stale is bounded', async () => {
      const handler = createAuthorizerHandler({
        ...withIssuer({ revocationsUri: `${issuer.url}/gone` }),
        revocationsMaxStaleSeconds: 1,
      });
      await expect(call(handler)).rejects.toThrow(/^RevocationsUnavailable$/);
      expect(() => createAuthorizerHandler({ ...withIssuer(), revocationsMaxStaleSeconds: 0 })).toThrow(
        'revocationsMaxStaleSeconds must be an integer from 1 to 86400 (got "0")',
      );
    });
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
