// Property-based fuzzing of the token endpoint's input (handlers/token.ts over a real dynalite registry):
// arbitrary bodies, base64 flags, content types, headers, duplicate parameters and huge values. The handler
// must never throw, never answer 500, never hang, and always return an RFC 6749 §5.2 JSON error with a 4xx
// (or a 200 token response for a valid request).

import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenMinter } from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createLocalSigner } from '../../fixtures/local-signer.js';
import { testKey } from '../../fixtures/tokens.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/token.js';
import { basicAuth } from '../support/basic-auth.js';

const ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);
const DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

let dynalite: DynaliteServer;
let dynamo: ReturnType<typeof localDynamo>;
let handler: ReturnType<typeof createHandler>;
let client: { id: string; secret: string };

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamo = localDynamo(dynalite.endpoint);
  const registry = await createTestRegistry({ dynamodb: dynamo, tableName: 'fuzz-clients' });
  const created = await registry.create({ name: 'fuzz', scopes: ['products/read'] });
  client = { id: created.record.clientId, secret: created.clientSecret };
  const config = loadConfig({
    ISSUER: 'https://auth.keygate.test/prod',
    AUDIENCE: 'https://api.keygate.test',
    CLIENTS_TABLE: 'fuzz-clients',
    SIGNING_KEY_ID: 'unused',
  });
  const signer = createLocalSigner(testKey('fuzz-token').privateKey);
  const logger = { info() {}, warn() {}, error() {} };
  handler = createHandler(
    createDeps(config, {
      dynamodb: dynamo,
      signer,
      minter: createTokenMinter({ signer, issuer: config.ISSUER, audience: config.AUDIENCE }),
      logger,
    }),
  );
});

afterAll(async () => {
  dynamo?.destroy();
  await dynalite?.close();
});

function event(parts: {
  method?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  query?: Record<string, string> | null;
  body: string | null;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEvent {
  return {
    httpMethod: parts.method ?? 'POST',
    headers: parts.headers ?? {},
    multiValueHeaders: parts.multiValueHeaders ?? {},
    queryStringParameters: parts.query ?? null,
    body: parts.body,
    isBase64Encoded: parts.isBase64Encoded ?? false,
    requestContext: { requestId: 'fuzz' },
  } as unknown as APIGatewayProxyEvent;
}

async function check(e: APIGatewayProxyEvent): Promise<number> {
  const res = await handler(e);
  expect(res.headers?.['Cache-Control']).toBe('no-store');
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if (res.statusCode === 200) {
    expect(typeof body.access_token).toBe('string');
    return 200;
  }
  expect([400, 401]).toContain(res.statusCode);
  expect(ERRORS.has(body.error as string)).toBe(true);
  if (body.error_description !== undefined) expect(body.error_description).toMatch(DESCRIPTION);
  if (res.statusCode === 401) expect(res.headers?.['WWW-Authenticate']).toMatch(/^Basic realm=/);
  return res.statusCode;
}

const basic = basicAuth;
const formPart = fc.oneof(
  fc.constantFrom(
    'grant_type',
    'client_id',
    'client_secret',
    'scope',
    'grant_type=client_credentials',
    '%',
    '%zz',
    '+',
    '&&',
    '=',
    '%00',
    '%C3%28',
    '%FF',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8',
    'application/x-www-form-urlencoded; charset=latin1',
    'application/x-www-form-urlencoded;charset="UTF-8"',
    'application/json',
    'multipart/form-data; boundary=x',
    '',
  ),
  fc.string({ maxLength: 60 }),
);

describe('token endpoint hostile input', () => {
  it('answers arbitrary form bodies with 200 or an RFC error, never 500', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(formPart, formPart), { maxLength: 8 }),
        contentType,
        fc.boolean(),
        fc.option(
          fc.oneof(
            fc.constant(basic(client.id, client.secret)),
            fc.string({ maxLength: 80 }),
            fc.constantFrom(
              'Basic',
              'Basic ',
              'Basic ====',
              'Basic Og==',
              'Bearer x',
              'basic   Zm9vOmJhcg==',
            ),
          ),
          { nil: undefined },
        ),
        async (pairs, ct, base64, authorization) => {
          runs++;
          const raw = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          const headers: Record<string, string> = { 'Content-Type': ct };
          if (authorization !== undefined) headers.Authorization = authorization;
          await check(
            event({
              headers,
              body: base64 ? Buffer.from(raw).toString('base64') : raw,
              isBase64Encoded: base64,
            }),
          );
        },
      ),
      { numRuns: 400 },
    );
    expect(runs).toBe(400);
  });

  it('handles arbitrary bytes, base64 flags, huge values, duplicates and odd header maps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.constant(null),
          fc
            .nat({ max: 40_000 })
            .map((n) => `grant_type=client_credentials&client_id=${'a'.repeat(n)}&client_secret=x`),
          fc
            .nat({ max: 20_000 })
            .map((n) => `grant_type=client_credentials&scope=${'products/read '.repeat(n)}`),
          fc.constant(
            `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}`,
          ),
          fc.constant(
            `grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}&client_secret=${client.secret}`,
          ),
        ),
        fc.boolean(),
        fc.constantFrom('POST', 'GET', 'post', 'PUT', ''),
        fc.dictionary(
          fc.constantFrom('content-type', 'Content-Type', 'authorization', 'AUTHORIZATION', 'x-other'),
          fc.string({ maxLength: 60 }),
        ),
        fc.dictionary(
          fc.constantFrom('content-type', 'authorization'),
          fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
        ),
        fc.option(
          fc.dictionary(fc.constantFrom('client_secret', 'scope', 'q'), fc.string({ maxLength: 10 })),
          { nil: null },
        ),
        async (body, base64, method, headers, multi, query) => {
          await check(
            event({
              method,
              headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
              multiValueHeaders: multi,
              query,
              body: body !== null && base64 ? Buffer.from(body, 'latin1').toString('base64') : body,
              isBase64Encoded: base64,
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('still issues for a valid request afterwards (and for valid variants)', async () => {
    const ok = `grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}`;
    expect(
      await check(event({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: ok })),
    ).toBe(200);
    expect(
      await check(
        event({
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic(client.id, client.secret),
          },
          body: Buffer.from('grant_type=client_credentials&scope=products%2Fread').toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    ).toBe(200);
  });
});
