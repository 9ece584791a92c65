import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryErrorFrom } from '../../../../core/issuer/clients/client-item.js';
import { createClientRegistry } from '../../../../core/issuer/clients/client-registry.js';
import { checkClientSecret, hashClientSecret } from '../../../../core/issuer/clients/client-secret.js';
import { RegistryError } from '../../../../core/issuer/errors.js';
import { KMS_RSA_REQUEST_QUOTA_PER_SECOND } from '../../../../core/issuer/keys/kms-quotas.js';
import { ALL_SCOPES } from '../../../../examples/products/routes.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../../fixtures/dynalite.js';

let db: DynaliteServer;
let clock = Date.parse('2030-01-01T00:00:00Z');
const now = () => clock;

beforeAll(async () => {
  // dynalite answers with this clock's Date: the registry stamps cutoffs with the server's time.
  db = await startDynalite({ clock: now });
});
afterAll(async () => {
  await db.close();
});

const freshRegistry = (table = `clients-${Math.random().toString(36).slice(2)}`) =>
  createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: table, now, scopes: ALL_SCOPES });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return (err as RegistryError).code;
  }
  throw new Error('expected a RegistryError');
}

describe('client registry over DynamoDB (dynalite)', () => {
  it('creates a client with the id and secret a deployment gives, storing only the secret hash', async () => {
    const registry = await freshRegistry();
    const clientSecret = `${'Ab1'.repeat(21)}x`;
    const { record } = await registry.create(
      { name: 'billing', scopes: ['products/read'] },
      { clientId: 'kg_AAAAAAAAAAAAAAAAAAAAAA', clientSecret },
    );
    expect(record.clientId).toBe('kg_AAAAAAAAAAAAAAAAAAAAAA');
    expect(record.secretHash).toBe(hashClientSecret(clientSecret));
    expect(
      checkClientSecret(clientSecret, await registry.get(record.clientId, { consistent: true }), clock),
    ).toBe(true);
  });

  it.each([
    ['a short given secret', { clientSecret: 'password123' }, 'invalid_secret'],
    ['a given id not of the kg_ form', { clientId: '#keygate/signing-keys' }, 'invalid_client_id'],
  ])('refuses %s and writes nothing', async (_name, given, code) => {
    const registry = await freshRegistry();
    expect(await codeOf(registry.create({ name: 'x', scopes: ['products/read'] }, given))).toBe(code);
    expect(await registry.list()).toEqual([]);
  });

  it('creates a client, stores only the hash and reads it back', async () => {
    const registry = await freshRegistry();
    const { record, clientSecret } = await registry.create({
      name: ' orders service ',
      scopes: ['products/write', 'products/read', 'products/read'],
    });
    expect(record).toEqual({
      clientId: expect.stringMatching(/^kg_[A-Za-z0-9_-]{22}$/),
      name: 'orders service',
      scopes: ['products/read', 'products/write'],
      status: 'active',
      tokenLifetimeSeconds: 3600,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
      secretHash: hashClientSecret(clientSecret),
    });
    expect(await registry.get(record.clientId)).toEqual(record);
    expect(await registry.get(record.clientId, { consistent: true })).toEqual(record);
    expect(JSON.stringify(await registry.list())).not.toContain(clientSecret);
  });

  it('returns undefined for unknown, empty and oversized ids', async () => {
    const registry = await freshRegistry();
    expect(await registry.get('kg_nope')).toBeUndefined();
    expect(await registry.get('')).toBeUndefined();
    expect(await registry.get('x'.repeat(5000))).toBeUndefined();
  });

  it('validates scopes, name and lifetime', async () => {
    const registry = await freshRegistry();
    expect(await codeOf(registry.create({ name: 'a', scopes: ['products/delete'] }))).toBe('invalid_scope');
    expect(await codeOf(registry.create({ name: 'a', scopes: [] }))).toBe('invalid_scope');
    expect(await codeOf(registry.create({ name: '  ', scopes: ['products/read'] }))).toBe('invalid_name');
    expect(
      await codeOf(registry.create({ name: 'a', scopes: ['products/read'], tokenLifetimeSeconds: 59 })),
    ).toBe('invalid_lifetime');
    const ok = await registry.create({ name: 'a', scopes: ['products/read'], tokenLifetimeSeconds: 60 });
    expect(ok.record.tokenLifetimeSeconds).toBe(60);
  });

  it('lists every client across Scan pages, oldest first', async () => {
    const registry = await freshRegistry();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      ids.push((await registry.create({ name: `c${i}`, scopes: ['products/read'] })).record.clientId);
    }
    // Big items force dynalite's 1 MB Scan page limit to paginate.
    for (let i = 0; i < 4; i++) {
      clock += 1000;
      const { record } = await registry.create({ name: 'x'.repeat(200), scopes: ['products/read'] });
      await localDynamo(db.endpoint).send(
        new PutItemCommand({
          TableName: registry.tableName,
          Item: {
            client_id: { S: record.clientId },
            name: { S: `big${i}` },
            scopes: { L: [{ S: 'products/read' }] },
            status: { S: 'active' },
            token_lifetime_seconds: { N: '3600' },
            created_at: { S: record.createdAt },
            updated_at: { S: record.updatedAt },
            secret_hash: { S: record.secretHash! },
            padding: { S: 'p'.repeat(350_000) },
          },
        }),
      );
      ids.push(record.clientId);
    }
    const listed = await registry.list();
    expect(listed.map((r) => r.clientId)).toEqual(ids);
  });

  it('disables, enables and updates with a fresh updatedAt; unknown ids fail', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'a', scopes: ['products/read'] });
    clock += 5000;
    const disabled = await registry.setStatus(record.clientId, 'disabled');
    expect(disabled.status).toBe('disabled');
    expect(disabled.updatedAt).toBe(new Date(clock).toISOString());
    expect(disabled.createdAt).toBe(record.createdAt);
    expect((await registry.setStatus(record.clientId, 'active')).status).toBe('active');
    const updated = await registry.update(record.clientId, {
      scopes: ['products/write'],
      tokenLifetimeSeconds: 600,
      name: 'b',
    });
    expect(updated).toMatchObject({ scopes: ['products/write'], tokenLifetimeSeconds: 600, name: 'b' });
    expect(await codeOf(registry.setStatus('kg_missing', 'disabled'))).toBe('unknown_client');
    expect(await registry.get('kg_missing')).toBeUndefined();
  });

  it('rotates the secret keeping the previous one for the grace period', async () => {
    const registry = await freshRegistry();
    const { record, clientSecret: first } = await registry.create({ name: 'a', scopes: ['products/read'] });
    const { record: rotated, clientSecret: second } = await registry.rotateSecret(record.clientId, 3600);
    expect(second).not.toBe(first);
    expect(rotated.secretHash).toBe(hashClientSecret(second));
    expect(rotated.previousSecretHash).toBe(hashClientSecret(first));
    expect(rotated.previousSecretExpiresAt).toBe(new Date(clock + 3_600_000).toISOString());
    expect(checkClientSecret(first, rotated, clock)).toBe(true);
    expect(checkClientSecret(first, rotated, clock + 3_600_000)).toBe(false);
    const { record: again, clientSecret: third } = await registry.rotateSecret(record.clientId, 0);
    expect(again.previousSecretHash).toBeUndefined();
    expect(again.previousSecretExpiresAt).toBeUndefined();
    expect(checkClientSecret(second, again, clock)).toBe(false);
    expect(checkClientSecret(third, again, clock)).toBe(true);
    expect(await codeOf(registry.rotateSecret(record.clientId, -1))).toBe('invalid_grace');
    expect(await codeOf(registry.rotateSecret('kg_missing', 10))).toBe('unknown_client');
  });

  it('refuses a status other than active or disabled as invalid_status', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'a', scopes: ['products/read'] });
    const status = 'paused' as Parameters<typeof registry.setStatus>[1];
    expect(await codeOf(registry.setStatus(record.clientId, status))).toBe('invalid_status');
    expect((await registry.get(record.clientId))?.status).toBe('active');
  });

  it('reports a rotation that lost a race to another writer as concurrent_update', async () => {
    const winner = await freshRegistry();
    const { record } = await winner.create({ name: 'a', scopes: ['products/read'] });
    // The other rotation lands between this registry's read and its conditional write.
    const dynamodb = localDynamo(db.endpoint);
    const send = dynamodb.send.bind(dynamodb) as (command: unknown) => Promise<unknown>;
    let raced = false;
    dynamodb.send = (async (command: unknown) => {
      if (!raced && command instanceof UpdateItemCommand) {
        raced = true;
        await winner.rotateSecret(record.clientId, 0);
      }
      return send(command);
    }) as typeof dynamodb.send;
    const loser = createClientRegistry({ dynamodb, tableName: winner.tableName, now });
    expect(await codeOf(loser.rotateSecret(record.clientId, 60))).toBe('concurrent_update');
    expect(raced).toBe(true);
  });

  it('deletes clients into a tombstone: no client to any read or write, deleting twice is unknown_client', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'a', scopes: ['products/read'] });
    await registry.delete(record.clientId);
    expect(await registry.get(record.clientId)).toBeUndefined();
    expect(await registry.get(record.clientId, { consistent: true })).toBeUndefined();
    expect((await registry.list()).map((c) => c.clientId)).not.toContain(record.clientId);
    expect(await codeOf(registry.delete(record.clientId))).toBe('unknown_client');
    expect(await codeOf(registry.setStatus(record.clientId, 'active'))).toBe('unknown_client');
    expect(await codeOf(registry.update(record.clientId, { name: 'back' }))).toBe('unknown_client');
    expect(await codeOf(registry.revokeTokens(record.clientId))).toBe('unknown_client');
    expect(await codeOf(registry.rotateSecret(record.clientId, 0))).toBe('unknown_client');
    // The tombstone keeps no secret hash.
    const raw = await localDynamo(db.endpoint).send(
      new GetItemCommand({ TableName: registry.tableName, Key: { client_id: { S: record.clientId } } }),
    );
    expect(raw.Item).toMatchObject({
      status: { S: 'deleted' },
      deleted_at: { N: String(Math.floor(clock / 1000)) },
      // DynamoDB TTL removes it two maximum token lifetimes later.
      expires_at: { N: String(Math.floor(clock / 1000) + 2 * 86_400) },
    });
    expect(raw.Item?.secret_hash).toBeUndefined();
  });

  it('createTable is idempotent', async () => {
    const registry = await freshRegistry();
    await registry.createTable();
    expect(await registry.list()).toEqual([]);
  });

  it('reports a missing table as table_missing', async () => {
    const registry = createClientRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'no-such-table' });
    expect(await codeOf(registry.get('kg_x'))).toBe('table_missing');
    expect(await codeOf(registry.list())).toBe('table_missing');
    expect(await codeOf(registry.create({ name: 'a', scopes: ['products/read'] }))).toBe('table_missing');
  });

  it('rejects malformed items as corrupt_record', async () => {
    const registry = await freshRegistry();
    await localDynamo(db.endpoint).send(
      new PutItemCommand({
        TableName: registry.tableName,
        Item: { client_id: { S: 'kg_bad' }, status: { S: 'weird' } },
      }),
    );
    expect(await codeOf(registry.get('kg_bad'))).toBe('corrupt_record');
  });

  it('reports an unreachable DynamoDB as dependency_unavailable', async () => {
    const down = await startDynalite();
    const endpoint = down.endpoint;
    await down.close();
    const registry = createClientRegistry({ dynamodb: localDynamo(endpoint), tableName: 't' });
    expect(await codeOf(registry.get('kg_x'))).toBe('dependency_unavailable');
  });

  it('classifies SDK failures the way the retry policy does (a bare 429 is throttling)', () => {
    const err = (name: string, status: number, fault: 'client' | 'server') =>
      Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });
    expect(registryErrorFrom(err('ThrottlingException', 400, 'client'), 't').code).toBe(
      'dependency_throttled',
    );
    expect(registryErrorFrom(err('TooManyRequests', 429, 'client'), 't').code).toBe('dependency_throttled');
    expect(registryErrorFrom(err('LimitExceededException', 400, 'client'), 't').code).toBe(
      'dependency_throttled',
    );
    expect(registryErrorFrom(err('AccessDeniedException', 400, 'client'), 't').code).toBe(
      'dependency_rejected',
    );
    expect(registryErrorFrom(err('InternalServerError', 500, 'server'), 't').code).toBe(
      'dependency_unavailable',
    );
  });
});

