// The publisher Lambda with the real SDK clients: dynalite for the clients table, the KMS emulator for the
// public keys, and a server speaking S3's PutObject. A stream batch republishes what its items affect; a
// CloudFormation custom resource event publishes both documents and answers at its ResponseURL. The list
// carries the keys of the JWKS built in the same publish (one build), or none when KMS is down.
import type { CloudFormationCustomResourceEvent, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJwksPublisher, createKeyStateStore, KEY_STATE_ITEM_ID } from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/publisher.js';
import { localKms, startTestKms, type TestKms } from '../support/kms.js';
import { localS3, startTestS3 } from '../support/s3-server.js';
import { testServers } from '../support/test-servers.js';

let db: DynaliteServer;
let kms: TestKms;
beforeAll(async () => {
  [db, kms] = await Promise.all([startDynalite({ clock: () => NOW }), startTestKms()]);
});
afterAll(async () => {
  await Promise.all([db.close(), kms.close()]);
});
const servers = testServers();
afterEach(async () => {
  kms.reset();
  await servers.closeAll();
});

/** The JWK Set for these KMS keys, built apart from the publisher: what jwks.json and the list must carry. */
const jwkSet = async (...keyIds: string[]) =>
  (await createJwksPublisher({ kms: kms.kms, keyIds }).document()).keys;

/** The one clock: the registry's, dynalite's (revocation stamps carry DynamoDB's time) and the publisher's. */
const NOW = Date.parse('2030-01-01T00:00:00Z');

async function setup(clients: { kms?: TestKms['kms'] } = {}) {
  const tableName = `pub-${Math.random().toString(36).slice(2)}`;
  const dynamodb = localDynamo(db.endpoint);
  const registry = await createTestRegistry({ dynamodb, tableName, now: () => NOW });
  const s3 = await startTestS3(servers);
  const answers: { url: string; body: Record<string, unknown> }[] = [];
  const logged: string[] = [];
  const handler = createHandler(
    createDeps(
      loadConfig({
        DOCUMENTS_BUCKET: 'docs',
        CLIENTS_TABLE: tableName,
        SIGNING_KEY_ID: kms.arn,
        REVOCATIONS_MAX_AGE_SECONDS: '5',
        JWKS_MAX_AGE_SECONDS: '300',
      }),
      {
        dynamodb,
        kms: clients.kms ?? kms.kms,
        s3: localS3(s3.endpoint),
        now: () => NOW,
        logger: { info: (m: string) => logged.push(m), error: (m: string) => logged.push(m) },
      },
    ),
  );
  const cfnServer = await servers.http((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answers.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.end();
    });
  }, '/cfn-response?X-Amz-Signature=abc');
  return { tableName, dynamodb, registry, s3, handler, answers, cfnServer, logged };
}

const streamEvent = (...ids: string[]): DynamoDBStreamEvent => ({
  Records: ids.map((id, i) => ({
    eventID: String(i),
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    dynamodb: { Keys: { client_id: { S: id } }, StreamViewType: 'KEYS_ONLY' },
  })),
});

const cfnEvent = (RequestType: 'Create' | 'Update' | 'Delete', ResponseURL: string) =>
  ({
    RequestType,
    ResponseURL,
    ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:publisher',
    StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/keygate/1',
    RequestId: 'req-1',
    LogicalResourceId: 'PublishOnDeploy',
    ResourceType: 'Custom::KeygatePublishedDocuments',
    ResourceProperties: { ServiceToken: 'x' },
    ...(RequestType === 'Create'
      ? {}
      : { PhysicalResourceId: 'keygate-published-documents', OldResourceProperties: {} }),
  }) as CloudFormationCustomResourceEvent;

