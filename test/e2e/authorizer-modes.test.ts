// The same end-to-end flows against the whole local stack in both authorizer modes (keygate's Lambda TOKEN
// authorizer, API Gateway's native JWT authorizer), in process and through `npm start -- --authorizer native`
// as a child process. A standard OAuth client (oauth4webapi) does discovery and the client-credentials grant;
// the resource API answers 200/201, 401, 403 and 404 in each mode, with each mode's own 401/403 answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidToken } from '../../local/gateway/jwt-authorizer.js';
import { type AuthorizerMode, type LocalStack, startLocalStack } from '../support/products-stack.js';

interface ModeAnswers {
  readonly unauthorized: { readonly body: string; readonly wwwAuthenticate: string };
  readonly forbidden: { readonly body: string; readonly wwwAuthenticate: string };
}

const ANSWERS: Record<AuthorizerMode, ModeAnswers> = {
  lambda: {
    unauthorized: {
      body: '{"message":"Unauthorized"}',
      wwwAuthenticate: 'Bearer realm="keygate", error="invalid_token"',
    },
    forbidden: {
      body: '{"Message":"User is not authorized to access this resource"}',
      wwwAuthenticate: 'Bearer realm="keygate", error="insufficient_scope"',
    },
  },
  native: {
    unauthorized: {
      body: '{"message":"Unauthorized"}',
      wwwAuthenticate: invalidToken('the token is missing'),
    },
    forbidden: {
      body: '{"message":"Forbidden"}',
      wwwAuthenticate:
        'Bearer scope="products/write" error="insufficient_scope" error_description="the token does not have the required scopes"',
    },
  },
};

interface Target {
  readonly mode: AuthorizerMode;
  readonly issuer: string;
  readonly apiUrl: string;
  /** The demo client (products/read and products/write). */
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

async function inProcess(mode: AuthorizerMode): Promise<Target> {
  const stack: LocalStack = await startLocalStack({
    inMemory: true,
    authorizer: mode,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
  });
  const { clientId, clientSecret } = stack.demoClient;
  return { mode, issuer: stack.issuer, apiUrl: stack.apiUrl, clientId, clientSecret, close: stack.close };
}

/** `npm start -- --in-memory --authorizer native` on free ports; URLs and credentials read from its banner. */
async function npmStart(mode: AuthorizerMode): Promise<Target> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'examples/products/start.ts',
      '--in-memory',
      '--quiet',
      '--authorizer',
      mode,
      '--auth-port',
      '0',
      '--api-port',
      '0',
      '--kms-port',
      '0',
      '--dynamodb-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.resume();
  const field = (re: RegExp) => re.exec(out)?.[1];
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.includes('Ctrl-C stops everything.') ? resolve() : undefined);
    child.stdout!.on('data', check);
    exited.then(() => reject(new Error(`npm start exited before it was ready:\n${out}`)), reject);
  });
  return {
    mode,
    issuer: field(/Auth API \(issuer\)\s+(\S+)/)!,
    apiUrl: field(/Resource API\s+(\S+)/)!,
    clientId: field(/client_id\s+(\S+)/)!,
    clientSecret: field(/client_secret\s+(\S+)/)!,
    async close() {
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    },
  };
}

describe.each([
  ['lambda authorizer (in process)', () => inProcess('lambda')],
  ['native JWT authorizer (in process)', () => inProcess('native')],
  ['native JWT authorizer (npm start -- --authorizer native)', () => npmStart('native')],
])('resource API with the %s', (_name, startTarget) => {
  let target: Target;
  let as: oauth.AuthorizationServer;
  const insecure = { [oauth.allowInsecureRequests]: true } as const;

  beforeAll(async () => {
    target = await startTarget();
    const issuer = new URL(target.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
  }, 30_000);
  afterAll(() => target?.close());

  /** The client-credentials grant through oauth4webapi (client_secret_basic); `scope` narrows the grant. */
  async function tokenFor(scope?: string): Promise<string> {
    const client: oauth.Client = { client_id: target.clientId };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(target.clientSecret),
      scope ? { scope } : {},
      insecure,
    );
    return (await oauth.processClientCredentialsResponse(as, client, res)).access_token;
  }
  const readOnly = () => tokenFor('products/read');

  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${target.apiUrl}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    });
  const post = (token: string) =>
    api('/products', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"tea","price":3}',
    });

  it('answers 200 to a token from a standard OAuth client, and the integration sees who called', async () => {
    const res = await api('/products', await readOnly());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { caller: { clientId: string; scope: string } };
    expect(body.caller).toEqual({
      principalId: target.clientId,
      clientId: target.clientId,
      scope: 'products/read',
    });
  });

  it('answers 201 to a write-scoped POST, and the new product reads back with a read-only token (200)', async () => {
    const created = await post(await tokenFor());
    expect(created.status).toBe(201);
    const { product } = (await created.json()) as { product: { id: string } };
    expect((await api(`/products/${product.id}`, await readOnly())).status).toBe(200);
  });

  it('answers 404 from the integration for an unknown product behind a valid token', async () => {
    expect((await api('/products/p-none', await readOnly())).status).toBe(404);
  });

  it("answers 401 with the mode's body and WWW-Authenticate without a token", async () => {
    const res = await api('/products');
    expect(res.status).toBe(401);
    expect(await res.text()).toBe(ANSWERS[target.mode].unauthorized.body);
    expect(res.headers.get('www-authenticate')).toBe(ANSWERS[target.mode].unauthorized.wwwAuthenticate);
  });

  it('answers 401 to a token whose signature was altered', async () => {
    const [h, p, s] = (await readOnly()).split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 1;
    expect((await api('/products', `${h}.${p}.${sig.toString('base64url')}`)).status).toBe(401);
  });

  it("answers 403 with the mode's body and WWW-Authenticate to a read-only token on POST", async () => {
    const res = await post(await readOnly());
    expect(res.status).toBe(403);
    expect(await res.text()).toBe(ANSWERS[target.mode].forbidden.body);
    expect(res.headers.get('www-authenticate')).toBe(ANSWERS[target.mode].forbidden.wwwAuthenticate);
  });
});
