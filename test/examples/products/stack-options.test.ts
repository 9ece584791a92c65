// The sample stack's props and the public constructs' defaults: removal policies, result-cache TTL,
// tracing, audience override, key rotation, stage names, prebuilt code, and misconfiguration errors.
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeygateStack } from '../../../examples/products/stack.js';
import { LAMBDA_CODE_DIR, prebuiltLambdaDir } from '../../../infra/lib/constructs/lambda-code.js';
import { findCycle, render, resourcesOfType, type Synthesized, synthKeygate } from './synth.js';

const PREVIOUS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/**
 * A stack that only holds references to existing resources (a key from a previous deployment). It has no
 * resources of its own, which CloudFormation's template validation flags (F0001); acknowledged here.
 */
function importsStack(app: App): Stack {
  const stack = new Stack(app, 'Imports');
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::F0001',
    reason: 'holds only imported references (Key.fromKeyArn), never deployed',
  });
  return stack;
}

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
        stageName: 'v1',
        keyAlias: 'alias/kg-test',
        removalPolicy: RemovalPolicy.DESTROY,
        keyPendingWindow: Duration.days(7),
        tableDeletionProtection: false,
        additionalPublishedKeys: [kms.Key.fromKeyArn(importsStack(app), 'Previous', PREVIOUS_KEY_ARN)],
        throttlingRateLimit: 50,
        throttlingBurstLimit: 10,
        tokenMaxLifetimeSeconds: 900,
        keyRotation: { every: Duration.days(30) },
      },
      resourceApi: {
        stageName: 'v1',
        resultsCacheTtl: Duration.seconds(0),
        authorizerMemorySize: 1769,
        clockLeewaySeconds: 0,
        tokenCacheSize: 0,
      },
      apiGatewayCloudWatchRole: false,
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
    for (const fn of [a.token, r.authorizer.functionConstruct])
      expect(env(fnId(fn)).AUDIENCE).toBe('https://api.example.com');
    expect(render(env(fnId(r.authorizer.functionConstruct)).ISSUER)).toMatch(/\/v1$/);
    s.template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    s.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
    expect(env(fnId(r.authorizer.functionConstruct))).toMatchObject({
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
    const keyId = s.id(a.key);
    expect(render(env(fnId(a.documents.publisher)).PUBLISHED_KEY_IDS)).toBe(PREVIOUS_KEY_ARN);
    const [policy] = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(
      ([, p]) =>
        JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: s.id(a.documents.publisher.role) }]),
    );
    const statements = (policy![1].Properties!.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements.map((st) => st.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      's3:PutObject',
      'dynamodb:Scan',
      'kms:GetPublicKey',
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
      'dynamodb:GetItem',
    ]);
    expect(statements[4]).toEqual({
      Sid: 'ReadPublicKeys',
      Effect: 'Allow',
      Action: 'kms:GetPublicKey',
      Resource: [{ 'Fn::GetAtt': [keyId, 'Arn'] }, PREVIOUS_KEY_ARN],
    });
    // The only bare wildcard: X-Ray, which has no resource-level permissions (rotated keys: key policies).
    expect(statements[1]!.Resource).toBe('*');
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
  it('deploys the prebuilt bundles from dist/lambda/<name>', () => {
    expect(prebuiltLambdaDir('authorizer')).toBe(`${LAMBDA_CODE_DIR}/authorizer`);
    expect(() => prebuiltLambdaDir('nothing')).toThrow(
      /prebuilt Lambda code for "nothing" is missing .*npm run build/,
    );
  });

  it('rejects an invalid stage name', () => {
    expect(() => new KeygateStack(new App(), 'Bad', { authServer: { stageName: 'prod/v1' } })).toThrow(
      /stageName must match/,
    );
  });

  it('fails synth on a result-cache TTL above API Gateway’s one-hour maximum', () => {
    const app = new App();
    new KeygateStack(app, 'Ttl', { resourceApi: { resultsCacheTtl: Duration.seconds(3601) } });
    expect(() => app.synth()).toThrow(
      'resultsCacheTtl (seconds) must be an integer from 0 to 3600 (got "3601"): use Duration.seconds(3600)',
    );
  });
});
