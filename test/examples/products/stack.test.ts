// The deployable stack, synthesized once from the real Lambda entries: resource properties, routes from the
// shared table, exact IAM, cdk-nag AWS Solutions checks, and the bundled assets' contents and sizes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_VALIDATION_REGEX } from '../../../core/contract.js';
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/keys/key-state-item.js';
import {
  DOCUMENT_NAMES,
  type DocumentName,
  PUBLISHED_DOCUMENTS,
} from '../../../core/publish/served-documents.js';
import { AUTH_ROUTES } from '../../../core/routes.js';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import { documentResponse } from '../../../handlers/lib/http.js';
import { CREATE_KEY_CONDITIONS } from '../../../infra/lib/constructs/key-rotation.js';
import {
  findCycle,
  references,
  render,
  resourcePath,
  resourcesOfType,
  type Synthesized,
  synthKeygate,
} from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthKeygate();
}, 180_000);
afterAll(() => s?.cleanup());

const isDocument = (handler: string) => (DOCUMENT_NAMES as readonly string[]).includes(handler);
const ids = () => {
  const { authServer: a, resourceApi: r } = s.stack;
  const rotation = s.stack.authServer.keyRotation!.function;
  return {
    key: s.id(a.key),
    table: s.id(a.table),
    authApi: s.id(a.api),
    resourceApi: s.id(r.api),
    authorizer: s.id(r.authorizer.tokenAuthorizer),
    clientAuthorizer: s.id(a.tokenClientAuthorizer),
    fn: {
      token: s.id(a.token.function),
      'token-client-auth': s.id(a.tokenClientAuth.function),
      publisher: s.id(a.documents.publisher.function),
      discovery: s.id(a.discovery.function),
      authorizer: s.id(r.authorizer.functionConstruct.function),
      products: s.id(r.products.function),
      rotation: s.id(rotation.function),
    },
    role: {
      token: s.id(a.token.role),
      'token-client-auth': s.id(a.tokenClientAuth.role),
      publisher: s.id(a.documents.publisher.role),
      discovery: s.id(a.discovery.role),
      authorizer: s.id(r.authorizer.functionConstruct.role),
      products: s.id(r.products.role),
      rotation: s.id(rotation.role),
    },
    logGroup: {
      token: s.id(a.token.logGroup),
      'token-client-auth': s.id(a.tokenClientAuth.logGroup),
      publisher: s.id(a.documents.publisher.logGroup),
      discovery: s.id(a.discovery.logGroup),
      authorizer: s.id(r.authorizer.functionConstruct.logGroup),
      products: s.id(r.products.logGroup),
      rotation: s.id(rotation.logGroup),
    },
  };
};

