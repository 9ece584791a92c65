// RFC 8707 resource indicators end to end on the local stack: the issuer serves two audiences (the resource
// API's own and a second API's), the admin CLI registers clients with resources, `resource=` picks the
// token's one `aud`, a resource the client may not have is invalid_target, and the resource API's
// authorizer accepts only its own audience, so a token minted for the other API is refused there.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { basicAuth } from '../support/basic-auth.js';
import { clientsCli, createClientWithCli } from '../support/clients-cli.js';

const BILLING = 'https://billing.example.test/v1';
let stack: LocalStack;

const cli = (args: string[]) => clientsCli(stack.clientEnv, args);
const createClient = (...extra: string[]) =>
  createClientWithCli(stack.clientEnv, ['--name', 'multi', '--scopes', 'products/read', ...extra]);

const token = (c: { id: string; secret: string }, extra = '') =>
  fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(c.id, c.secret),
    },
    body: `grant_type=client_credentials${extra}`,
  });

async function accessToken(c: { id: string; secret: string }, extra = ''): Promise<string> {
  const res = await token(c, extra);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const products = (t: string) =>
  fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${t}` } });

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    audiences: [BILLING],
    // Every call reaches the authorizer: a cached policy must not hide an audience refusal.
    resultsCacheTtlSeconds: 0,
  });
});
afterAll(() => stack?.close());

describe('resource indicators (RFC 8707) on the local stack', () => {
  it('the CLI registers resources and a default, and shows them', async () => {
    const c = await createClient(
      '--resources',
      `${stack.audience},${BILLING}`,
      '--default-resource',
      BILLING,
    );
    expect(c.view).toMatchObject({ resources: [stack.audience, BILLING], default_resource: BILLING });
  });

  it('resource= picks the one aud; no resource gives the client default', async () => {
    const c = await createClient(
      '--resources',
      `${stack.audience},${BILLING}`,
      '--default-resource',
      BILLING,
    );
    expect(decodeJwt(await accessToken(c)).aud).toBe(BILLING);
    expect(decodeJwt(await accessToken(c, `&resource=${encodeURIComponent(stack.audience)}`)).aud).toBe(
      stack.audience,
    );
  });

  it('the resource API accepts a token for its own audience and refuses one minted for the other API', async () => {
    const c = await createClient('--resources', `${stack.audience},${BILLING}`);
    const own = await accessToken(c, `&resource=${encodeURIComponent(stack.audience)}`);
    const other = await accessToken(c, `&resource=${encodeURIComponent(BILLING)}`);
    expect((await products(own)).status).toBe(200);
    const refused = await products(other);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ message: 'Unauthorized' });
  });

  it.each([
    ['a resource the client is not registered for', () => `&resource=${encodeURIComponent(BILLING)}`],
    ['a resource the issuer does not serve', () => '&resource=https%3A%2F%2Fevil.example'],
    [
      'two resources',
      () => `&resource=${encodeURIComponent(stack.audience)}&resource=${encodeURIComponent(BILLING)}`,
    ],
    ['a resource with a fragment', () => `&resource=${encodeURIComponent(`${stack.audience}#x`)}`],
  ])('a client without resources asking for %s gets 400 invalid_target', async (_, extra) => {
    const plain = await createClient();
    const res = await token(plain, extra());
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('a client registered without resources keeps getting the API audience', async () => {
    const plain = await createClient();
    expect(decodeJwt(await accessToken(plain)).aud).toBe(stack.audience);
  });

  it('the CLI refuses a bad resource with one line and exit 2', async () => {
    const r = await cli([
      'create',
      '--name',
      'bad',
      '--scopes',
      'products/read',
      '--resources',
      'https://a.example#f',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error: resource "https://a.example#f" is a URI with a fragment (RFC 8707: an absolute URI without a fragment)\n',
    );
  });
});
