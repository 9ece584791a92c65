// `keygate start` without --routes: the built-in echo demo behind the local stack answers 200 with what
// reached it, 401 without a token and 403 for a token without the route's scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_DEMO_ROUTES, type EchoDemo, startEchoDemo } from '../../local/echo-demo.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { basicAuth } from '../support/basic-auth.js';

let demo: EchoDemo;
let stack: LocalStack;

beforeAll(async () => {
  demo = await startEchoDemo();
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: demo.upstream,
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await demo?.close();
});

async function token(scope: string): Promise<string> {
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(stack.demoClient.clientId, stack.demoClient.clientSecret),
    },
    body: `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('the built-in echo demo', () => {
  it("gives the demo client the route table's scopes", () => {
    expect(stack.demoClient.scopes).toEqual(['demo/read', 'demo/write']);
    expect(ECHO_DEMO_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /hello', 'POST /hello']);
  });

  it('echoes an authorized request with the context headers the gateway adds', async () => {
    const res = await fetch(`${stack.apiUrl}/hello?x=1`, {
      headers: { authorization: `Bearer ${await token('demo/read')}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      method: string;
      path: string;
      query: unknown;
      context: Record<string, string>;
    };
    expect(body).toMatchObject({ method: 'GET', path: '/hello', query: { x: '1' } });
    expect(body.context['x-keygate-client-id']).toBe(stack.demoClient.clientId);
  });

  it("a client's own X-Keygate-Client-Id never reaches the demo: it sees the token's client", async () => {
    const res = await fetch(`${stack.apiUrl}/hello`, {
      headers: {
        authorization: `Bearer ${await token('demo/read')}`,
        'x-keygate-client-id': 'kg_forged',
        'X-Keygate_Client_Id': 'kg_forged',
      },
    });
    const body = (await res.json()) as { context: Record<string, string> };
    expect(body.context).toMatchObject({ 'x-keygate-client-id': stack.demoClient.clientId });
    expect(Object.values(body.context)).not.toContain('kg_forged');
  });

  it('401 without a token, 403 for a read token on the write route', async () => {
    expect((await fetch(`${stack.apiUrl}/hello`)).status).toBe(401);
    const read = await token('demo/read');
    const post = await fetch(`${stack.apiUrl}/hello`, {
      method: 'POST',
      headers: { authorization: `Bearer ${read}` },
      body: '{}',
    });
    expect(post.status).toBe(403);
  });
});