describe('revocations in the registry', () => {
  it('revokeTokens stamps tokensRevokedAt (epoch s) and keeps the client active', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'r', scopes: ['products/read'] });
    const revoked = await registry.revokeTokens(record.clientId);
    expect(revoked.status).toBe('active');
    expect(revoked.tokensRevokedAt).toBe(Math.floor(clock / 1000));
    expect(await registry.get(record.clientId, { consistent: true })).toEqual(revoked);
    expect(await codeOf(registry.revokeTokens('kg_nobody'))).toBe('unknown_client');
  });

  it('disabling stamps the cutoff; enabling stamps it again, so no token issued before the enable survives', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'd', scopes: ['products/read'] });
    const disabled = await registry.setStatus(record.clientId, 'disabled');
    expect(disabled.tokensRevokedAt).toBe(Math.floor(clock / 1000));
    clock += 20_000;
    const enabled = await registry.setStatus(record.clientId, 'active');
    expect(enabled).toMatchObject({ status: 'active', tokensRevokedAt: Math.floor(clock / 1000) });
    // Enabling an active client changes nothing: its live tokens stay valid.
    clock += 5_000;
    expect((await registry.setStatus(record.clientId, 'active')).tokensRevokedAt).toBe(
      enabled.tokensRevokedAt,
    );
  });

  it.each([
    ['ahead', 3_600_000],
    ['behind', -3_600_000],
  ])("stamps cutoffs with DynamoDB's clock, not a caller clock an hour %s", async (_, skewMs) => {
    const skewed = createClientRegistry({
      dynamodb: localDynamo(db.endpoint),
      tableName: (await freshRegistry()).tableName,
      now: () => clock + skewMs,
    });
    const { record } = await skewed.create({ name: 's', scopes: ['products/read'] });
    expect((await skewed.revokeTokens(record.clientId)).tokensRevokedAt).toBe(Math.floor(clock / 1000));
    expect((await skewed.setStatus(record.clientId, 'disabled')).tokensRevokedAt).toBe(
      Math.floor(clock / 1000),
    );
  });

  it('sets the stamp to the second the write applied when the write lands after the provisional one', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'slow', scopes: ['products/read'] });
    const dynamodb = localDynamo(db.endpoint);
    const send = dynamodb.send.bind(dynamodb);
    // The write is answered 3 s after the read (a slow network): its own Date decides the stamp.
    dynamodb.send = (async (command: object, ...rest: unknown[]) => {
      if (command instanceof UpdateItemCommand) clock += 3_000;
      return (send as (c: object, ...r: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof dynamodb.send;
    const slow = createClientRegistry({ dynamodb, tableName: registry.tableName, now });
    const revoked = await slow.revokeTokens(record.clientId);
    expect(revoked.tokensRevokedAt).toBe(Math.floor(clock / 1000) - 3);
    expect(await registry.get(record.clientId, { consistent: true })).toEqual(revoked);
  });

  it('fails rather than use the local clock when DynamoDB sends no Date header', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'nodate', scopes: ['products/read'] });
    const dynamodb = localDynamo(db.endpoint);
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const headers = (result.response as { headers: Record<string, string> }).headers;
        delete headers.date;
        return result;
      },
      { step: 'deserialize', name: 'dropDate', priority: 'low' },
    );
    const blind = createClientRegistry({ dynamodb, tableName: registry.tableName, now });
    const err = await blind.revokeTokens(record.clientId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('dependency_unavailable');
    expect((err as Error).message).toContain('Date header');
  });

  it('lists disabled clients, revocations since a time and deletions since a time, and nothing else', async () => {
    const registry = await freshRegistry();
    const make = async () =>
      (await registry.create({ name: 'x', scopes: ['products/read'] })).record.clientId;
    const [plain, old, recent, off, gone, goneLong] = [
      await make(),
      await make(),
      await make(),
      await make(),
      await make(),
      await make(),
    ];
    await registry.revokeTokens(old);
    await registry.delete(goneLong);
    clock += 10_000;
    await registry.revokeTokens(recent);
    await registry.setStatus(off, 'disabled');
    await registry.delete(gone);
    const since = Math.floor(clock / 1000) - 5;
    const list = await registry.listRevocations(since, since - 4);
    expect(list.sort((a, b) => a.clientId.localeCompare(b.clientId))).toEqual(
      [
        { clientId: recent, all: false, revokedAt: Math.floor(clock / 1000) },
        { clientId: off, all: true, revokedAt: Math.floor(clock / 1000) },
        { clientId: gone, all: true, revokedAt: 0 },
      ].sort((a, b) => a.clientId.localeCompare(b.clientId)),
    );
    expect(list.map((r) => r.clientId)).not.toContain(plain);
    // A longer deletion window keeps the older tombstone listed.
    expect((await registry.listRevocations(since, since - 10)).map((r) => r.clientId)).toContain(goneLong);
  });

  it('stores a per-client issuance rate from 1 token/s up to the KMS RSA quota', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({
      name: 'n',
      scopes: ['products/read'],
      issuanceRatePerSecond: 2,
    });
    expect(record.issuanceRatePerSecond).toBe(2);
    expect(
      (await registry.update(record.clientId, { issuanceRatePerSecond: 50 })).issuanceRatePerSecond,
    ).toBe(50);
    expect(await codeOf(registry.update(record.clientId, { issuanceRatePerSecond: 0 }))).toBe('invalid_rate');
    expect(
      await codeOf(
        registry.create({
          name: 'n',
          scopes: ['products/read'],
          issuanceRatePerSecond: KMS_RSA_REQUEST_QUOTA_PER_SECOND + 1,
        }),
      ),
    ).toBe('invalid_rate');
  });

  it('stores RFC 8707 resources with their default, and changes the default among them', async () => {
    const registry = await freshRegistry();
    const orders = 'https://orders.example.com';
    const billing = 'https://billing.example.com';
    const { record } = await registry.create({
      name: 'n',
      scopes: ['products/read'],
      resources: [orders, billing],
    });
    expect(record).toMatchObject({ resources: [orders, billing], defaultResource: orders });
    expect(await registry.get(record.clientId, { consistent: true })).toEqual(record);
    const moved = await registry.update(record.clientId, { defaultResource: billing });
    expect(moved).toMatchObject({ resources: [orders, billing], defaultResource: billing });
    expect(await codeOf(registry.update(record.clientId, { defaultResource: 'https://x.example' }))).toBe(
      'invalid_resource',
    );
    const replaced = await registry.update(record.clientId, { resources: [billing] });
    expect(replaced).toMatchObject({ resources: [billing], defaultResource: billing });
  });

  it.each([
    ['a fragment', { resources: ['https://a.example#x'] }],
    ['a relative reference', { resources: ['orders'] }],
    [
      'a default outside the resources',
      { resources: ['https://a.example'], defaultResource: 'https://b.example' },
    ],
    ['a default without resources', { defaultResource: 'https://a.example' }],
  ])('refuses a client with %s (invalid_resource)', async (_, extra) => {
    const registry = await freshRegistry();
    expect(await codeOf(registry.create({ name: 'n', scopes: ['products/read'], ...extra }))).toBe(
      'invalid_resource',
    );
  });

  it('reads an item whose resources were hand-edited inconsistently as corrupt_record', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({
      name: 'n',
      scopes: ['products/read'],
      resources: ['https://a.example'],
    });
    await localDynamo(db.endpoint).send(
      new UpdateItemCommand({
        TableName: registry.tableName,
        Key: { client_id: { S: record.clientId } },
        UpdateExpression: 'SET default_resource = :d',
        ExpressionAttributeValues: { ':d': { S: 'https://evil.example' } },
      }),
    );
    expect(await codeOf(registry.get(record.clientId))).toBe('corrupt_record');
  });

  it('stores client claims, replaces them on update and removes them with {}', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({
      name: 'n',
      scopes: ['products/read'],
      claims: { tenant: 'acme' },
    });
    expect(record.claims).toEqual({ tenant: 'acme' });
    expect((await registry.get(record.clientId, { consistent: true }))?.claims).toEqual({ tenant: 'acme' });
    const replaced = await registry.update(record.clientId, { claims: { tenant: 'globex', region: 'eu' } });
    expect(replaced.claims).toEqual({ tenant: 'globex', region: 'eu' });
    expect(await registry.update(record.clientId, { claims: {} })).not.toHaveProperty('claims');
    expect(await codeOf(registry.update(record.clientId, { claims: { iss: 'x' } }))).toBe('invalid_claims');
    expect(
      await codeOf(registry.create({ name: 'n', scopes: ['products/read'], claims: { aud: 'x' } })),
    ).toBe('invalid_claims');
  });

  it('stores the introspection permission only when granted, and update grants and withdraws it', async () => {
    const registry = await freshRegistry();
    const { record: plain } = await registry.create({ name: 'n', scopes: ['products/read'] });
    expect(plain).not.toHaveProperty('introspect');
    const { record } = await registry.create({ name: 'rs', scopes: ['products/read'], introspect: true });
    expect((await registry.get(record.clientId, { consistent: true }))?.introspect).toBe(true);
    expect(await registry.update(record.clientId, { introspect: false })).not.toHaveProperty('introspect');
    expect((await registry.get(record.clientId, { consistent: true }))?.introspect).toBeUndefined();
    expect((await registry.update(plain.clientId, { introspect: true })).introspect).toBe(true);
  });

  it('stores a usage tier, moves it on update, and stores the default tier as no tier', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'n', scopes: ['products/read'], tier: 'gold' });
    expect(record.tier).toBe('gold');
    expect((await registry.get(record.clientId, { consistent: true }))?.tier).toBe('gold');
    expect((await registry.update(record.clientId, { tier: 'silver' })).tier).toBe('silver');
    // Moving back to the default tier removes the attribute, together with another change.
    const back = await registry.update(record.clientId, { tier: 'default', name: 'm' });
    expect(back).not.toHaveProperty('tier');
    expect(back.name).toBe('m');
    const plain = await registry.create({ name: 'p', scopes: ['products/read'], tier: 'default' });
    expect(plain.record).not.toHaveProperty('tier');
  });

  it.each(['Gold', 'go ld', '', '1st', 'x'.repeat(33)])(
    'refuses the tier name %j with invalid_tier',
    async (tier) => {
      const registry = await freshRegistry();
      expect(await codeOf(registry.create({ name: 'n', scopes: ['products/read'], tier }))).toBe(
        'invalid_tier',
      );
      const { record } = await registry.create({ name: 'n', scopes: ['products/read'] });
      expect(await codeOf(registry.update(record.clientId, { tier }))).toBe('invalid_tier');
    },
  );

  it('reads a hand-edited malformed tier as corrupt_record', async () => {
    const registry = await freshRegistry();
    const { record } = await registry.create({ name: 'n', scopes: ['products/read'] });
    await localDynamo(db.endpoint).send(
      new UpdateItemCommand({
        TableName: registry.tableName,
        Key: { client_id: { S: record.clientId } },
        UpdateExpression: 'SET tier = :t',
        ExpressionAttributeValues: { ':t': { S: 'Gold Plus' } },
      }),
    );
    expect(await codeOf(registry.get(record.clientId))).toBe('corrupt_record');
  });
});
