// startLocalStack: wiring, state kept across restarts (signing key, table data, demo credentials in a 0600
// file), in-memory mode, and readable startup errors (a busy port names the server).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack as startProductStack } from '../../local/stack.js';
import { type LocalStack, StackStartError, startLocalStack } from '../support/products-stack.js';

const EPHEMERAL = { auth: 0, api: 0, kms: 0, dynamodb: 0 };
/** A demo Lambda for the demo checks (never invoked: the stack refuses the demo first). */
const echo = () => async () => ({ statusCode: 200, body: '' });

async function token(stack: LocalStack, scope?: string): Promise<string> {
  const { clientId, clientSecret } = stack.demoClient;
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('in memory', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: EPHEMERAL });
  });
  afterAll(() => stack?.close());

  it('wires the URLs the way execute-api stage URLs look', () => {
    expect(stack.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/local$/);
    expect(stack.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/local$/);
    expect(stack.issuer).toBe(stack.authUrl);
    expect(stack.audience).toBe(stack.apiUrl);
    expect(stack.tokenUrl).toBe(`${stack.authUrl}/oauth2/token`);
    expect(stack.jwksUrl).toBe(`${stack.authUrl}/.well-known/jwks.json`);
    expect(stack.stateDir).toBeUndefined();
    expect(stack.demoClient.created).toBe(true);
    expect(stack.demoClient.scopes).toEqual(['products/read', 'products/write']);
    expect(stack.clientEnv).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
      AWS_REGION: 'us-east-1',
      CLIENTS_TABLE: stack.tableName,
    });
  });

  it('serves the demo client a token that the resource API accepts', async () => {
    const t = await token(stack);
    const res = await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(200);
  });
});

describe('signing-key rotation', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ inMemory: true, ports: EPHEMERAL, resultsCacheTtlSeconds: 0 });
  });
  afterAll(() => stack?.close());

  const kidOf = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid as string;
  const publishedKids = async () =>
    ((await (await fetch(stack.jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  // The keys inside the revocation list (the cold-start document) follow every step as jwks.json does.
  const listedKids = async () =>
    ((await (await fetch(`${stack.authUrl}/revocations`)).json()) as { keys: { kid: string }[] }).keys.map(
      (k) => k.kid,
    );
  const status = async (t: string) =>
    (await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${t}` } })).status;

  it('publishes the new key (in jwks.json and the revocation list), signs with it, keeps old tokens valid until the old key is retired', async () => {
    const before = await token(stack);
    expect(await status(before)).toBe(200);
    const firstKey = stack.signingKeyId;

    const { keyId, previousKeyId } = await stack.rotateSigningKey();
    expect(previousKeyId).toBe(firstKey);
    expect(stack.signingKeyId).toBe(keyId);
    expect(stack.publishedKeyIds).toEqual([firstKey, keyId]);

    const after = await token(stack);
    expect(kidOf(after)).not.toBe(kidOf(before));
    expect((await publishedKids()).sort()).toEqual([kidOf(before), kidOf(after)].sort());
    expect(await listedKids()).toEqual(await publishedKids());
    expect(await status(after)).toBe(200);
    expect(await status(before)).toBe(200);

    await expect(stack.retireKey(keyId)).rejects.toThrow('cannot retire the key tokens are signed with');
    await stack.retireKey(firstKey);
    expect(await publishedKids()).toEqual([kidOf(after)]);
    expect(await listedKids()).toEqual([kidOf(after)]);
    expect(await status(after)).toBe(200);
  });
});

describe('with a state directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygate-stack-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the signing key, the clients and the demo credentials across a restart', async () => {
    const first = await startLocalStack({ stateDir: dir, ports: EPHEMERAL });
    let firstKid: string;
    let oldToken: string;
    try {
      expect(first.stateDir).toBe(dir);
      expect(first.demoClient.created).toBe(true);
      const jwks = (await (await fetch(first.jwksUrl)).json()) as { keys: { kid: string }[] };
      firstKid = jwks.keys[0]!.kid;
      oldToken = await token(first);
      const file = join(dir, 'demo-client.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const saved = JSON.parse(await readFile(file, 'utf8'));
      expect(saved).toMatchObject({
        clientId: first.demoClient.clientId,
        clientSecret: first.demoClient.clientSecret,
      });
    } finally {
      await first.close();
    }

    const second = await startLocalStack({ stateDir: dir, ports: EPHEMERAL });
    try {
      expect(second.demoClient).toMatchObject({
        clientId: first.demoClient.clientId,
        clientSecret: first.demoClient.clientSecret,
        created: false,
      });
      const jwks = (await (await fetch(second.jwksUrl)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([firstKid]);
      // New ports mean a new issuer, so the old token is refused; a fresh one from the kept client works.
      const t = await token(second);
      expect(
        (await fetch(`${second.apiUrl}/products`, { headers: { authorization: `Bearer ${t}` } })).status,
      ).toBe(200);
      expect(oldToken).not.toBe(t);
    } finally {
      await second.close();
    }
  });
});

describe('startup errors', () => {
  it('refuses to start with neither an upstream nor a demo (the product ships no sample to fall back to)', async () => {
    const err = await startProductStack({ inMemory: true, ports: EPHEMERAL }).catch((e) => e);
    expect(err).toBeInstanceOf(StackStartError);
    expect(err).toMatchObject({ code: 'config', server: 'api' });
    expect(err.message).toBe('the resource API needs an upstream or a demo (local/demo.ts)');
  });

  it.each([
    [
      'a demo handler named like a keygate Lambda',
      {
        routes: [{ method: 'GET', path: '/x', handler: 'token', scopes: ['x/read'] }],
        handlers: { token: echo },
      },
      'demo handler token is a keygate Lambda',
    ],
    [
      'a demo route with no handler behind it',
      {
        routes: [{ method: 'GET', path: '/x', handler: 'missing', scopes: ['x/read'] }],
        handlers: { x: echo },
      },
      'demo route GET /x names no demo handler (missing)',
    ],
  ])('refuses %s before starting anything', async (_name, demo, message) => {
    const err = await startProductStack({ inMemory: true, ports: EPHEMERAL, demo }).catch((e) => e);
    expect(err).toBeInstanceOf(StackStartError);
    expect(err).toMatchObject({ code: 'config', server: 'api', message });
  });

  it('names the server whose port is busy and leaves nothing running', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const err = await startLocalStack({ inMemory: true, ports: { ...EPHEMERAL, api: busy } }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(StackStartError);
      expect(err).toMatchObject({ code: 'port_in_use', server: 'api', port: busy });
      expect(err.message).toBe(`port ${busy} is in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('removes the state folder it created when it cannot start, and keeps one that was there before', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as AddressInfo).port;
    const parent = await mkdtemp(join(tmpdir(), 'keygate-failed-start-'));
    try {
      const fresh = join(parent, 'new', 'state');
      await expect(
        startLocalStack({ stateDir: fresh, ports: { ...EPHEMERAL, api: busy } }),
      ).rejects.toMatchObject({ code: 'port_in_use', server: 'api' });
      await expect(stat(join(parent, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(
        startLocalStack({ stateDir: parent, ports: { ...EPHEMERAL, api: busy } }),
      ).rejects.toMatchObject({ code: 'port_in_use', server: 'api' });
      expect((await stat(parent)).isDirectory()).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('rejects an invalid cache TTL as a config error', async () => {
    await expect(
      startLocalStack({ inMemory: true, ports: EPHEMERAL, resultsCacheTtlSeconds: 4000 }),
    ).rejects.toMatchObject({ code: 'config', server: 'api' });
  });
});