const env = (fnId: string) =>
  (s.json.Resources[fnId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
const issuerText = () => `https://\${${ids().authApi}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod`;
const apiText = () => `https://\${${ids().resourceApi}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod`;

describe('signing key and clients table', () => {
  it('creates one RSA_2048 SIGN_VERIFY KMS key, retained, with a 30-day pending window and an alias', () => {
    s.template.resourceCountIs('AWS::KMS::Key', 1);
    s.template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', PendingWindowInDays: 30 }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    s.template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/keygate-signing',
      TargetKeyId: { 'Fn::GetAtt': [ids().key, 'Arn'] },
    });
  });

  it('keys the clients table by client_id (S), on demand, with PITR, deletion protection and KMS encryption', () => {
    // The clients table and the issuance counters (core/issuer/tokens/shared-issuance-limiter.ts).
    s.template.resourceCountIs('AWS::DynamoDB::Table', 2);
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'client_id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'client_id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('functions', () => {
  it('has exactly the seven keygate functions (six on the request path, plus the rotation task), each nodejs24.x on arm64 with its own log group (30 days)', () => {
    const fns = resourcesOfType(s.json, 'AWS::Lambda::Function');
    expect(fns.map(([id]) => id).sort()).toEqual(Object.values(ids().fn).sort());
    for (const [name, fnId] of Object.entries(ids().fn)) {
      const props = s.json.Resources[fnId]!.Properties!;
      expect(props.Runtime, name).toBe('nodejs24.x');
      expect(props.Architectures, name).toEqual(['arm64']);
      expect(props.Handler, name).toBe('index.handler');
      const logGroupId = ids().logGroup[name as keyof ReturnType<typeof ids>['logGroup']];
      expect(props.LoggingConfig, name).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(s.json.Resources[logGroupId]!.Properties!.RetentionInDays, name).toBe(30);
      // Tracing off by default: no TracingConfig (Lambda's PassThrough).
      expect(props.TracingConfig, name).toBeUndefined();
      expect(env(fnId), name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: `keygate-${name}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'keygate',
      });
      // The authorizer logs no stacks and skips the source map at cold start; the others map their traces.
      expect(env(fnId).NODE_OPTIONS, name).toBe(name === 'authorizer' ? undefined : '--enable-source-maps');
    }
  });

  it('sizes memory and timeouts per workload (authorizer 1024 MB / 5 s, token 512 MB / 10 s)', () => {
    const f = ids().fn;
    const mt = (id: string) => {
      const p = s.json.Resources[id]!.Properties!;
      return [p.MemorySize, p.Timeout];
    };
    expect(mt(f.authorizer)).toEqual([1024, 5]);
    expect(mt(f.token)).toEqual([512, 10]);
    expect(mt(f['token-client-auth'])).toEqual([256, 10]);
    expect(mt(f.publisher)).toEqual([256, 30]);
    expect(mt(f.discovery)).toEqual([256, 3]);
    expect(mt(f.products)).toEqual([256, 5]);
  });

  it('derives ISSUER from the auth API id and stage, and wires it, JWKS_URI and AUDIENCE into the authorizer', () => {
    const f = ids().fn;
    const issuer = issuerText();
    expect(render(env(f.token).ISSUER)).toBe(issuer);
    expect(render(env(f.discovery).ISSUER)).toBe(issuer);
    expect(render(env(f.authorizer).ISSUER)).toBe(issuer);
    expect(render(env(f.authorizer).JWKS_URI)).toBe(`${issuer}/.well-known/jwks.json`);
    expect(render(env(f.token).AUDIENCE)).toBe(apiText());
    expect(render(env(f.authorizer).AUDIENCE)).toBe(apiText());
    expect(env(f.authorizer)).toMatchObject({ CLOCK_LEEWAY_SECONDS: '5' });
    expect(render(env(f.token).CLIENTS_TABLE)).toBe(`\${${ids().table}}`);
    expect(render(env(f.token).SIGNING_KEY_ID)).toBe(`\${${ids().key}.Arn}`);
    expect(env(f.token)).toMatchObject({
      TOKEN_MAX_LIFETIME_SECONDS: '3600',
      CLIENT_CACHE_TTL_SECONDS: '30',
    });
    expect(render(env(f.publisher).SIGNING_KEY_ID)).toBe(`\${${ids().key}.Arn}`);
    expect(env(f.publisher).PUBLISHED_KEY_IDS).toBe('');
    expect(env(f.publisher).JWKS_MAX_AGE_SECONDS).toBe('300');
  });

  it('wires revocation: the authorizer loads GET /revocations, the products function re-checks exp', () => {
    const f = ids().fn;
    expect(render(env(f.authorizer).REVOCATIONS_URI)).toBe(`${issuerText()}/revocations`);
    // Unset: the authorizer's own default (10 s) applies.
    expect(env(f.authorizer).REVOCATIONS_REFRESH_SECONDS).toBeUndefined();
    expect(render(env(f.publisher).CLIENTS_TABLE)).toBe(`\${${ids().table}}`);
    expect(env(f.publisher)).toMatchObject({
      TOKEN_MAX_LIFETIME_SECONDS: '3600',
      REVOCATIONS_MAX_AGE_SECONDS: '5',
    });
    expect(env(f.products).CLOCK_LEEWAY_SECONDS).toBe('5');
  });

  it("outputs the resource API's cache for the CLI, and a revocation-admin role with issuer.grantRevoke's statements only", () => {
    const outputs = s.json.Outputs as Record<string, { Value: unknown }>;
    expect(render(outputs.KeygateAuthorizerCaches!.Value)).toMatch(
      new RegExp(`^\\$\\{${ids().resourceApi}\\}/\\$\\{ResourceApiDeploymentStageprod[0-9A-F]{8}\\}$`),
    );
    expect(resourcesOfType(s.json, 'AWS::IAM::ManagedPolicy')).toEqual([]);
    const [role] = resourcesOfType(s.json, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith('RevocationAdmin'),
    );
    const policies = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes(`"${role![0]}"`),
    );
    const statements = policies.flatMap(
      ([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
    );
    expect(statements.flatMap((st) => st.Action).sort()).toEqual([
      'apigateway:DELETE',
      'cloudformation:DescribeStacks',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('has no dependency cycle between the functions, the APIs and their deployments', () => {
    expect(findCycle(s.json)).toBeUndefined();
  });
});

describe('IAM: least privilege', () => {
  const policyOf = (roleId: string) => {
    const policies = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`),
    );
    expect(policies).toHaveLength(1);
    return (policies[0]![1].Properties!.PolicyDocument as { Statement: unknown[] }).Statement;
  };
  const logs = (name: keyof ReturnType<typeof ids>['logGroup']) => ({
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: { 'Fn::GetAtt': [ids().logGroup[name], 'Arn'] },
  });

  it('lets the token function kms:Sign its key (rotated keys: their key policies), dynamodb:GetItem the clients table, put only its reserved jti items and UpdateItem the issuance counters', () => {
    expect(policyOf(ids().role.token)).toEqual([
      logs('token'),
      {
        Sid: 'SignTokens',
        Effect: 'Allow',
        Action: 'kms:Sign',
        Resource: { 'Fn::GetAtt': [ids().key, 'Arn'] },
      },
      {
        Sid: 'ReadClients',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [ids().table, 'Arn'] },
      },
      {
        Sid: 'RecordTokenIds',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [ids().table, 'Arn'] },
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#assertion-jti/*', '#revoked-jti/*'] },
        },
      },
      {
        Sid: 'CountIssuance',
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/IssuanceTable/), 'Arn'] },
      },
    ]);
  });

  it('lets the token client authenticator only dynamodb:GetItem the one table', () => {
    expect(policyOf(ids().role['token-client-auth'])).toEqual([
      logs('token-client-auth'),
      {
        Sid: 'ReadClients',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [ids().table, 'Arn'] },
      },
    ]);
    expect(env(ids().fn['token-client-auth'])).toMatchObject({
      CLIENTS_TABLE: { Ref: ids().table },
      CLIENT_CACHE_TTL_SECONDS: '30',
    });
  });

  it('lets the publisher put only the two documents, Scan the table, read its stream, the public keys and the key-state item', () => {
    const bucket = s.id(s.stack.authServer.documents.bucket);
    const object = (key: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${key}`]] });
    expect(policyOf(ids().role.publisher)).toEqual([
      logs('publisher'),
      {
        Sid: 'PublishDocuments',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [object('jwks.json'), object('revocations.json')],
      },
      {
        Sid: 'ListRevocations',
        Effect: 'Allow',
        Action: 'dynamodb:Scan',
        Resource: { 'Fn::GetAtt': [ids().table, 'Arn'] },
      },
      {
        Sid: 'ReadPublicKeys',
        Effect: 'Allow',
        Action: 'kms:GetPublicKey',
        Resource: { 'Fn::GetAtt': [ids().key, 'Arn'] },
      },
      {
        Sid: 'ReadTableStream',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: { 'Fn::GetAtt': [ids().table, 'StreamArn'] },
      },
      {
        Sid: 'ReadKeyState',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [ids().table, 'Arn'] },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } },
      },
    ]);
  });

  it('gives the authorizer, discovery and products functions no AWS permission beyond their own logs', () => {
    expect(policyOf(ids().role.authorizer)).toEqual([logs('authorizer')]);
    expect(policyOf(ids().role.discovery)).toEqual([logs('discovery')]);
    expect(policyOf(ids().role.products)).toEqual([logs('products')]);
  });

  it('attaches no managed or inline policies to function roles, and no wildcard but the conditioned kms:CreateKey', () => {
    for (const roleId of Object.values(ids().role)) {
      const role = s.json.Resources[roleId]!.Properties!;
      expect(role.ManagedPolicyArns, roleId).toBeUndefined();
      expect(role.Policies, roleId).toBeUndefined();
      expect(role.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
        ],
      });
      // The only wildcard: CreateKey, which takes no resource and is pinned by request conditions
      // (test/security/kms-least-privilege.test.ts checks every policy of the stack).
      for (const st of policyOf(roleId) as { Action: unknown; Resource: unknown; Condition?: unknown }[]) {
        if (!JSON.stringify(st.Resource).includes('*')) continue;
        expect({ Action: st.Action, Condition: st.Condition }, roleId).toEqual({
          Action: 'kms:CreateKey',
          Condition: CREATE_KEY_CONDITIONS,
        });
      }
    }
  });

  it('lets API Gateway invoke each function only from its own API', () => {
    const perms = resourcesOfType(s.json, 'AWS::Lambda::Permission');
    for (const [, p] of perms) {
      expect(p.Properties!.Principal).toBe('apigateway.amazonaws.com');
      expect(p.Properties!.Action).toBe('lambda:InvokeFunction');
      expect(render(p.Properties!.SourceArn)).toMatch(/^arn:\$\{AWS::Partition\}:execute-api:/);
    }
    // one per Lambda route (the published documents are read from S3) + one per authorizer (the TOKEN
    // authorizer, the token endpoint's client authenticator)
    const lambdaRoutes = AUTH_ROUTES.filter((r) => !isDocument(r.handler));
    expect(perms).toHaveLength(lambdaRoutes.length + RESOURCE_ROUTES.length + 2);
  });

  it('lets API Gateway only s3:GetObject the two documents, and the publisher only s3:PutObject them', () => {
    const documents = s.stack.authServer.documents;
    const bucket = s.id(documents.bucket);
    const object = (key: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${key}`]] });
    expect(policyOf(s.id(documents.readRole))).toEqual([
      {
        Sid: 'ReadPublishedDocuments',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [object('jwks.json'), object('revocations.json')],
      },
    ]);
    const trust = s.json.Resources[s.id(documents.readRole)]!.Properties!.AssumeRolePolicyDocument;
    expect(trust).toMatchObject({ Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }] });
    const s3Actions = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap(
        (r) => (r.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((st) => [st.Action].flat())
      .filter((a) => a.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:GetObject', 's3:PutObject']);
  });
});