describe('publisher on a DynamoDB stream batch', () => {
  it('republishes the revocation list from a consistent Scan when a client changes', async () => {
    const { registry, s3, handler } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.revokeTokens(a);
    await handler(streamEvent(a));
    expect(s3.puts.map((p) => p.path)).toEqual(['/docs/revocations.json']);
    const put = s3.object('docs', 'revocations.json')!;
    // A list-only publish builds the JWKS too: the list always carries the keys in force.
    expect(JSON.parse(put.body)).toEqual({
      disabled: [],
      revoked_at: { [a]: NOW / 1000 },
      keys: await jwkSet(kms.arn),
    });
    expect(put.headers['cache-control']).toBe('public, max-age=5');
    expect(put.headers['content-type']).toBe('application/json');
  });

  it('asks KMS for the keys once while the published set stays the same, however many clients change', async () => {
    const { registry, handler } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    const b = (await registry.create({ name: 'b', scopes: ['products/read'] })).record.clientId;
    kms.emu.resetCalls();
    await handler(streamEvent(a));
    await registry.revokeTokens(b);
    await handler(streamEvent(b));
    expect(kms.emu.calls.GetPublicKey).toBe(1);
  });

  it('republishes the JWKS (and the list) with the keys the key state publishes when the key state changes', async () => {
    const { tableName, dynamodb, s3, handler } = await setup();
    const next = await kms.emu.createKey({});
    await createKeyStateStore({ dynamodb, tableName }).write(
      { signingKeyId: kms.arn, publishedKeyIds: [kms.arn, next.arn] },
      undefined,
    );
    kms.emu.resetCalls();
    await handler(streamEvent(KEY_STATE_ITEM_ID));
    // One JWKS build for both objects: one GetPublicKey per published key.
    expect(kms.emu.calls.GetPublicKey).toBe(2);
    expect(s3.puts.map((p) => p.path).sort()).toEqual(['/docs/jwks.json', '/docs/revocations.json']);
    const jwks = s3.object('docs', 'jwks.json')!;
    const keys = await jwkSet(kms.arn, next.arn);
    expect(JSON.parse(jwks.body)).toEqual({ keys });
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    // The same key set in the list.
    expect(JSON.parse(s3.object('docs', 'revocations.json')!.body)).toEqual({
      disabled: [],
      revoked_at: {},
      keys,
    });
  });

  it('publishes the list without keys when KMS is unreachable, so a revocation never waits on KMS', async () => {
    const { registry, s3, handler, logged } = await setup({ kms: localKms('http://127.0.0.1:9') });
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    await registry.setStatus(a, 'disabled');
    await handler(streamEvent(a));
    expect(JSON.parse(s3.object('docs', 'revocations.json')!.body)).toEqual({
      disabled: [a],
      revoked_at: {},
    });
    expect(logged).toEqual(['revocation list published without keys', 'documents published']);
  });

  it('fails a key-state publish when KMS is unreachable, so Lambda retries it with the keys', async () => {
    const { s3, handler, logged } = await setup({ kms: localKms('http://127.0.0.1:9') });
    await expect(handler(streamEvent(KEY_STATE_ITEM_ID))).rejects.toMatchObject({
      code: 'build_failed',
      document: 'jwks',
    });
    expect(s3.puts.map((p) => p.path)).toEqual(['/docs/revocations.json']);
    expect(logged).toEqual(['revocation list published without keys', 'publish failed']);
  });

  it('throws when S3 refuses, so Lambda retries the batch', async () => {
    const { registry, s3, handler, logged } = await setup();
    const a = (await registry.create({ name: 'a', scopes: ['products/read'] })).record.clientId;
    s3.fault = { status: 503, code: 'SlowDown' };
    await expect(handler(streamEvent(a))).rejects.toMatchObject({ code: 'store_failed' });
    expect(logged).toEqual(['publish failed']);
  });
});

describe('publisher as a CloudFormation custom resource', () => {
  it.each(['Create', 'Update'] as const)(
    'publishes both documents on %s and answers SUCCESS',
    async (type) => {
      const { s3, handler, answers, cfnServer } = await setup();
      await handler(cfnEvent(type, cfnServer));
      expect(s3.puts.map((p) => p.path).sort()).toEqual(['/docs/jwks.json', '/docs/revocations.json']);
      const keys = await jwkSet(kms.arn);
      expect(JSON.parse(s3.object('docs', 'jwks.json')!.body)).toEqual({ keys });
      expect(JSON.parse(s3.object('docs', 'revocations.json')!.body)).toEqual({
        disabled: [],
        revoked_at: {},
        keys,
      });
      expect(answers).toEqual([
        {
          url: '/cfn-response?X-Amz-Signature=abc',
          body: {
            Status: 'SUCCESS',
            PhysicalResourceId: 'keygate-published-documents',
            StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/keygate/1',
            RequestId: 'req-1',
            LogicalResourceId: 'PublishOnDeploy',
          },
        },
      ]);
    },
  );

  it('answers FAILED with the reason when the documents cannot be stored, so the deploy stops', async () => {
    const { s3, handler, answers, cfnServer } = await setup();
    s3.fault = { status: 403, code: 'AccessDenied' };
    await handler(cfnEvent('Create', cfnServer));
    expect(answers.map((a) => [a.body.Status, a.body.Reason])).toEqual([
      ['FAILED', expect.stringMatching(/^S3 PutObject of (jwks|revocations)\.json failed \(AccessDenied\)$/)],
    ]);
  });

  it('publishes nothing on Delete and answers SUCCESS', async () => {
    const { s3, handler, answers, cfnServer } = await setup();
    await handler(cfnEvent('Delete', cfnServer));
    expect(s3.puts).toEqual([]);
    expect(answers.map((a) => a.body.Status)).toEqual(['SUCCESS']);
  });

  it('refuses to send its answer to a plain-http URL off loopback', async () => {
    const { handler } = await setup();
    await expect(handler(cfnEvent('Delete', 'http://attacker.example/collect'))).rejects.toThrow(
      'ResponseURL must use https',
    );
  });
});
