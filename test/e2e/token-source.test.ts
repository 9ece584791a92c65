// keygate/client's token source against the real local stack: discovery from the issuer, a token the API
// accepts, 1,000 concurrent callers on one token request, and the issuer's refusals as typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSource } from '../../client/index.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

let stack: LocalStack;
let reader: { id: string; secret: string };

async function newClient(name: string, scopes: string[]) {
  const issued = await stack.registry.create({ name, scopes });
  return { id: issued.record.clientId, secret: issued.clientSecret };
}

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  reader = await newClient('token-source-reader', ['products/read']);
}, 60_000);
afterAll(() => stack?.close());

describe('createTokenSource on the local stack', () => {
  it('finds the token endpoint from the issuer and calls the API with the token', async () => {
    const tokens = createTokenSource({
      issuer: stack.issuer,
      clientId: reader.id,
      clientSecret: reader.secret,
    });
    const res = await tokens.fetch(`${stack.apiUrl}/products`);
    expect(res.status).toBe(200);
  });

  it('sends 1,000 concurrent callers of a cold source on exactly one token request', async () => {
    const before = stack.gateways.auth.stats.integrationInvocations;
    const tokens = createTokenSource({
      tokenEndpoint: stack.tokenUrl,
      clientId: reader.id,
      clientSecret: reader.secret,
    });
    const got = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
    expect(new Set(got).size).toBe(1);
    expect(stack.gateways.auth.stats.integrationInvocations - before).toBe(1);
  });

  it.each([
    [
      'a wrong secret',
      () => ({ clientId: reader.id, clientSecret: 'not-the-secret' }),
      'invalid_client',
      401,
    ],
    ['an unknown client', () => ({ clientId: 'kg_nobody', clientSecret: 'x' }), 'invalid_client', 401],
    [
      'a scope the client lacks',
      () => ({ clientId: reader.id, clientSecret: reader.secret, scope: 'products/write' }),
      'invalid_scope',
      400,
    ],
  ])('rejects %s with the typed error, asking once', async (_, credentials, code, status) => {
    const before = stack.gateways.auth.stats.requests;
    const tokens = createTokenSource({ tokenEndpoint: stack.tokenUrl, ...credentials() });
    await expect(tokens.getToken()).rejects.toMatchObject({ code, status, retryable: false });
    expect(stack.gateways.auth.stats.requests - before).toBe(1);
  });
});