describe('REST APIs', () => {
  const methodsOf = (apiId: string) =>
    resourcesOfType(s.json, 'AWS::ApiGateway::Method')
      .filter(([, m]) => (m.Properties!.RestApiId as { Ref: string }).Ref === apiId)
      .map(([, m]) => ({
        method: m.Properties!.HttpMethod,
        path: resourcePath(s.json, m.Properties!.ResourceId),
        props: m.Properties!,
      }));
  const integrationTarget = (props: Record<string, unknown>) => {
    const integration = props.Integration as { Type: string; IntegrationHttpMethod: string; Uri: unknown };
    expect(integration.Type).toBe('AWS_PROXY');
    expect(integration.IntegrationHttpMethod).toBe('POST');
    return render(integration.Uri);
  };

  it('serves every RESOURCE_ROUTES route behind the TOKEN authorizer (CUSTOM), and nothing else', () => {
    const methods = methodsOf(ids().resourceApi);
    expect(methods.map((m) => `${m.method} ${m.path}`).sort()).toEqual(
      RESOURCE_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const m of methods) {
      expect(m.props.AuthorizationType).toBe('CUSTOM');
      expect(m.props.AuthorizerId).toEqual({ Ref: ids().authorizer });
      expect(integrationTarget(m.props)).toContain(`\${${ids().fn.products}.Arn}`);
    }
    const byId = methods.find((m) => m.path === '/products/{id}');
    expect(byId?.props.RequestParameters).toEqual({ 'method.request.path.id': true });
  });

  it('serves every AUTH_ROUTES route on its handler, only POST /oauth2/token, /oauth2/revoke and /oauth2/introspect behind the client authenticator', () => {
    const methods = methodsOf(ids().authApi);
    expect(methods.map((m) => `${m.method} ${m.path}`).sort()).toEqual(
      AUTH_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    const guarded = methods.filter((m) => m.props.AuthorizationType === 'CUSTOM');
    expect(guarded.map((m) => `${m.method} ${m.path}`).sort()).toEqual([
      'POST /oauth2/introspect',
      'POST /oauth2/revoke',
      'POST /oauth2/token',
    ]);
    for (const route of AUTH_ROUTES) {
      const m = methods.find((x) => x.method === route.method && x.path === route.path)!;
      if (route.authorizer) {
        expect(m.props.AuthorizerId).toEqual({ Ref: ids().clientAuthorizer });
      } else {
        expect(m.props.AuthorizationType).toBe('NONE');
        expect(m.props.AuthorizerId).toBeUndefined();
      }
      if (isDocument(route.handler)) continue;
      expect(integrationTarget(m.props)).toContain(`\${${ids().fn[route.handler as 'token']}.Arn}`);
    }
  });

  it.each(AUTH_ROUTES.filter((r) => isDocument(r.handler)))(
    'serves $method $path from S3 with no Lambda: GetObject of its key, its headers through, errors as RFC 6749 bodies',
    (route) => {
      const m = methodsOf(ids().authApi).find((x) => x.method === route.method && x.path === route.path)!;
      const documents = s.stack.authServer.documents;
      const key = PUBLISHED_DOCUMENTS[route.handler as DocumentName];
      const integration = m.props.Integration as Record<string, unknown>;
      expect(integration.Type).toBe('AWS');
      expect(integration.IntegrationHttpMethod).toBe('GET');
      expect(render(integration.Uri)).toBe(
        `arn:\${AWS::Partition}:apigateway:\${AWS::Region}:s3:path/\${${s.id(documents.bucket)}}/${key}`,
      );
      expect(integration.Credentials).toEqual({ 'Fn::GetAtt': [s.id(documents.readRole), 'Arn'] });
      expect(integration.RequestParameters).toEqual({
        'integration.request.header.If-None-Match': 'method.request.header.If-None-Match',
      });
      const responses = integration.IntegrationResponses as Record<string, unknown>[];
      const pass = (names: string[]) =>
        Object.fromEntries(
          names.map((n) => [`method.response.header.${n}`, `integration.response.header.${n}`]),
        );
      expect(responses.map((r) => [r.StatusCode, r.SelectionPattern])).toEqual([
        ['200', undefined],
        ['304', '304'],
        ['503', '5\\d{2}'],
        ['500', '4\\d{2}'],
      ]);
      // Exactly the headers the Lambda path (the local stack) answers with, for a 200 and a 304.
      const local = (ifNoneMatch?: string) =>
        Object.keys(
          documentResponse(
            { headers: ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : {}, multiValueHeaders: {} },
            'GET',
            { body: '{}', etag: '"e"' },
            5,
          ).headers ?? {},
        );
      expect(local()).toEqual(['Content-Type', 'Cache-Control', 'ETag']);
      expect(responses[0]!.ResponseParameters).toEqual(pass(local()));
      expect(responses[1]!.ResponseParameters).toEqual(pass(local('"e"')));
      expect(responses[2]).toMatchObject({
        ResponseParameters: {
          'method.response.header.Content-Type': "'application/json'",
          'method.response.header.Cache-Control': "'no-store'",
          'method.response.header.Retry-After': "'5'",
        },
        ResponseTemplates: {
          'application/json':
            '{"error":"temporarily_unavailable","error_description":"the document is temporarily unavailable"}',
        },
      });
      expect(
        JSON.parse((responses[3]!.ResponseTemplates as Record<string, string>)['application/json']!),
      ).toEqual({
        error: 'server_error',
        error_description: 'the document cannot be served',
      });
    },
  );

  it('keeps the documents private: block public access, TLS only, SSE-S3, server access logs', () => {
    const bucket = s.json.Resources[s.id(s.stack.authServer.documents.bucket)]!.Properties!;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    const logs = s.id(s.stack.authServer.documents.accessLogs);
    expect(bucket.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logs },
      LogFilePrefix: 'documents/',
    });
    // Log delivery by bucket policy (scoped to this bucket and account), not the LogDeliveryWrite ACL.
    expect(s.json.Resources[logs]!.Properties!.AccessControl).toBeUndefined();
  });

  it('publishes on every clients-table change (keys-only stream) and once at deploy, before the auth stage exists', () => {
    const table = s.json.Resources[ids().table]!.Properties!;
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
    const [, mapping] = resourcesOfType(s.json, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping.Properties).toEqual({
      FunctionName: { Ref: ids().fn.publisher },
      EventSourceArn: { 'Fn::GetAtt': [ids().table, 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
    });
    expect(s.json.Resources[ids().fn.publisher]!.Properties!.ReservedConcurrentExecutions).toBe(1);
    const [crId, cr] = resourcesOfType(s.json, 'Custom::KeygatePublishedDocuments')[0]!;
    expect(cr.Properties).toMatchObject({
      ServiceToken: { 'Fn::GetAtt': [ids().fn.publisher, 'Arn'] },
      codeSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      JWKS_MAX_AGE_SECONDS: '300',
      REVOCATIONS_MAX_AGE_SECONDS: '5',
    });
    const stage = s.id(s.stack.authServer.api.deploymentStage);
    expect(s.json.Resources[stage]!.DependsOn).toContain(crId);
  });

  it('configures the client authenticator: REQUEST, result cache off, no identity source', () => {
    const auth = s.json.Resources[ids().clientAuthorizer]!.Properties!;
    expect(auth).toEqual({
      Name: 'keygate-token-client-auth',
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      AuthorizerUri: auth.AuthorizerUri,
      RestApiId: { Ref: ids().authApi },
    });
    expect([...references(auth.AuthorizerUri)]).toEqual([ids().fn['token-client-auth']]);
  });

  it('answers the token endpoint’s 401 and authorizer failures with RFC 6749 §5.2 gateway responses', () => {
    const responses = Object.fromEntries(
      resourcesOfType(s.json, 'AWS::ApiGateway::GatewayResponse')
        .filter(([, r]) => (r.Properties!.RestApiId as { Ref: string }).Ref === ids().authApi)
        .map(([, r]) => [r.Properties!.ResponseType, r.Properties!]),
    );
    const headers = {
      'gatewayresponse.header.Content-Type': `'application/json;charset=UTF-8'`,
      'gatewayresponse.header.Cache-Control': `'no-store'`,
      'gatewayresponse.header.Pragma': `'no-cache'`,
    };
    const serverError = {
      StatusCode: '500',
      ResponseParameters: headers,
      ResponseTemplates: {
        'application/json':
          '{"error":"server_error","error_description":"the server failed to process the request"}',
      },
    };
    expect(responses).toEqual({
      UNAUTHORIZED: {
        ResponseType: 'UNAUTHORIZED',
        RestApiId: { Ref: ids().authApi },
        StatusCode: '401',
        ResponseParameters: {
          ...headers,
          'gatewayresponse.header.WWW-Authenticate': `'Basic realm="keygate"'`,
        },
        ResponseTemplates: {
          'application/json': '{"error":"invalid_client","error_description":"client authentication failed"}',
        },
      },
      AUTHORIZER_FAILURE: {
        ResponseType: 'AUTHORIZER_FAILURE',
        RestApiId: { Ref: ids().authApi },
        ...serverError,
      },
      AUTHORIZER_CONFIGURATION_ERROR: {
        ResponseType: 'AUTHORIZER_CONFIGURATION_ERROR',
        RestApiId: { Ref: ids().authApi },
        ...serverError,
      },
    });
  });

  it('configures the TOKEN authorizer: header identity source, RFC 6750 regex, 300 s result cache', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
    const auth = s.json.Resources[ids().authorizer]!.Properties!;
    expect(auth).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: '^Bearer [A-Za-z0-9\\-._~+/]+=*$',
      AuthorizerResultTtlInSeconds: 300,
      RestApiId: { Ref: ids().resourceApi },
    });
    expect([...references(auth.AuthorizerUri)]).toEqual([ids().fn.authorizer]);
    const re = new RegExp(BEARER_VALIDATION_REGEX);
    expect(re.test('Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln')).toBe(true);
    expect(re.test('Bearer abc==')).toBe(true);
    expect(re.test('bearer abc')).toBe(false);
    expect(re.test('Bearer a b')).toBe(false);
    expect(re.test('Basic abc')).toBe(false);
  });

  it('adds RFC 6750 WWW-Authenticate headers to the resource API 401 and 403 gateway responses', () => {
    // Two here, three on the auth API (above).
    s.template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 5);
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      RestApiId: { Ref: ids().resourceApi },
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="keygate", error="invalid_token"'`,
      },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      RestApiId: { Ref: ids().resourceApi },
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="keygate", error="insufficient_scope"'`,
      },
    });
  });

  it('throttles each stage, logs errors without bodies, and writes JSON access logs to a retained group', () => {
    const stageOf = (apiId: string) =>
      resourcesOfType(s.json, 'AWS::ApiGateway::Stage').find(
        ([, st]) => (st.Properties!.RestApiId as { Ref: string }).Ref === apiId,
      )![1].Properties!;
    for (const [apiId, rate, burst] of [
      [ids().authApi, 400, 200],
      [ids().resourceApi, 1000, 2000],
    ] as const) {
      const stage = stageOf(apiId);
      expect(stage.StageName).toBe('prod');
      expect(stage.MethodSettings).toEqual([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: rate,
          ThrottlingBurstLimit: burst,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      ]);
      const access = stage.AccessLogSetting as { DestinationArn: unknown; Format: string };
      const groupId = (access.DestinationArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      expect(s.json.Resources[groupId]!.Properties!.RetentionInDays).toBe(30);
      const format = JSON.parse(access.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        authorizerLatency: '$context.authorizer.latency',
        authorizerStatus: '$context.authorizer.status',
      });
    }
    // Execution-log groups pre-created with retention, named as API Gateway names them.
    const execGroups = resourcesOfType(s.json, 'AWS::Logs::LogGroup').filter(([, g]) =>
      render(g.Properties!.LogGroupName ?? '').startsWith('API-Gateway-Execution-Logs_'),
    );
    expect(execGroups.map(([, g]) => render(g.Properties!.LogGroupName)).sort()).toEqual(
      [
        `API-Gateway-Execution-Logs_\${${ids().authApi}}/prod`,
        `API-Gateway-Execution-Logs_\${${ids().resourceApi}}/prod`,
      ].sort(),
    );
    for (const [, g] of execGroups) expect(g.Properties!.RetentionInDays).toBe(30);
  });

  it('uses regional endpoints and sets the account-level API Gateway logging role', () => {
    for (const apiId of [ids().authApi, ids().resourceApi]) {
      expect(s.json.Resources[apiId]!.Properties!.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    }
    s.template.resourceCountIs('AWS::ApiGateway::Account', 1);
    s.template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
  });
});

