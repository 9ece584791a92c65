// The KeygateClient custom resource handler against dynalite with the real DynamoDB client, a CloudFormation
// ResponseURL server on loopback, and the secret reader injected (no Secrets Manager emulator here): Create
// makes a client whose Secrets Manager value authenticates, Update changes its settings, Delete disables it
// and revokes its tokens, and no answer or log line carries the secret.
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkClientSecret, generateClientSecret } from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createHandler, NOT_CREATED } from '../../handlers/client-resource.js';
import { testServers } from '../support/test-servers.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
let db: DynaliteServer;
beforeAll(async () => {
  db = await startDynalite({ clock: () => NOW });
});
afterAll(async () => {
  await db.close();
});
const servers = testServers();
afterEach(async () => {
  await servers.closeAll();
});

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Orders-Billing-AbCdEf';
const KNOWN = ['orders/read', 'orders/write', 'orders/admin'];
const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com';
const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'orders-2026',
};

async function setup(secrets: Record<string, string> = { [SECRET_ARN]: generateClientSecret() }) {
  const tableName = `cr-${Math.random().toString(36).slice(2)}`;
  const dynamodb = localDynamo(db.endpoint);
  const registry = await createTestRegistry({ dynamodb, tableName, scopes: KNOWN, now: () => NOW });
  const answers: Record<string, unknown>[] = [];
  const logged: string[] = [];
  const responseUrl = await servers.http((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answers.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end();
    });
  }, '/cfn-response?X-Amz-Signature=abc');
  const secretReads: string[] = [];
  const handler = createHandler({
    dynamodb,
    readSecret: async (arn) => {
      secretReads.push(arn);
      const value = secrets[arn];
      if (value === undefined) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      return value;
    },
    respond: async (url, body) => {
      const res = await fetch(url, { method: 'PUT', body });
      await res.arrayBuffer();
    },
    logger: {
      info: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
      error: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
    },
    now: () => NOW,
  });
  const props = (over: Record<string, unknown> = {}) => ({
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:client-resource',
    TableName: tableName,
    SecretArn: SECRET_ARN,
    Name: 'Orders/Billing',
    Scopes: ['orders/read'],
    KnownScopes: KNOWN,
    TokenLifetimeSeconds: '900',
    ...over,
  });
  const event = (
    RequestType: 'Create' | 'Update' | 'Delete',
    ResourceProperties: Record<string, unknown>,
    extra: { PhysicalResourceId?: string; OldResourceProperties?: Record<string, unknown> } = {},
  ) =>
    ({
      RequestType,
      ResponseURL: responseUrl,
      ServiceToken: ResourceProperties.ServiceToken,
      StackId:
        'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/5f1e2a40-0000-11ef-9e3b-0a1b2c3d4e5f',
      RequestId: `req-${answers.length}`,
      LogicalResourceId: 'BillingClientResource1234ABCD',
      ResourceType: 'Custom::KeygateClient',
      ResourceProperties,
      ...extra,
    }) as CloudFormationCustomResourceEvent;
  const secret = secrets[SECRET_ARN]!;
  /** Everything that left the handler: the answers CloudFormation got and the log lines. */
  const emitted = () => JSON.stringify(answers) + logged.join('\n');
  return { tableName, registry, handler, answers, logged, props, event, secret, secretReads, emitted };
}

