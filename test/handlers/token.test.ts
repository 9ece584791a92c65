// The token endpoint end to end: API Gateway events through the handler, real SDK clients against dynalite
// and the KMS emulator over HTTP, tokens verified with jose against the JWKS KMS publishes.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientRegistry } from '../../core/issuer/clients/client-registry.js';
import { createJwksPublisher } from '../../core/issuer/keys/jwks-publisher.js';
import { createIssuanceTable } from '../../core/issuer/tokens/shared-issuance-limiter.js';
import { createJwksKeyStore, createVerifier } from '../../core/jwt/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { startJwksServer } from '../../fixtures/jwks-server.js';
import {
  createDeps,
  createHandler,
  loadConfig,
  type TokenLogger,
  type TokenMetrics,
} from '../../handlers/token.js';
import type { KmsEmulator } from '../../local/kms/index.js';
import { basicAuth } from '../support/basic-auth.js';
import { proxyEvent } from '../support/events.js';
import { startTestKms, type TestKms } from '../support/kms.js';

const ISSUER = 'https://auth.keygate.test/prod';
const AUDIENCE = 'https://api.keygate.test';
const TABLE = 'keygate-clients';
const ALIAS = 'alias/keygate-signing';
const JSON_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};
const FORM = 'application/x-www-form-urlencoded';

let db: DynaliteServer;
let testKms: TestKms;
let kms: KmsEmulator;
let registry: ClientRegistry;
let full: { id: string; secret: string };
let readOnly: { id: string; secret: string };
let clock = Date.now();
const logLines: unknown[] = [];

const recordingLogger: TokenLogger = {
  info: (...args: unknown[]) => void logLines.push(['info', ...args]),
  warn: (...args: unknown[]) => void logLines.push(['warn', ...args]),
  error: (...args: unknown[]) => void logLines.push(['error', ...args]),
} as TokenLogger;

const env = (over: Record<string, string> = {}) => ({
  ISSUER,
  AUDIENCE,
  CLIENTS_TABLE: TABLE,
  SIGNING_KEY_ID: ALIAS,
  ...over,
});
function handlerWith(over: { dynamoEndpoint?: string; env?: Record<string, string> } = {}) {
  return createHandler(
    createDeps(loadConfig(env(over.env)), {
      dynamodb: localDynamo(over.dynamoEndpoint ?? db.endpoint),
      kms: testKms.kms,
      logger: recordingLogger,
      now: () => clock,
    }),
  );
}

let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms({ alias: ALIAS })]);
  kms = testKms.emu;
  registry = await createTestRegistry({
    dynamodb: localDynamo(db.endpoint),
    tableName: TABLE,
    now: () => clock,
  });
  const a = await registry.create({ name: 'full', scopes: ['products/read', 'products/write'] });
  full = { id: a.record.clientId, secret: a.clientSecret };
  const b = await registry.create({ name: 'reader', scopes: ['products/read'], tokenLifetimeSeconds: 600 });
  readOnly = { id: b.record.clientId, secret: b.clientSecret };
  handler = handlerWith();
});

afterAll(async () => {
  await Promise.all([db?.close(), testKms?.close()]);
});

beforeEach(() => {
  logLines.length = 0;
  testKms.reset();
});

const basic = basicAuth;

function event(over: Partial<APIGatewayProxyEvent> & { form?: string } = {}): APIGatewayProxyEvent {
  const { form, ...rest } = over;
  return proxyEvent('/oauth2/token', {
    httpMethod: 'POST',
    headers: { 'Content-Type': FORM, Authorization: basic(full.id, full.secret) },
    body: form ?? 'grant_type=client_credentials',
    ...rest,
  });
}

async function verify(token: string) {
  const jwks = await createJwksPublisher({ kms: testKms.kms, keyIds: [ALIAS] }).document();
  return jwtVerify(token, createLocalJWKSet(JSON.parse(jwks.body)), {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'at+jwt',
    algorithms: ['RS256'],
    currentDate: new Date(clock),
  });
}

function expectError(res: APIGatewayProxyResult, status: number, error: string) {
  expect(res.statusCode).toBe(status);
  const body = JSON.parse(res.body) as { error: string; error_description?: string };
  expect(body.error).toBe(error);
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  const expected: Record<string, string> = { ...JSON_HEADERS };
  if (status === 401) expected['WWW-Authenticate'] = 'Basic realm="keygate"';
  if (status === 503) expected['Retry-After'] = expect.stringMatching(/^[1-9]\d*$/) as unknown as string;
  expect(res.headers).toEqual(expected);
  return body;
}

