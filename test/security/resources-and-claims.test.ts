// Attacks on RFC 8707 resources, client claims and introspection answers on the local stack: a resource
// spelt another way is another resource (aud is compared as an exact string, RFC 7519 §4.1.3); claim values
// cannot carry header syntax; introspection tells an inactive token's caller nothing about why.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../support/basic-auth.js';
import { clientsCli, createClientWithCli } from '../support/clients-cli.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

const BILLING = 'https://billing.example.test/v1';
let stack: LocalStack;
let multi: { id: string; secret: string };

const form = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
const post = (url: string, c: { id: string; secret: string }, body: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(c.id, c.secret),
    },
    body,
  });
const token = (c: { id: string; secret: string }, extra = '') =>
  post(stack.tokenUrl, c, `grant_type=client_credentials${extra}`);

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    audiences: [BILLING],
  });
  multi = await createClientWithCli(stack.clientEnv, [
    '--name',
    'multi',
    '--scopes',
    'products/read',
    '--resources',
    `${stack.audience} ${BILLING}`,
    '--rate',
    '1000',
  ]);
}, 60_000);
afterAll(() => stack?.close());

describe('a resource spelt another way is refused with 400 invalid_target', () => {
  it.each([
    ['a trailing slash', `${BILLING}/`],
    ['the host in upper case', BILLING.replace('billing.example.test', 'BILLING.EXAMPLE.TEST')],
    ['the scheme in upper case', BILLING.replace('https', 'HTTPS')],
    ['the default port spelt out', BILLING.replace('.test/', '.test:443/')],
    ['an unreserved character percent-encoded (%76 for v)', BILLING.replace('/v1', '/%761')],
    ['a dot segment', BILLING.replace('/v1', '/x/../v1')],
    ['a query', `${BILLING}?x=1`],
    ['userinfo', BILLING.replace('https://', 'https://admin@')],
  ])('%s', async (_name, resource) => {
    const res = await token(multi, `&resource=${encodeURIComponent(resource)}`);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_target']);
  });

  it.each([
    ['a leading space', `%20${encodeURIComponent(BILLING)}`],
    ['a trailing CR LF', `${encodeURIComponent(BILLING)}%0D%0A`],
    ['a NUL', `${encodeURIComponent(BILLING)}%00`],
    ['a full-width solidus', encodeURIComponent(BILLING.replace('/v1', '\uff0fv1'))],
  ])('%s', async (_name, encoded) => {
    const res = await token(multi, `&resource=${encoded}`);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_target']);
  });

  it('the exact spelling gets that one audience; an empty resource= is omitted (RFC 6749 §3.1): the default', async () => {
    const exact = await token(multi, `&resource=${encodeURIComponent(BILLING)}`);
    expect(decodeJwt(((await exact.json()) as { access_token: string }).access_token).aud).toBe(BILLING);
    const empty = await token(multi, '&resource=');
    expect(decodeJwt(((await empty.json()) as { access_token: string }).access_token).aud).toBe(
      stack.audience,
    );
  });

  it('a resource in the URL query is 400 invalid_request, never a second resource', async () => {
    const res = await fetch(`${stack.tokenUrl}?resource=${encodeURIComponent(BILLING)}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(multi.id, multi.secret),
      },
      body: 'grant_type=client_credentials',
    });
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
  });
});

describe('claim values and names that would smuggle headers are refused by the CLI (exit 2)', () => {
  it.each([
    ['a CR LF and a forged identity header', 'tenant=acme\r\nX-Keygate-Client-Id: kg_admin'],
    ['a bare LF', 'tenant=acme\nx'],
    ['a NUL', 'tenant=acme\u0000'],
    ['a TAB', 'tenant=ac\tme'],
    ['non-ASCII', 'tenant=\uff41cme'],
    ['a leading space', 'tenant= acme'],
    ['a header name as the claim name', 'X-Keygate-Client-Id=kg_admin'],
    ['an upper-case name (another header spelling)', 'Tenant=acme'],
    ['a registered claim name (client_id)', 'client_id=kg_admin'],
    ['a registered claim name (scope)', 'scope=products/admin'],
    ['a dash in the name', 'client-id=kg_admin'],
  ])('%s', async (_name, claim) => {
    const run = await clientsCli(stack.clientEnv, [
      'create',
      '--name',
      'smuggler',
      '--scopes',
      'products/read',
      '--claim',
      claim,
    ]);
    expect([run.code, run.out]).toEqual([2, '']);
    expect(run.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('one claim name given twice (the later value would silently win)', async () => {
    const args = [
      '--name',
      'twice',
      '--scopes',
      'products/read',
      '--claim',
      'tenant=acme',
      '--claim',
      'tenant=globex',
    ];
    const run = await clientsCli(stack.clientEnv, ['create', ...args]);
    expect([run.code, run.out, run.err]).toEqual([2, '', 'error: --claim tenant is given twice\n']);
  });
});

describe('introspection answers tell the caller nothing about why a token is inactive', () => {
  it('a revoked token, a disabled client’s token, a tampered token and garbage get byte-identical answers', async () => {
    const caller = await createClientWithCli(stack.clientEnv, [
      '--name',
      'rs',
      '--scopes',
      'products/read',
      '--introspect',
    ]);
    const mint = async (c: { id: string; secret: string }) =>
      ((await (await token(c)).json()) as { access_token: string }).access_token;
    const victim = await createClientWithCli(stack.clientEnv, ['--name', 'v', '--scopes', 'products/read']);
    const disabled = await createClientWithCli(stack.clientEnv, ['--name', 'd', '--scopes', 'products/read']);
    const revoked = await mint(victim);
    expect((await post(`${stack.issuer}/oauth2/revoke`, victim, `token=${revoked}`)).status).toBe(200);
    const ofDisabled = await mint(disabled);
    // The registry call the CLI makes (the CLI then waits out the authorizers' caches, which this does not need).
    await stack.registry.setStatus(disabled.id, 'disabled');
    const live = await mint(victim);
    const [h, p, s] = live.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -2)}AA`;
    const answers = await Promise.all(
      [revoked, ofDisabled, tampered, 'garbage'].map(async (t) => {
        const res = await post(`${stack.issuer}/oauth2/introspect`, caller, form({ token: t }));
        return [res.status, res.headers.get('content-type'), await res.text()];
      }),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual([200, 'application/json;charset=UTF-8', '{"active":false}']);
  });
});