describe('KeygateClient custom resource', () => {
  it('Create makes an active client whose Secrets Manager value authenticates, and answers its id only', async () => {
    const s = await setup();
    await s.handler(s.event('Create', s.props()));
    const [answer] = s.answers;
    const clientId = answer!.PhysicalResourceId as string;
    expect(answer).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: clientId,
      Data: { ClientId: clientId },
      StackId: expect.any(String),
      RequestId: 'req-0',
      LogicalResourceId: 'BillingClientResource1234ABCD',
    });
    expect(clientId).toMatch(/^kg_[A-Za-z0-9_-]{22}$/);
    const record = await s.registry.get(clientId, { consistent: true });
    expect(record).toMatchObject({
      name: 'Orders/Billing',
      scopes: ['orders/read'],
      status: 'active',
      tokenLifetimeSeconds: 900,
    });
    expect(checkClientSecret(s.secret, record, NOW)).toBe(true);
    expect(s.secretReads).toEqual([SECRET_ARN]);
    expect(s.emitted()).not.toContain(s.secret);
    expect(s.emitted()).not.toContain(record!.secretHash);
  });

  it('a retried Create (the answer was lost) finds the client it made: one client, same id', async () => {
    const s = await setup();
    await s.handler(s.event('Create', s.props()));
    await s.handler(s.event('Create', s.props({ Scopes: ['orders/read', 'orders/write'] })));
    expect(s.answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(s.answers[1]!.PhysicalResourceId).toBe(s.answers[0]!.PhysicalResourceId);
    const clients = await s.registry.list();
    expect(clients.map((c) => [c.clientId, c.scopes])).toEqual([
      [s.answers[0]!.PhysicalResourceId, ['orders/read', 'orders/write']],
    ]);
  });

  it('Update changes scopes, lifetime and rate in place and keeps the id; a removed rate goes back to the default', async () => {
    const s = await setup();
    await s.handler(s.event('Create', s.props({ IssuanceRatePerSecond: '20' })));
    const clientId = s.answers[0]!.PhysicalResourceId as string;
    await s.handler(
      s.event('Update', s.props({ Scopes: ['orders/write', 'orders/admin'], TokenLifetimeSeconds: '300' }), {
        PhysicalResourceId: clientId,
        OldResourceProperties: s.props({ IssuanceRatePerSecond: '20' }),
      }),
    );
    expect(s.answers[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: clientId });
    expect(await s.registry.get(clientId, { consistent: true })).toMatchObject({
      scopes: ['orders/write', 'orders/admin'],
      tokenLifetimeSeconds: 300,
      issuanceRatePerSecond: 5,
      status: 'active',
    });
  });

  it('Update to another secret makes a new client (CloudFormation then deletes the old one)', async () => {
    const other = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Orders-Billing-XyZ123';
    const s = await setup({ [SECRET_ARN]: generateClientSecret(), [other]: generateClientSecret() });
    await s.handler(s.event('Create', s.props()));
    const first = s.answers[0]!.PhysicalResourceId as string;
    await s.handler(
      s.event('Update', s.props({ SecretArn: other }), {
        PhysicalResourceId: first,
        OldResourceProperties: s.props(),
      }),
    );
    const second = s.answers[1]!.PhysicalResourceId as string;
    expect(second).not.toBe(first);
    expect((await s.registry.list()).map((c) => c.clientId).sort()).toEqual([first, second].sort());
  });

  it('Create with Jwks makes a private_key_jwt client: no secret read, its public keys stored', async () => {
    const s = await setup();
    const jwks = { keys: [PUBLIC_JWK] };
    await s.handler(s.event('Create', s.props({ SecretArn: undefined, Jwks: JSON.stringify(jwks) })));
    const clientId = s.answers[0]!.PhysicalResourceId as string;
    expect(s.answers[0]!.Status).toBe('SUCCESS');
    expect(s.secretReads).toEqual([]);
    const record = await s.registry.get(clientId, { consistent: true });
    expect(record?.secretHash).toBeUndefined();
    expect(record?.jwks).toEqual([PUBLIC_JWK]);
  });

  it('Create and Update carry resources and claims; removed ones go back to the defaults', async () => {
    const s = await setup();
    const tenant = {
      Resources: [ORDERS, BILLING],
      DefaultResource: BILLING,
      DefaultAudience: ORDERS,
      Claims: { tenant: 'acme' },
    };
    await s.handler(s.event('Create', s.props(tenant)));
    const clientId = s.answers[0]!.PhysicalResourceId as string;
    expect(await s.registry.get(clientId, { consistent: true })).toMatchObject({
      resources: [ORDERS, BILLING],
      defaultResource: BILLING,
      claims: { tenant: 'acme' },
    });
    await s.handler(
      s.event('Update', s.props({ DefaultAudience: ORDERS }), {
        PhysicalResourceId: clientId,
        OldResourceProperties: s.props(tenant),
      }),
    );
    expect(s.answers[1]!.Status).toBe('SUCCESS');
    const updated = await s.registry.get(clientId, { consistent: true });
    expect(updated).toMatchObject({ resources: [ORDERS], defaultResource: ORDERS });
    expect(updated?.claims).toBeUndefined();
  });

  it.each([
    [
      'both a secret and keys',
      { Jwks: '{"keys":[]}' },
      'config_invalid: invalid configuration: give exactly one of the properties SecretArn and Jwks',
    ],
    [
      'keys that are not JSON',
      { SecretArn: undefined, Jwks: '{' },
      'config_invalid: invalid configuration: property Jwks is not JSON',
    ],
    [
      'claims that are not strings',
      { Claims: { tenant: 1 } },
      'config_invalid: invalid configuration: property Claims must map claim names to strings',
    ],
  ])('answers FAILED for %s, writing nothing', async (_, over, reason) => {
    const s = await setup();
    await s.handler(s.event('Create', s.props(over)));
    expect(s.answers[0]).toMatchObject({ Status: 'FAILED', Reason: reason, PhysicalResourceId: NOT_CREATED });
    expect(await s.registry.list()).toEqual([]);
  });

  it('Delete disables the client and revokes every token issued so far', async () => {
    const s = await setup();
    await s.handler(s.event('Create', s.props()));
    const clientId = s.answers[0]!.PhysicalResourceId as string;
    await s.handler(s.event('Delete', s.props(), { PhysicalResourceId: clientId }));
    expect(s.answers[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: clientId });
    expect(await s.registry.get(clientId, { consistent: true })).toMatchObject({
      status: 'disabled',
      tokensRevokedAt: NOW / 1000,
    });
    expect(await s.registry.listRevocations(0)).toEqual([{ clientId, all: true, revokedAt: NOW / 1000 }]);
  });

  it.each([
    ['a client deleted by hand', 'kg_AAAAAAAAAAAAAAAAAAAAAA'],
    ['a Create that failed before any client existed', NOT_CREATED],
  ])('Delete of %s succeeds and writes nothing', async (_name, physicalId) => {
    const s = await setup();
    await s.handler(s.event('Delete', s.props(), { PhysicalResourceId: physicalId }));
    expect(s.answers.map((a) => [a.Status, a.PhysicalResourceId])).toEqual([['SUCCESS', physicalId]]);
    expect(await s.registry.list()).toEqual([]);
  });

  it.each([
    [
      'a scope the issuer does not declare',
      { Scopes: ['orders/raed'] },
      'invalid_scope: unknown scope "orders/raed"; known scopes: orders/read orders/write orders/admin',
    ],
    [
      'a token lifetime out of range',
      { TokenLifetimeSeconds: '5' },
      'invalid_lifetime: token lifetime must be an integer from 60 to 86400 seconds',
    ],
    [
      'a secret the function cannot read',
      { SecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Missing-000000' },
      'dependency_rejected: reading the secret arn:aws:secretsmanager:eu-west-1:111122223333:secret:Missing-000000 failed',
    ],
  ])('Create with %s answers FAILED with the reason and creates nothing', async (_name, over, reason) => {
    const s = await setup();
    await s.handler(s.event('Create', s.props(over)));
    expect(s.answers.map((a) => [a.Status, a.Reason, a.PhysicalResourceId])).toEqual([
      ['FAILED', reason, NOT_CREATED],
    ]);
    expect(await s.registry.list()).toEqual([]);
  });

  it.each([
    ['too short', 'abc123'],
    ['with characters outside base64url', `${'a'.repeat(60)}!"`],
  ])('refuses a Secrets Manager value %s, without echoing it', async (_name, value) => {
    const s = await setup({ [SECRET_ARN]: value });
    await s.handler(s.event('Create', s.props()));
    expect(s.answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['FAILED', 'invalid_secret: a supplied client secret must be 43-512 characters of A-Z a-z 0-9 - _'],
    ]);
    expect(s.emitted()).not.toContain(value);
  });

  it('refuses to send its answer to a plain-http URL off loopback', async () => {
    const s = await setup();
    const event = { ...s.event('Create', s.props()), ResponseURL: 'http://attacker.example/collect' };
    await expect(s.handler(event as CloudFormationCustomResourceEvent)).rejects.toThrow(
      'ResponseURL must use https',
    );
    expect(s.secretReads).toEqual([]);
  });
});
