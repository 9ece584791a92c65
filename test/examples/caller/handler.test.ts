// The caller example as a Lambda would run it: env set, module imported once, two invocations against the
// real local stack; the token is asked for once, after one discovery read.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack.js';

let stack: LocalStack;
let expected: unknown;

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  const issued = await stack.registry.create({ name: 'caller-example', scopes: ['products/read'] });
  vi.stubEnv('KEYGATE_ISSUER', stack.issuer);
  vi.stubEnv('KEYGATE_CLIENT_ID', issued.record.clientId);
  vi.stubEnv('KEYGATE_CLIENT_SECRET', issued.clientSecret);
  vi.stubEnv('PRODUCTS_API_URL', stack.apiUrl);
  const minted = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: issued.record.clientId,
      client_secret: issued.clientSecret,
    }),
  });
  const { access_token } = (await minted.json()) as { access_token: string };
  expected = await (
    await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${access_token}` } })
  ).json();
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await stack?.close();
});

describe('examples/caller/handler', () => {
  it('lists the products on two invocations with one token request', async () => {
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      sent.push(new URL(url).pathname);
      return realFetch(input, init);
    });
    const { handler } = await import('../../../examples/caller/handler.js');
    expect(await handler()).toEqual(expected);
    expect(await handler()).toEqual(expected);
    const stage = new URL(stack.issuer).pathname;
    expect(sent.filter((p) => p.startsWith(stage) && !p.endsWith('/products'))).toEqual([
      `${stage}/.well-known/openid-configuration`,
      `${stage}/oauth2/token`,
    ]);
  });
});
