// The constructs' props and defaults, on tiny fixture entries (fast bundling): removal policies, result-cache
// TTL, tracing, audience override, key rotation, stage names, default entry paths, and misconfiguration errors.
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthServer } from '../../infra/lib/constructs/auth-server.js';
import { entryPath, REPO_ROOT } from '../../infra/lib/constructs/keygate-function.js';
import { ResourceApi } from '../../infra/lib/constructs/resource-api.js';
import { KeygateStack } from '../../infra/lib/keygate-stack.js';
import {
  FIXTURE_ENTRIES,
  FIXTURE_ENTRY,
  findCycle,
  render,
  resourcesOfType,
  type Synthesized,
  synthKeygate,
} from './synth.js';

const PREVIOUS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('KeygateStack with every option changed', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthKeygate((app) => ({
      audience: 'https://api.example.com',
      functionOptions: {
        tracing: true,
        logLevel: 'DEBUG',
        logRemovalPolicy: RemovalPolicy.DESTROY,
        metricsNamespace: 'kg',
      },
      authServer: {
        ...FIXTURE_ENTRIES.authServer,
        stageName: 'v1',
        keyAlias: 'alias/kg-test',
        removalPolicy: RemovalPolicy.DESTROY,
        keyPendingWindow: Duration.days(7),
        tableDeletionProtection: false,
        additionalPublishedKeys: [
          kms.Key.fromKeyArn(new Stack(app, 'Imports'), 'Previous', PREVIOUS_KEY_ARN),
        ],
        throttlingRateLimit: 50,
        throttlingBurstLimit: 10,
        tokenMaxLifetimeSeconds: 900,
      },
      resourceApi: {
        ...FIXTURE_ENTRIES.resourceApi,
        stageName: 'v1',
        resultsCacheTtl: Duration.seconds(0),
        authorizerMemorySize: 1769,
        clockLeewaySeconds: 0,
        tokenCacheSize: 0,
      },
      apiGatewayCloudWatchRole: false,
      keyRotation: { ...FIXTURE_ENTRIES.keyRotation, interval: Duration.days(30) },
    }));
  }, 120_000);
  afterAll(() => s?.cleanup());

  const fnId = (fn: { function: unknown }) => s.id(fn.function as never);
  const env = (id: string) =>
    (s.json.Resources[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

  it('destroys key and table when told, with the given pending window and no deletion protection', () => {
    s.template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', PendingWindowInDays: 7 },
      DeletionPolicy: 'Delete',
    });
    s.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/kg-test' });
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: { DeletionProtectionEnabled: false },
      DeletionPolicy: 'Delete',
    });
    for (const [, g] of resourcesOfType(s.json, 'AWS::Logs::LogGroup'))
      expect(g.DeletionPolicy).toBe('Delete');
  });

  it('uses the given audience literally, the stage name in the issuer, and the TTL 0 (cache off)', () => {
    const { authServer: a, resourceApi: r } = s.stack;
    for (const fn of [a.token, r.authorizerFunction])
      expect(env(fnId(fn)).AUDIENCE).toBe('https://api.example.com');
    expect(render(env(fnId(r.authorizerFunction)).ISSUER)).toMatch(/\/v1$/);
    s.template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    s.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
    expect(env(fnId(r.authorizerFunction))).toMatchObject({
      CLOCK_LEEWAY_SECONDS: '0',
      TOKEN_CACHE_SIZE: '0',
    });
    expect(env(fnId(a.token))).toMatchObject({
      TOKEN_MAX_LIFETIME_SECONDS: '900',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_METRICS_NAMESPACE: 'kg',
    });
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: [{ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 10 }],
    });
  });

  it('publishes and may read the public key of an additional key during a rotation, and signs only with its own', () => {
    const { authServer: a } = s.stack;
    const keyId = s.id(a.signingKey);
    expect(render(env(fnId(a.jwks)).PUBLISHED_KEY_IDS)).toBe(`\${${keyId}.Arn},${PREVIOUS_KEY_ARN}`);
    const [policy] = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(
      ([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: s.id(a.jwks.role) }]),
    );
    const statements = (policy![1].Properties!.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements.map((st) => st.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      'kms:GetPublicKey',
      'kms:GetPublicKey',
      'dynamodb:GetItem',
    ]);
    expect(statements[2]).toEqual({
      Sid: 'ReadPublicKeys',
      Effect: 'Allow',
      Action: 'kms:GetPublicKey',
      Resource: [{ 'Fn::GetAtt': [keyId, 'Arn'] }, PREVIOUS_KEY_ARN],
    });
    // The only bare wildcard: X-Ray, which has no resource-level permissions (rotated keys: by tag).
    expect(statements[1]!.Resource).toBe('*');
    expect(statements[3]!.Sid).toBe('ReadRotatedPublicKeys');
  });

  it('turns on active tracing for functions and stages, still passing cdk-nag (X-Ray wildcard acknowledged)', () => {
    for (const [, fn] of resourcesOfType(s.json, 'AWS::Lambda::Function')) {
      expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
    }
    for (const [, st] of resourcesOfType(s.json, 'AWS::ApiGateway::Stage')) {
      expect(st.Properties!.TracingEnabled).toBe(true);
    }
    // `Imports` only holds the imported previous key (no resources): not part of keygate.
    expect(s.nagViolations.filter((v) => v.constructPaths.some((p) => p.startsWith('Keygate')))).toEqual([]);
  });

  it('leaves the account-level API Gateway role alone when told to', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(findCycle(s.json)).toBeUndefined();
  });
});

describe('construct defaults and misconfiguration', () => {
  // Constructing a NodejsFunction bundles at once; these tests need no bundle.
  const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

  it('points each function at handlers/entry/<name>.ts by default', () => {
    expect(entryPath('authorizer')).toBe(`${REPO_ROOT}handlers/entry/authorizer.ts`);
    expect(REPO_ROOT.endsWith('/')).toBe(true);
  });

  it('rejects an invalid stage name', () => {
    const app = noBundling();
    expect(
      () =>
        new KeygateStack(app, 'Bad', {
          ...FIXTURE_ENTRIES,
          authServer: { ...FIXTURE_ENTRIES.authServer, stageName: 'prod/v1' },
        }),
    ).toThrow(/stageName must match/);
  });

  it('rejects a route whose handler has no function', () => {
    const stack = new Stack(noBundling(), 'Routes');
    const auth = new AuthServer(stack, 'Auth', {
      audience: 'https://api.example.com',
      entries: { token: FIXTURE_ENTRY, jwks: FIXTURE_ENTRY, discovery: FIXTURE_ENTRY },
    });
    expect(
      () =>
        new ResourceApi(stack, 'Res', {
          issuer: auth.issuer,
          audience: 'https://api.example.com',
          jwksUri: auth.jwksUri,
          entries: { authorizer: FIXTURE_ENTRY, products: FIXTURE_ENTRY },
          routes: [{ method: 'GET', path: '/orders', handler: 'token', scopes: ['orders/read'] }],
        }),
    ).toThrow(/no Lambda for handler "token" \(GET \/orders\)/);
  });

  it('rejects a result-cache TTL above API Gateway’s one-hour maximum', () => {
    const app = noBundling();
    expect(
      () =>
        new KeygateStack(app, 'Ttl', {
          ...FIXTURE_ENTRIES,
          resourceApi: { ...FIXTURE_ENTRIES.resourceApi, resultsCacheTtl: Duration.seconds(3601) },
        }),
    ).toThrow(/3600/);
  });
});