describe('outputs', () => {
  it('exports issuer, token, JWKS and API URLs, table name, key id, rotation state machine and dashboard', () => {
    const out = s.json.Outputs!;
    expect(render(out.KeygateIssuerUrl!.Value)).toBe(issuerText());
    expect(render(out.KeygateTokenUrl!.Value)).toBe(`${issuerText()}/oauth2/token`);
    expect(render(out.JwksUrl!.Value)).toBe(`${issuerText()}/.well-known/jwks.json`);
    expect(render(out.ApiUrl!.Value)).toBe(apiText());
    expect(render(out.Audience!.Value)).toBe(apiText());
    expect(render(out.KeygateClientsTable!.Value)).toBe(`\${${ids().table}}`);
    expect(render(out.SigningKeyId!.Value)).toBe(`\${${ids().key}}`);
    expect(render(out.KeygateSigningKeyArn!.Value)).toBe(`\${${ids().key}.Arn}`);
    expect(render(out.KeygateRegion!.Value)).toBe(`\${AWS::Region}`);
    expect(render(out.KeygateKeyRotationStateMachineArn!.Value)).toBe(
      `\${${s.id(s.stack.authServer.keyRotation!.stateMachine)}}`,
    );
    expect(render(out.DashboardName!.Value)).toBe(`\${${s.id(s.stack.monitoring.dashboard)}}`);
  });
});

