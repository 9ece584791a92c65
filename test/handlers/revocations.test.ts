// GET /revocations over a real dynalite table: the document shape, its reuse window on an injected clock,
// conditional GET, method refusal and a 503 with Retry-After when DynamoDB is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLIENT_RECORD_AGE_SECONDS } from '../../core/issuer/client-cache.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/revocations.js';
import { proxyEvent } from '../support/events.js';

let db: DynaliteServer;
// One clock for the handler and dynalite, whose Date header the registry stamps cutoffs with.
const clock = { t: 0 };
beforeAll(async () => {
  db = await startDynalite({ clock: () => clock.t });
});
afterAll(() => db.close());

async function setup() {
  const tableName = `rev-${Math.random().toString(36).slice(2)}`;
  clock.t = Date.parse('2030-01-01T00:00:00Z');
  const dynamodb = localDynamo(db.endpoint);
  const registry = await createTestRegistry({ dynamodb, tableName, now: () => clock.t });
  const handler = createHandler(
    createDeps(loadConfig({ CLIENTS_TABLE: tableName, REVOCATIONS_MAX_AGE_SECONDS: '5' }), {
      dynamodb,
      logger: { error() {} },
      now: () => clock.t,
    }),
  );
  return { clock, registry, handler };
}

const get = (headers: Record<string, string> = {}, httpMethod = 'GET') =>
  proxyEvent('/revocations', { httpMethod, headers });

describe('GET /revocations', () => {
  it('lists disabled clients and recent revocations, cacheable for REVOCATIONS_MAX_AGE_SECONDS', async () => {
    const { clock, registry, handler } = await setup();
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
    expect(JSON.parse(res.body)).toEqual({ disabled: [b], revoked_at: { [a]: Math.floor(clock.t / 1000) } });
    const etag = res.headers!.ETag as string;
    expect((await handler(get({ 'If-None-Match': etag }))).statusCode).toBe(304);
  });

  it('reuses one Scan for the max age, then reads again', async () => {
    const { clock, registry, handler } = await setup();
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {} });
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    clock.t += 4_999;
    expect(JSON.parse((await handler(get())).body).revoked_at).toEqual({});
    clock.t += 1;
    expect(Object.keys(JSON.parse((await handler(get())).body).revoked_at)).toEqual([a]);
  });

  it('leaves out revocations older than the longest token lifetime plus leeway', async () => {
    const { clock, registry, handler } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    clock.t += (3600 + 300 + 1) * 1000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {} });
  });

  it('lists a deleted client as disabled until none of its tokens, minted even from a stale cache, can live', async () => {
    const { clock, registry, handler } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.delete(a);
    clock.t += 5_000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [a], revoked_at: {} });
    // Longest token lifetime + leeway + the longest a token endpoint mints from a cached record.
    clock.t += (3600 + 300 + MAX_CLIENT_RECORD_AGE_SECONDS - 5) * 1000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [a], revoked_at: {} });
    clock.t += 5_000;
    expect(JSON.parse((await handler(get())).body)).toEqual({ disabled: [], revoked_at: {} });
  });

  it('refuses other methods with 405', async () => {
    const { handler } = await setup();
    const res = await handler(get({}, 'POST'));
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toBe('GET, HEAD');
  });

  it('answers 503 with Retry-After when DynamoDB is unreachable', async () => {
    const handler = createHandler(
      createDeps(loadConfig({ CLIENTS_TABLE: 't' }), {
        dynamodb: localDynamo('http://127.0.0.1:9'),
        logger: { error() {} },
      }),
    );
    const res = await handler(get());
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('5');
    expect(JSON.parse(res.body).error).toBe('temporarily_unavailable');
  });
});
