// The rotation task as Step Functions invokes it: settings read from the functions' deployed
// environments (GetFunctionConfiguration through the real @aws-sdk/client-lambda against a local HTTP
// server), one step per invocation, its output shape for the state machine's Choice and Wait states.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateKeyCommand, GetKeyPolicyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { signingKeyPolicy } from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createDeps, createHandler, loadConfig, rotationSettingsFrom } from '../../handlers/rotation.js';
import { startTestKms, type TestKms } from '../support/kms.js';

const FUNCTION_ENVS: Record<string, Record<string, string>> = {
  token: { TOKEN_MAX_LIFETIME_SECONDS: '1800', KEY_STATE_CACHE_SECONDS: '15' },
  jwks: { JWKS_MAX_AGE_SECONDS: '120' },
  authorizer: { JWKS_MAX_AGE_SECONDS: '900', CLOCK_LEEWAY_SECONDS: '5' },
  'orders-authorizer': { JWKS_REFETCH_COOLDOWN_SECONDS: '45', CLOCK_LEEWAY_SECONDS: '2' },
};
let db: DynaliteServer;
let testKms: TestKms;
let lambdaApi: Server;
let lambda: LambdaClient;
const asked: string[] = [];
let clock = 1_800_000_000_000;
const logs: unknown[][] = [];

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms()]);
  await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'rotation-task' });
  // The Lambda API's GetFunctionConfiguration: GET /2015-03-31/functions/{name}/configuration.
  lambdaApi = createServer((req, res) => {
    const name = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/.exec(req.url ?? '')?.[1] ?? '';
    asked.push(name);
    const variables = FUNCTION_ENVS[name];
    res.writeHead(variables ? 200 : 404, {
      'content-type': 'application/json',
      ...(variables ? {} : { 'x-amzn-errortype': 'ResourceNotFoundException' }),
    });
    res.end(
      JSON.stringify(
        variables
          ? { FunctionName: name, Environment: { Variables: variables } }
          : { Type: 'User', message: 'Function not found' },
      ),
    );
  });
  await new Promise<void>((r) => lambdaApi.listen(0, '127.0.0.1', r));
  lambda = new LambdaClient({
    endpoint: `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  });
});
afterAll(async () => {
  lambda?.destroy();
  await new Promise((r) => lambdaApi?.close(r));
  await Promise.all([db?.close(), testKms?.close()]);
});

const config = (over: Record<string, string> = {}) =>
  loadConfig({
    CLIENTS_TABLE: 'rotation-task',
    SIGNING_KEY_ID: testKms.arn,
    TOKEN_FUNCTION_NAME: 'token',
    JWKS_FUNCTION_NAME: 'jwks',
    AUTHORIZER_FUNCTION_NAMES: 'authorizer',
    // As the construct sets them.
    SIGNING_KEY_ROTATOR_ARN: role('rotation'),
    SIGNING_KEY_SIGNER_ARNS: role('token'),
    SIGNING_KEY_READER_ARNS: role('jwks'),
    ...over,
  });
function role(name: string) {
  return `arn:aws:iam::111122223333:role/${name}`;
}
const logger = {
  info: (...a: unknown[]) => void logs.push(['info', ...a]),
  error: (...a: unknown[]) => void logs.push(['error', ...a]),
};

describe('rotation task', () => {
  it('reads the waits’ settings from the deployed functions, each with its own defaults', async () => {
    const deps = createDeps(config(), {
      lambda,
      kms: testKms.kms,
      dynamodb: localDynamo(db.endpoint),
      logger,
    });
    expect(await deps.settings()).toEqual({
      jwksMaxAgeSeconds: 120,
      authorizerJwksMaxAgeSeconds: 900,
      authorizerRefetchCooldownSeconds: 30,
      maxTokenLifetimeSeconds: 1800,
      clockLeewaySeconds: 5,
      keyStateCacheSeconds: 15,
      keyTagPropagationSeconds: 300,
      marginSeconds: 60,
    });
    expect(asked.sort()).toEqual(['authorizer', 'jwks', 'token']);
  });

  it('starts a rotation, answers the state machine, then resumes it and logs each step as an event', async () => {
    const handler = createHandler(
      createDeps(config(), {
        lambda,
        kms: testKms.kms,
        dynamodb: localDynamo(db.endpoint),
        logger,
        now: () => clock,
      }),
    );
    // As the state machine's first task passes it: the execution input under `execution`.
    const created = await handler({ start: true, execution: { requestId: '2026-12-01T00:00:00Z' } });
    expect(created).toEqual({
      outcome: 'key_created',
      done: false,
      waitSeconds: 300,
      rotationId: '2026-12-01T00:00:00Z',
      signingKeyId: testKms.arn,
    });
    expect(await handler({})).toMatchObject({ outcome: 'waiting', waitSeconds: 300 });
    clock += 300_000;
    // publish: 15 + max(120, 900 + 30) + 60
    expect(await handler({})).toMatchObject({ outcome: 'key_published', waitSeconds: 1005, done: false });
    expect(await handler(null)).toMatchObject({ outcome: 'waiting', done: false });
    expect(logs.filter((l) => l[0] === 'info').map((l) => (l[2] as { outcome: string }).outcome)).toEqual([
      'key_created',
      'waiting',
      'key_published',
      'waiting',
    ]);
  });

  it('logs and throws a failed step, so Step Functions retries it', async () => {
    const handler = createHandler(
      createDeps(config({ JWKS_FUNCTION_NAME: 'missing' }), {
        lambda,
        kms: testKms.kms,
        dynamodb: localDynamo(db.endpoint),
        logger,
      }),
    );
    await expect(handler({})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(logs.at(-1)).toMatchObject([
      'error',
      'key rotation step failed',
      { error: 'ResourceNotFoundException' },
    ]);
  });

  it.each([
    ['the token function without the JWKS function', { JWKS_FUNCTION_NAME: '' }],
    ['the JWKS function without the token function', { TOKEN_FUNCTION_NAME: '' }],
    ['authorizers without the token and JWKS functions', { TOKEN_FUNCTION_NAME: '', JWKS_FUNCTION_NAME: '' }],
    ['key signers without the key rotator', { SIGNING_KEY_ROTATOR_ARN: '' }],
    ['the default key policy with roles to name', { SIGNING_KEY_POLICY: 'default' }],
    ['a key policy kind it does not know', { SIGNING_KEY_POLICY: 'none' }],
    ['a key rotator that is not an IAM role ARN', { SIGNING_KEY_ROTATOR_ARN: '*' }],
    [
      'a key reader in another account',
      {
        SIGNING_KEY_ROTATOR_ARN: role('rotation'),
        SIGNING_KEY_READER_ARNS: 'arn:aws:iam::444455556666:role/x',
      },
    ],
  ])('refuses %s', (_, over) => {
    expect(() => createDeps(config(over), { lambda, kms: testKms.kms, logger })).toThrow(ConfigError);
  });

  it('creates the key under a policy naming the rotator, signer and reader roles it is configured with', async () => {
    const deps = createDeps(
      config({
        CLIENTS_TABLE: 'rotation-policy',
        SIGNING_KEY_ROTATOR_ARN: role('rotation'),
        SIGNING_KEY_SIGNER_ARNS: role('token'),
        SIGNING_KEY_READER_ARNS: role('jwks'),
      }),
      { lambda, kms: testKms.kms, dynamodb: localDynamo(db.endpoint), logger, now: () => clock },
    );
    await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'rotation-policy' });
    const out = await createHandler(deps)({ start: true, requestId: 'with-policy' });
    expect(out.outcome).toBe('key_created');
    const nextKeyId = (await (await deps.rotator()).status()).state!.rotation!.nextKeyId;
    const { Policy } = await testKms.kms.send(new GetKeyPolicyCommand({ KeyId: nextKeyId }));
    const principals = (
      JSON.parse(Policy!) as { Statement: { Sid: string; Principal: unknown }[] }
    ).Statement.map((st) => [st.Sid, st.Principal]);
    expect(principals).toEqual([
      ['EnableIamPolicies', { AWS: ['arn:aws:iam::111122223333:root'] }],
      ['RotateThisKey', { AWS: [role('rotation')] }],
      ['SignWithThisKey', { AWS: [role('token')] }],
      ['PublishThisKey', { AWS: [role('jwks')] }],
    ]);
  });

  const UNCONFIGURED = {
    SIGNING_KEY_ROTATOR_ARN: '',
    SIGNING_KEY_SIGNER_ARNS: '',
    SIGNING_KEY_READER_ARNS: '',
  };
  const keyWithPolicy = async (policy?: string) =>
    (
      await testKms.kms.send(
        new CreateKeyCommand({
          KeySpec: 'RSA_2048',
          KeyUsage: 'SIGN_VERIFY',
          ...(policy ? { Policy: policy } : {}),
        }),
      )
    ).KeyMetadata!.Arn!;
  const startIn = async (tableName: string, signingKeyId: string) => {
    await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName });
    const deps = createDeps(
      config({ ...UNCONFIGURED, CLIENTS_TABLE: tableName, SIGNING_KEY_ID: signingKeyId }),
      {
        lambda,
        kms: testKms.kms,
        dynamodb: localDynamo(db.endpoint),
        logger,
        now: () => clock,
      },
    );
    return { deps, out: createHandler(deps)({ start: true, requestId: tableName }) };
  };

  it('with no roles configured, gives the new key the roles the signing key it replaces names', async () => {
    const policy = signingKeyPolicy({
      rotator: role('r'),
      signers: [role('t1'), role('t2')],
      readers: [role('j')],
    });
    const current = await keyWithPolicy(JSON.stringify(policy));
    const { deps, out } = await startIn('rotation-inherit', current);
    expect(await out).toMatchObject({ outcome: 'key_created' });
    const nextKeyId = (await (await deps.rotator()).status()).state!.rotation!.nextKeyId;
    const { Policy } = await testKms.kms.send(new GetKeyPolicyCommand({ KeyId: nextKeyId }));
    expect(JSON.parse(Policy!)).toEqual(policy);
  });

  it('with no roles configured, refuses to create a key when the signing key names none, and creates nothing', async () => {
    const current = await keyWithPolicy();
    const before = (await testKms.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
    const { deps, out } = await startIn('rotation-no-roles', current);
    await expect(out).rejects.toMatchObject({
      name: 'KeyRotationError',
      code: 'no_key_principals',
      message:
        `the policy of the signing key ${current} names no keygate roles for the new key: set SIGNING_KEY_ROTATOR_ARN, ` +
        'SIGNING_KEY_SIGNER_ARNS and SIGNING_KEY_READER_ARNS to the roles of the rotation, token and JWKS functions, ' +
        'or run `keys adopt` first if this stack rotated before keys named their roles',
    });
    expect((await testKms.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length).toBe(before);
    expect((await (await deps.rotator()).status()).state).toBeUndefined();
  });

  it('waits for the slowest of several authorizers, setting by setting', async () => {
    const deps = createDeps(config({ AUTHORIZER_FUNCTION_NAMES: 'authorizer,orders-authorizer' }), {
      lambda,
      kms: testKms.kms,
      dynamodb: localDynamo(db.endpoint),
      logger,
    });
    expect(await deps.settings()).toMatchObject({
      authorizerJwksMaxAgeSeconds: 900,
      authorizerRefetchCooldownSeconds: 45,
      clockLeewaySeconds: 5,
    });
  });

  it('assumes the authorizer defaults when no authorizer is named (one in another stack)', async () => {
    const deps = createDeps(config({ AUTHORIZER_FUNCTION_NAMES: '' }), {
      lambda,
      kms: testKms.kms,
      dynamodb: localDynamo(db.endpoint),
      logger,
    });
    expect(await deps.settings()).toMatchObject({
      authorizerJwksMaxAgeSeconds: 600,
      authorizerRefetchCooldownSeconds: 30,
      jwksMaxAgeSeconds: 120,
    });
  });

  it('takes every setting from one environment when no function is named (the local stack)', () => {
    expect(
      rotationSettingsFrom(
        {
          token: { JWKS_MAX_AGE_SECONDS: '10' },
          jwks: { JWKS_MAX_AGE_SECONDS: '10' },
          authorizers: [{ JWKS_MAX_AGE_SECONDS: '10' }],
        },
        { marginSeconds: 0, keyTagPropagationSeconds: 0 },
      ),
    ).toMatchObject({
      jwksMaxAgeSeconds: 10,
      authorizerJwksMaxAgeSeconds: 10,
      maxTokenLifetimeSeconds: 3600,
    });
  });
});