describe('cdk-nag AWS Solutions checks', () => {
  it('reports no violation, errors or warnings', () => {
    expect(s.nagViolations).toEqual([]);
  });

  it('gives every acknowledged rule a written reason', () => {
    const acks = Object.values(s.json.Resources).flatMap(
      (r) =>
        (r.Metadata?.cdk_nag as { rules_to_suppress: { id: string; reason: string }[] } | undefined)
          ?.rules_to_suppress ?? [],
    );
    expect(new Set(acks.map((a) => a.id.replace(/\[.*$/, '')))).toEqual(
      new Set([
        'AwsSolutions-APIG2',
        'AwsSolutions-APIG3',
        'AwsSolutions-APIG4',
        'AwsSolutions-COG4',
        'AwsSolutions-DDB3',
        'AwsSolutions-IAM4',
        'AwsSolutions-IAM5',
        'AwsSolutions-SF2',
      ]),
    );
    for (const a of acks) expect(a.reason.length, a.id).toBeGreaterThan(60);
  });
});

describe('bundles', () => {
  const bundle = (fnId: string) => {
    const dir = s.assetDir(fnId);
    const files = readdirSync(dir).sort();
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    return { files, code, sources: map.sources, bytes: statSync(join(dir, 'index.mjs')).size };
  };

  it('bundles the authorizer as one minified ESM file under 100 KB with no AWS SDK code', () => {
    const b = bundle(ids().fn.authorizer);
    console.log(
      `authorizer bundle: ${b.bytes} bytes (${(b.bytes / 1024).toFixed(1)} KiB), ${b.sources.length} sources`,
    );
    expect(b.files).toEqual(['index.mjs', 'index.mjs.map', 'routes.json']);
    // The route table the three require()d methods declare: the sample's RESOURCE_ROUTES.
    const routes = JSON.parse(readFileSync(join(s.assetDir(ids().fn.authorizer), 'routes.json'), 'utf8'));
    expect(routes).toHaveLength(RESOURCE_ROUTES.length);
    expect(routes).toEqual(
      expect.arrayContaining(RESOURCE_ROUTES.map(({ method, path, scopes }) => ({ method, path, scopes }))),
    );
    expect(b.bytes).toBeLessThan(100 * 1024);
    expect(b.code).not.toContain('@aws-sdk');
    expect(b.code).not.toContain('@smithy');
    expect(b.sources.filter((src) => /@aws-sdk|@smithy|aws-crt/.test(src))).toEqual([]);
    // Everything bundled and Node built-ins from process.getBuiltinModule (tools/node-builtins.ts): no import.
    expect([...b.code.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((m) => m[1])).toEqual([]);
    // Minified: few, very long lines.
    expect(b.code.split('\n').length).toBeLessThan(50);
  });

  it('bundles the pinned AWS SDK clients into the token and publisher functions', () => {
    const token = bundle(ids().fn.token);
    const jwks = bundle(ids().fn.publisher);
    console.log(
      `token bundle: ${token.bytes} bytes (${(token.bytes / 1024).toFixed(1)} KiB), ${token.sources.length} sources`,
    );
    console.log(`publisher bundle: ${jwks.bytes} bytes (${(jwks.bytes / 1024).toFixed(1)} KiB)`);
    expect(token.sources.some((src) => src.includes('node_modules/@aws-sdk/client-kms/'))).toBe(true);
    expect(token.sources.some((src) => src.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(jwks.sources.some((src) => src.includes('node_modules/@aws-sdk/client-kms/'))).toBe(true);
    // The publisher reads the key state and the clients table, and writes to S3.
    expect(jwks.sources.some((src) => src.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(jwks.sources.some((src) => src.includes('node_modules/@aws-sdk/client-s3/'))).toBe(true);
    // No import left for the runtime to resolve, Node built-ins included (tools/node-builtins.ts).
    for (const b of [token, jwks]) {
      expect([...b.code.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((m) => m[1])).toEqual([]);
    }
  });

  it('produces bundles that load as ES modules in Node and export a handler function', () => {
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ISSUER: 'https://auth.keygate.test/prod',
      AUDIENCE: 'https://api.keygate.test',
      // Port 9 on loopback refuses at once: the authorizer's init-time JWKS prefetch fails fast and quietly.
      JWKS_URI: 'https://127.0.0.1:9/.well-known/jwks.json',
      CLIENTS_TABLE: 'clients',
      SIGNING_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      PUBLISHED_KEY_IDS: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      DOCUMENTS_BUCKET: 'documents',
    };
    const probe =
      "import('./index.mjs').then((m) => { process.stdout.write(typeof m.handler); process.exit(0); })";
    for (const [name, fnId] of Object.entries(ids().fn)) {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        cwd: s.assetDir(fnId),
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 15_000,
      });
      expect(out, name).toBe('function');
    }
  });
});