describe('token endpoint', () => {
  it('issues an RS256 at+jwt that verifies against the published JWKS', async () => {
    const res = await handler(event());
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual(JSON_HEADERS);
    const body = JSON.parse(res.body);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'products/read products/write',
    });
    const { payload, protectedHeader } = await verify(body.access_token);
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: full.id,
      client_id: full.id,
      aud: AUDIENCE,
      scope: 'products/read products/write',
      iat: Math.floor(clock / 1000),
      exp: Math.floor(clock / 1000) + 3600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('accepts base64 bodies (isBase64Encoded) and client_secret_post', async () => {
    const form = `grant_type=client_credentials&client_id=${readOnly.id}&client_secret=${readOnly.secret}`;
    const res = await handler(
      event({
        headers: { 'content-type': FORM },
        form: Buffer.from(form).toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ expires_in: 600, scope: 'products/read' });
    expect((await verify(body.access_token)).payload.client_id).toBe(readOnly.id);
  });

  it('narrows scopes to the requested subset', async () => {
    const res = await handler(event({ form: 'grant_type=client_credentials&scope=products%2Fwrite' }));
    expect(JSON.parse(res.body).scope).toBe('products/write');
    expect((await verify(JSON.parse(res.body).access_token)).payload.scope).toBe('products/write');
  });

  it('caps the lifetime at TOKEN_MAX_LIFETIME_SECONDS', async () => {
    const capped = handlerWith({ env: { TOKEN_MAX_LIFETIME_SECONDS: '300' } });
    const res = await capped(event());
    expect(JSON.parse(res.body).expires_in).toBe(300);
  });

  describe('every RFC 6749 §5.2 error row (docs/design.md#token-errors)', () => {
    it('invalid_request: wrong content type, duplicated parameter, two auth methods, malformed body, GET', async () => {
      const auth = basic(full.id, full.secret);
      const cases: APIGatewayProxyEvent[] = [
        event({ headers: { 'content-type': 'application/json', authorization: auth } }),
        event({ headers: { authorization: auth } }),
        event({ form: 'grant_type=client_credentials&grant_type=client_credentials' }),
        event({ form: `grant_type=client_credentials&client_secret=${full.secret}` }),
        event({ form: 'grant_type=client_credentials&x=%E9' }),
        event({ form: 'scope=products/read' }),
        event({ form: `grant_type=client_credentials&pad=${'a'.repeat(9000)}` }),
        event({ form: '%%%', isBase64Encoded: true }),
        event({ httpMethod: 'GET', form: '' }),
        event({ queryStringParameters: { client_secret: full.secret } }),
      ];
      for (const e of cases) expectError(await handler(e), 400, 'invalid_request');
    });

    it('invalid_client: no auth, unknown client, wrong secret, disabled client — identical answers', async () => {
      const disabled = await registry.create({ name: 'off', scopes: ['products/read'] });
      await registry.setStatus(disabled.record.clientId, 'disabled');
      const bodies = [];
      for (const e of [
        event({ headers: { 'content-type': FORM } }),
        event({ headers: { 'content-type': FORM, authorization: basic('kg_unknown', full.secret) } }),
        event({ headers: { 'content-type': FORM, authorization: basic(full.id, `${full.secret}x`) } }),
        event({
          headers: {
            'content-type': FORM,
            authorization: basic(disabled.record.clientId, disabled.clientSecret),
          },
        }),
      ]) {
        bodies.push(expectError(await handler(e), 401, 'invalid_client'));
      }
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    });

    it('unsupported_grant_type for any other grant', async () => {
      for (const grant of ['password', 'authorization_code', 'refresh_token', 'urn:x'])
        expectError(await handler(event({ form: `grant_type=${grant}` })), 400, 'unsupported_grant_type');
    });

    it('invalid_scope for a scope the client lacks and for malformed scope', async () => {
      const reader = { 'content-type': FORM, authorization: basic(readOnly.id, readOnly.secret) };
      expectError(
        await handler(event({ headers: reader, form: 'grant_type=client_credentials&scope=products/write' })),
        400,
        'invalid_scope',
      );
      expectError(
        await handler(event({ form: 'grant_type=client_credentials&scope=products/read%20%20x' })),
        400,
        'invalid_scope',
      );
      expectError(
        await handler(event({ form: 'grant_type=client_credentials&scope=products/admin' })),
        400,
        'invalid_scope',
      );
    });

    it('temporarily_unavailable: KMS throttling after bounded retries, with Retry-After', async () => {
      await handler(event()); // kid fetched and client cached
      kms.resetCalls();
      kms.faults.throttleEveryN = 1;
      const res = await handler(event());
      expectError(res, 503, 'temporarily_unavailable');
      expect(res.headers?.['Retry-After']).toBe('1');
      expect(kms.calls.Sign).toBe(3);
      expect(logLines.at(-1)).toEqual([
        'error',
        'token request',
        expect.objectContaining({ errorCode: 'dependency_throttled', status: 503 }),
      ]);
    });

    it('counts every throttled KMS attempt as KmsThrottles: the two retried and the last', async () => {
      const recorded: string[] = [];
      const single = {
        addDimension: (name: string, value: string) => void recorded.push(`dim ${name}=${value}`),
        addMetric: (name: string) => void recorded.push(name),
      };
      const metrics = {
        addMetric: (name: string) => void recorded.push(name),
        singleMetric: () => single,
        publishStoredMetrics: () => undefined,
      } as unknown as TokenMetrics;
      const withMetrics = createHandler(
        createDeps(loadConfig(env()), {
          dynamodb: localDynamo(db.endpoint),
          kms: testKms.kms,
          logger: recordingLogger,
          metrics,
          now: () => clock,
        }),
      );
      await withMetrics(event());
      recorded.length = 0;
      kms.faults.throttleEveryN = 1;
      expect((await withMetrics(event())).statusCode).toBe(503);
      expect(recorded).toEqual([
        'KmsThrottles',
        'KmsThrottles',
        'dim error=dependency_throttled',
        'TokenErrors',
        'KmsThrottles',
      ]);
    });

    it('recovers when a throttled Sign succeeds on retry', async () => {
      await handler(event());
      kms.resetCalls();
      kms.faults.throttleEveryN = 2;
      const results = await Promise.all([handler(event()), handler(event()), handler(event())]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(kms.calls.Sign).toBeGreaterThan(3);
    });

    it('temporarily_unavailable when KMS fails', async () => {
      await handler(event());
      kms.faults.failAll = true;
      const res = await handler(event());
      expectError(res, 503, 'temporarily_unavailable');
      expect(res.headers?.['Retry-After']).toBe('5');
    });

    it('temporarily_unavailable when DynamoDB is down', async () => {
      const doomed = await startDynalite();
      await doomed.close();
      const res = await handlerWith({ dynamoEndpoint: doomed.endpoint })(event());
      expectError(res, 503, 'temporarily_unavailable');
    });

    it('server_error (500) when the clients table is missing: a deployment problem', async () => {
      const res = await handlerWith({ env: { CLIENTS_TABLE: 'missing-table' } })(event());
      expectError(res, 500, 'server_error');
    });

    it('logs the registry code of a missing table but never names the table to the client', async () => {
      const res = await handlerWith({ env: { CLIENTS_TABLE: 'missing-table' } })(event());
      expect(res.body).not.toContain('missing-table');
      expect(logLines.at(-1)).toEqual([
        'error',
        'token request',
        expect.objectContaining({ errorCode: 'table_missing', cause: 'ResourceNotFoundException' }),
      ]);
    });
  });

  it('hot clients cost no DynamoDB read', async () => {
    const hot = handlerWith();
    await hot(event());
    const before = db.requestCount();
    for (let i = 0; i < 5; i++) expect((await hot(event())).statusCode).toBe(200);
    expect(db.requestCount()).toBe(before);
  });

  it('serves cached clients while DynamoDB is down (stale-if-error)', async () => {
    const own = await startDynalite();
    const ownRegistry = await createTestRegistry({ dynamodb: localDynamo(own.endpoint), tableName: TABLE });
    const c = await ownRegistry.create({ name: 'x', scopes: ['products/read'] });
    const h = handlerWith({ dynamoEndpoint: own.endpoint, env: { CLIENT_CACHE_TTL_SECONDS: '1' } });
    const e = event({
      headers: { 'content-type': FORM, authorization: basic(c.record.clientId, c.clientSecret) },
    });
    expect((await h(e)).statusCode).toBe(200);
    await own.close();
    clock += 2000;
    expect((await h(e)).statusCode).toBe(200);
    clock -= 2000;
  });

  it('a rotated secret works at once; the previous one until its grace ends', async () => {
    const c = await registry.create({ name: 'rot', scopes: ['products/read'] });
    const h = handlerWith();
    const as = (secret: string) =>
      h(event({ headers: { 'content-type': FORM, authorization: basic(c.record.clientId, secret) } }));
    expect((await as(c.clientSecret)).statusCode).toBe(200);
    const { clientSecret: next } = await registry.rotateSecret(c.record.clientId, 600);
    clock += 1500; // past the re-read interval after a failure, well within the cache TTL
    expect((await as(next)).statusCode).toBe(200);
    expect((await as(c.clientSecret)).statusCode).toBe(200);
    clock += 600_000;
    expect((await as(c.clientSecret)).statusCode).toBe(401);
    expect((await as(next)).statusCode).toBe(200);
  });

  it('a disabled client is refused within the cache TTL', async () => {
    const c = await registry.create({ name: 'dis', scopes: ['products/read'] });
    const h = handlerWith();
    const e = event({
      headers: { 'content-type': FORM, authorization: basic(c.record.clientId, c.clientSecret) },
    });
    expect((await h(e)).statusCode).toBe(200);
    await registry.setStatus(c.record.clientId, 'disabled');
    clock += 30_000;
    expectError(await h(e), 401, 'invalid_client');
  });

  it('logs one line per request without secrets, tokens or the Authorization header', async () => {
    const res = await handler(event());
    await handler(
      event({ headers: { 'content-type': FORM, authorization: basic(full.id, 'wrong-secret') } }),
    );
    const text = JSON.stringify(logLines);
    expect(logLines).toHaveLength(2);
    expect(text).not.toContain(full.secret);
    expect(text).not.toContain('wrong-secret');
    expect(text).not.toContain(JSON.parse(res.body).access_token.split('.')[2]);
    expect(text).not.toContain('Basic ');
    expect(logLines[0]).toEqual([
      'info',
      'token request',
      expect.objectContaining({
        outcome: 'issued',
        clientId: full.id,
        authMethod: 'client_secret_basic',
        audience: AUDIENCE,
      }),
    ]);
    expect(logLines[1]).toEqual([
      'info',
      'token request',
      expect.objectContaining({ outcome: 'rejected', errorCode: 'invalid_client', status: 401 }),
    ]);
  });

  it('never throws, even for a malformed event', async () => {
    const res = await handler(undefined as unknown as APIGatewayProxyEvent);
    expectError(res, 500, 'server_error');
    expect(res.body).not.toContain('at ');
    const res2 = await handler({ httpMethod: 'POST' } as APIGatewayProxyEvent);
    expectError(res2, 400, 'invalid_request');
  });

  it("tokens pass keygate's own verifier fed by the published JWKS", async () => {
    const jwks = await createJwksPublisher({ kms: testKms.kms, keyIds: [ALIAS] }).document();
    const server = await startJwksServer({ keys: [...jwks.keys] });
    try {
      const verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keyStore: createJwksKeyStore({ jwksUri: server.url }),
        now: () => clock,
      });
      const token = JSON.parse((await handler(event())).body).access_token;
      expect(await verifier.verify(token)).toMatchObject({
        client_id: full.id,
        scope: 'products/read products/write',
      });
    } finally {
      await server.close();
    }
  });

  it('kid is the RFC 7638 thumbprint of the published key', async () => {
    const res = await handler(event());
    const jwks = JSON.parse(
      (await createJwksPublisher({ kms: testKms.kms, keyIds: [ALIAS] }).document()).body,
    );
    expect(decodeProtectedHeader(JSON.parse(res.body).access_token).kid).toBe(jwks.keys[0].kid);
  });

  it('answers POST /oauth2/introspect (RFC 7662) and logs the outcome and caller, never the token or secret', async () => {
    const jwks = await createJwksPublisher({ kms: testKms.kms, keyIds: [ALIAS] }).document();
    const server = await startJwksServer({ keys: [...jwks.keys] });
    try {
      const h = handlerWith({ env: { JWKS_URI: server.url } });
      const rs = await registry.create({ name: 'rs', scopes: ['products/read'], introspect: true });
      const token = JSON.parse((await h(event())).body).access_token as string;
      logLines.length = 0;
      const res = await h(
        proxyEvent('/oauth2/introspect', {
          httpMethod: 'POST',
          headers: { 'Content-Type': FORM, Authorization: basic(rs.record.clientId, rs.clientSecret) },
          body: new URLSearchParams({ token }).toString(),
        }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers).toEqual(JSON_HEADERS);
      expect(JSON.parse(res.body)).toMatchObject({ active: true, client_id: full.id, token_type: 'Bearer' });
      const text = JSON.stringify(logLines);
      expect(text).not.toContain(token.split('.')[1]);
      expect(text).not.toContain(rs.clientSecret);
      expect(logLines).toEqual([
        [
          'info',
          'introspection request',
          expect.objectContaining({ outcome: 'active', clientId: rs.record.clientId }),
        ],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('ISSUANCE_TABLE: the issuance limit across token-handler instances', () => {
  it('two handler instances (two Lambda environments) share one bucket: exactly the burst (twice the rate) between them', async () => {
    await createIssuanceTable(localDynamo(db.endpoint), 'keygate-issuance');
    const { record, clientSecret } = await registry.create({
      name: 'limited',
      scopes: ['products/read'],
      issuanceRatePerSecond: 3,
    });
    const withTable = { env: { ISSUANCE_TABLE: 'keygate-issuance' } };
    const [a, b] = [handlerWith(withTable), handlerWith(withTable)];
    const ask = (h: typeof a) =>
      h(event({ headers: { 'Content-Type': FORM, Authorization: basic(record.clientId, clientSecret) } }));
    clock = Math.floor(clock / 1000) * 1000 + 100;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i % 2 === 0 ? a : b)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 429, 429, 429, 429,
    ]);
    expect(answers.find((r) => r.statusCode === 429)!.headers?.['Retry-After']).toBe('1');
  });
});
