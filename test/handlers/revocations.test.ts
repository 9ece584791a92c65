// GET /revocations over a real dynalite table and the KMS emulator: the document shape (with the JWKS's
// keys, following the key state as /.well-known/jwks.json does), its reuse window on an injected clock,
// conditional GET, method refusal, a list without keys when KMS is down and a 503 when DynamoDB is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLIENT_RECORD_AGE_SECONDS } from '../../core/issuer/clients/client-cache.js';
import { createKeyStateStore } from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import * as jwksHandler from '../../handlers/jwks.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/revocations.js';
import { proxyEvent } from '../support/events.js';
import { localKms, startTestKms, type TestKms } from '../support/kms.js';

let db: DynaliteServer;
let testKms: TestKms;
// One clock for the handler and dynalite, whose Date header the registry stamps cutoffs with.
const clock = { t: 0 };
beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite({ clock: () => clock.t }), startTestKms()]);
});
afterAll(async () => {
  await Promise.all([db.close(), testKms.close()]);
});

const quiet = { warn() {}, error() {} };

async function setup() {
  const tableName = `rev-${Math.random().toString(36).slice(2)}`;
  clock.t = Date.parse('2030-01-01T00:00:00Z');
  const dynamodb = localDynamo(db.endpoint);
  const { kms } = testKms;
  const registry = await createTestRegistry({ dynamodb, tableName, now: () => clock.t });
  const env = { CLIENTS_TABLE: tableName, SIGNING_KEY_ID: testKms.keyId, REVOCATIONS_MAX_AGE_SECONDS: '5' };
  const handler = createHandler(
    createDeps(loadConfig(env), { dynamodb, kms, logger: quiet, now: () => clock.t }),
  );
  // /.well-known/jwks.json from the same settings, on the same clock: the keys the list must carry.
  const jwks = jwksHandler.createHandler(
    jwksHandler.createDeps(jwksHandler.loadConfig(env), { dynamodb, kms, logger: quiet, now: () => clock.t }),
  );
  const jwksKeys = async () => JSON.parse((await jwks(proxyEvent('/.well-known/jwks.json'))).body).keys;
  const keys = await jwksKeys();
  const keyState = createKeyStateStore({ dynamodb, tableName });
  return { clock, registry, handler, keys, jwksKeys, keyState };
}

const get = (headers: Record<string, string> = {}, httpMethod = 'GET') =>
  proxyEvent('/revocations', { httpMethod, headers });

describe('GET /revocations', () => {
  it('lists disabled clients and recent revocations, cacheable for REVOCATIONS_MAX_AGE_SECONDS', async () => {
    const { clock, registry, handler, keys } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    const b = (await registry.create({ name: 'b', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    await registry.setStatus(b, 'disabled');
    const res = await handler(get());
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'Cache-Control': 'public, max-age=5',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(res.body)).toEqual({
      disabled: [b],
      revoked_at: { [a]: Math.floor(clock.t / 1000) },
      keys,
    });
    const etag = res.headers!.ETag as string;
    expect((await handler(get({ 'If-None-Match': etag }))).statusCode).toBe(304);
  });

  it('reuses one Scan for the max age, then reads again', async () => {
    const { clock, registry, handler, keys } = await setup();
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {}, keys });
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    clock.t += 4_999;
    expect(JSON.parse((await handler(get())).body).revoked_at).toEqual({});
    clock.t += 1;
    expect(Object.keys(JSON.parse((await handler(get())).body).revoked_at)).toEqual([a]);
  });

  it('leaves out revocations older than the longest token lifetime plus leeway', async () => {
    const { clock, registry, handler, keys } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    clock.t += (3600 + 300 + 1) * 1000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {}, keys });
  });

  it('lists a deleted client as disabled until none of its tokens, minted even from a stale cache, can live', async () => {
    const { clock, registry, handler, keys } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.delete(a);
    clock.t += 5_000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [a], revoked_at: {}, keys });
    // Longest token lifetime + leeway + the longest a token endpoint mints from a cached record.
    clock.t += (3600 + 300 + MAX_CLIENT_RECORD_AGE_SECONDS - 5) * 1000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [a], revoked_at: {}, keys });
    clock.t += 5_000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {}, keys });
  });

  it('refuses other methods with 405', async () => {
    const { handler } = await setup();
    const res = await handler(get({}, 'POST'));
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toBe('GET, HEAD');
  });

  it('answers 503 with Retry-After when DynamoDB is unreachable', async () => {
    const handler = createHandler(
      createDeps(loadConfig({ CLIENTS_TABLE: 't', SIGNING_KEY_ID: testKms.keyId }), {
        dynamodb: localDynamo('http://127.0.0.1:9'),
        kms: testKms.kms,
        logger: quiet,
      }),
    );
    const res = await handler(get());
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('5');
    expect(JSON.parse(res.body).error).toBe('temporarily_unavailable');
  });

  it('carries the keys a key-state change publishes once the key-state cache expires, as jwks.json does', async () => {
    const { clock, handler, keys, jwksKeys, keyState } = await setup();
    expect(JSON.parse((await handler(get())).body).keys).toEqual(keys);
    const { keyId: nextKeyId } = await testKms.emu.createKey({});
    await keyState.write(
      { signingKeyId: testKms.keyId, publishedKeyIds: [testKms.keyId, nextKeyId] },
      undefined,
    );
    // Inside KEY_STATE_CACHE_SECONDS (10) both still serve the cached set; past it both serve the new one.
    clock.t += 9_999;
    expect(await jwksKeys()).toEqual(keys);
    expect(JSON.parse((await handler(get())).body).keys).toEqual(keys);
    clock.t += 1;
    const rotated = await jwksKeys();
    expect(rotated).toHaveLength(2);
    expect(JSON.parse((await handler(get())).body).keys).toEqual(rotated);
  });

  it('serves the list without keys, still refusing revoked clients, when KMS is unreachable', async () => {
    const tableName = `rev-${Math.random().toString(36).slice(2)}`;
    const dynamodb = localDynamo(db.endpoint);
    const registry = await createTestRegistry({ dynamodb, tableName, now: () => clock.t });
    const b = (await registry.create({ name: 'b', scopes: ['products/read'] })).record.clientId;
    await registry.setStatus(b, 'disabled');
    const handler = createHandler(
      createDeps(loadConfig({ CLIENTS_TABLE: tableName, SIGNING_KEY_ID: testKms.keyId }), {
        dynamodb,
        kms: localKms('http://127.0.0.1:9'),
        logger: quiet,
        now: () => clock.t,
      }),
    );
    const res = await handler(get());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ disabled: [b], revoked_at: {} });
  });

  it('refuses a config without any signing key id', () => {
    expect(() => loadConfig({ CLIENTS_TABLE: 't' })).toThrow(
      'SIGNING_KEY_ID or PUBLISHED_KEY_IDS is required',
    );
  });
});
