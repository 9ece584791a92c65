// KeygateAuthorizer on a team's own API, through the public `keygate/cdk` entry only: an Orders RestApi
// whose methods declare scopes with require(). The synthesized template and the synthesized authorizer
// bundle (run in a child node process with the template's environment) are checked together.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { KeygateAuthorizer } from 'keygate/cdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';
import { synthError } from '../../support/synth-error.js';

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod';

interface Synth {
  readonly template: Template;
  readonly json: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  readonly outdir: string;
  readonly authorizer: KeygateAuthorizer;
  readonly stack: Stack;
}

function synthOrders(
  jwksUri: string,
  declare?: (api: apigateway.RestApi, a: KeygateAuthorizer) => void,
): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'keygate-orders-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Orders');
  const api = new apigateway.RestApi(stack, 'OrdersApi');
  const authorizer = new KeygateAuthorizer(stack, 'Auth', {
    // The bundle's policies are under test here; its revocation list is tested with the handler.
    issuer: { issuerUrl: TEST_ISSUER, jwksUri, revocationsUri: false },
    audience: TEST_AUDIENCE,
  });
  const backend = new apigateway.MockIntegration();
  if (declare) declare(api, authorizer);
  else {
    const orders = api.root.addResource('orders');
    const order = orders.addResource('{id}');
    orders.addMethod('GET', backend, authorizer.require('orders/read'));
    order.addMethod('GET', backend, authorizer.require('orders/read'));
    orders.addMethod('POST', backend, authorizer.require('orders/write'));
    order.addMethod('DELETE', backend, authorizer.require('orders/admin'));
    order.addResource('audit').addMethod('GET', backend, authorizer.require('orders/admin'));
  }
  const assembly = app.synth();
  const json = assembly.getStackArtifact(stack.artifactId).template as Synth['json'];
  return { template: Template.fromJSON(json), json, outdir, authorizer, stack };
}

/** Runs the synthesized authorizer asset in a fresh node process with the template's environment. */
async function invokeBundle(
  s: Synth,
  event: unknown,
): Promise<{ ok: true; result: { policyDocument: unknown } } | { ok: false; error: string }> {
  const [, fn] = Object.entries(s.json.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && (r.Properties.Handler as string) === 'index.handler',
  )!;
  const key = (fn.Properties.Code as { S3Key: string }).S3Key;
  const dir = join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
  const driver = `const { handler } = await import(${JSON.stringify(join(dir, 'index.mjs'))});
try { process.stdout.write(JSON.stringify({ ok: true, result: await handler(${JSON.stringify(event)}) })); }
catch (e) { process.stdout.write(JSON.stringify({ ok: false, error: e.message })); }`;
  // Asynchronous: the JWKS server the bundle fetches from runs in this process.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', driver], {
    env: {
      PATH: process.env.PATH,
      ...env,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      METRICS_FLUSH_INTERVAL_SECONDS: '3600',
    },
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

describe('KeygateAuthorizer on an Orders RestApi', () => {
  let jwks: JwksServer;
  let s: Synth;
  beforeAll(async () => {
    jwks = await startJwksServer({ keys: [testKey().jwk] });
    s = synthOrders(`${jwks.url}/jwks.json`);
  }, 60_000);
  afterAll(async () => {
    await jwks?.close();
    rmSync(s?.outdir ?? '/nonexistent', { recursive: true, force: true });
  });

  it('creates one TOKEN authorizer with the Authorization header, the RFC 6750 regex and a 300 s cache', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    s.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: '^Bearer [A-Za-z0-9\\-._~+/]+=*$',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('puts all five methods behind that authorizer', () => {
    const [authorizerId] = Object.keys(s.template.findResources('AWS::ApiGateway::Authorizer'));
    const methods = Object.values(s.template.findResources('AWS::ApiGateway::Method'));
    expect(methods).toHaveLength(5);
    for (const m of methods) {
      expect(m.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it('collects the route table from the methods declared with require()', () => {
    const byPath = (a: { path: string; method: string }, b: { path: string; method: string }) =>
      `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);
    expect([...s.authorizer.routes].sort(byPath)).toEqual(
      [
        { method: 'GET', path: '/orders', scopes: ['orders/read'] },
        { method: 'POST', path: '/orders', scopes: ['orders/write'] },
        { method: 'DELETE', path: '/orders/{id}', scopes: ['orders/admin'] },
        { method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] },
        { method: 'GET', path: '/orders/{id}/audit', scopes: ['orders/admin'] },
      ].sort(byPath),
    );
  });

  it('ships the route table as routes.json beside the prebuilt bundle, not in the environment', () => {
    const fn = Object.values(s.template.findResources('AWS::Lambda::Function'))[0]!;
    const dir = join(s.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(JSON.parse(readFileSync(join(dir, 'routes.json'), 'utf8'))).toHaveLength(5);
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('ROUTES');
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  it('adds RFC 6750 WWW-Authenticate headers to the API’s 401 and 403 gateway responses', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="keygate", error="invalid_token"'`,
      },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="keygate", error="insufficient_scope"'`,
      },
    });
  });

  it.each([
    ['GET', '/orders', 'allow'],
    ['GET', '/orders/42', 'allow'],
    ['POST', '/orders', 'implicit_deny'],
    ['DELETE', '/orders/42', 'implicit_deny'],
    ['GET', '/orders/42/audit', 'explicit_deny'],
  ])('the bundle’s policy for an orders/read token decides %s %s: %s', async (verb, path, decision) => {
    const token = signToken({ claims: { scope: 'orders/read' } });
    const out = await invokeBundle(s, {
      type: 'TOKEN',
      authorizationToken: `Bearer ${token}`,
      methodArn: `${ARN}/GET/orders`,
    });
    if (!out.ok) throw new Error(out.error);
    expect(evaluatePolicy(out.result.policyDocument, `${ARN}/${verb}${path}`)).toBe(decision);
  });

  it('serves a 200-route API, whose table the 4 KB environment could not hold, from routes.json', async () => {
    const big = synthOrders(`${jwks.url}/jwks.json`, (api, a) => {
      for (let i = 0; i < 100; i++) {
        const r = api.root.addResource(`resource-number-${i}`).addResource('{itemId}');
        r.addMethod('GET', new apigateway.MockIntegration(), a.require(`service/resource-${i}.read`));
        r.addMethod('PUT', new apigateway.MockIntegration(), a.require(`service/resource-${i}.write`));
      }
    });
    try {
      expect(big.authorizer.routes).toHaveLength(200);
      expect(JSON.stringify(big.authorizer.routes).length).toBeGreaterThan(4096);
      const token = signToken({ claims: { scope: 'service/resource-7.read service/resource-99.write' } });
      const out = await invokeBundle(big, {
        type: 'TOKEN',
        authorizationToken: `Bearer ${token}`,
        methodArn: `${ARN}/GET/resource-number-7/a`,
      });
      if (!out.ok) throw new Error(out.error);
      const decide = (verb: string, path: string) =>
        evaluatePolicy(out.result.policyDocument, `${ARN}/${verb}${path}`);
      expect(decide('GET', '/resource-number-7/a')).toBe('allow');
      expect(decide('PUT', '/resource-number-99/b')).toBe('allow');
      expect(decide('PUT', '/resource-number-7/a')).toBe('implicit_deny');
      expect(decide('GET', '/resource-number-8/a')).toBe('implicit_deny');
    } finally {
      rmSync(big.outdir, { recursive: true, force: true });
    }
  });

  it('the bundle answers Unauthorized for a token from another issuer', async () => {
    const token = signToken({ claims: { iss: 'https://elsewhere.example.com', scope: 'orders/read' } });
    expect(
      await invokeBundle(s, {
        type: 'TOKEN',
        authorizationToken: `Bearer ${token}`,
        methodArn: `${ARN}/GET/orders`,
      }),
    ).toEqual({
      ok: false,
      error: 'Unauthorized',
    });
  });
});

/** A stack with one KeygateAuthorizer whose methods `declare` adds; synthesized, with the table it shipped. */
function synthMethods(
  declare: (stack: Stack, a: KeygateAuthorizer) => void,
  options: { context?: Record<string, unknown>; resultsCacheTtl?: Duration } = {},
) {
  const outdir = mkdtempSync(join(tmpdir(), 'keygate-methods-'));
  const app = new App({ outdir, ...(options.context ? { context: options.context } : {}) });
  const stack = new Stack(app, 'Methods');
  const a = new KeygateAuthorizer(stack, 'Auth', {
    issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
    ...(options.resultsCacheTtl ? { resultsCacheTtl: options.resultsCacheTtl } : {}),
  });
  declare(stack, a);
  const template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template);
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
  const asset = join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  const shipped: unknown = JSON.parse(readFileSync(join(asset, 'routes.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  const [authorizerId] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
  return { template, shipped, authorizerId: authorizerId!, routes: a.routes };
}

/** `Verb /path -> AuthorizerId` of every method in the template (Ref of the authorizer, or none). */
function guardedMethods(template: Template): Record<string, unknown> {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: never }>;
  const pathOf = (id: string): string => {
    const r = resources[id] as { Properties: { ParentId: { Ref?: string }; PathPart: string } } | undefined;
    if (!r) return '';
    return `${pathOf(r.Properties.ParentId.Ref ?? '')}/${r.Properties.PathPart}`;
  };
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => {
      const ref = (m.Properties.ResourceId as { Ref?: string }).Ref;
      return [`${m.Properties.HttpMethod} ${ref ? pathOf(ref) : '/'}`, m.Properties.AuthorizerId ?? 'none'];
    }),
  );
}

describe('KeygateAuthorizer require(): the methods and scopes synth records', () => {
  const backend = new apigateway.MockIntegration();

  it('records two methods with different scopes on one authorizer and ships exactly that table', () => {
    const s = synthMethods((stack, a) => {
      const orders = new apigateway.RestApi(stack, 'Api').root.addResource('orders');
      orders.addMethod('GET', backend, a.require('orders/read', 'orders/admin'));
      orders.addMethod('POST', backend, a.require('orders/write'));
    });
    const table = [
      { method: 'GET', path: '/orders', scopes: ['orders/read', 'orders/admin'] },
      { method: 'POST', path: '/orders', scopes: ['orders/write'] },
    ];
    expect(s.routes).toEqual(table);
    expect(s.shipped).toEqual(table);
    expect(guardedMethods(s.template)).toEqual({
      'GET /orders': { Ref: s.authorizerId },
      'POST /orders': { Ref: s.authorizerId },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      RestApiId: { Ref: Match.stringLikeRegexp('^Api') },
    });
  });

  it('records a method added after require() was called, and one require() reused on two methods', () => {
    const s = synthMethods((stack, a) => {
      const read = a.require('catalog/read');
      const api = new apigateway.RestApi(stack, 'Api');
      api.root.addResource('health').addMethod('GET', backend);
      const items = api.root.addResource('items');
      items.addMethod('GET', backend, read);
      items.addResource('{id}').addMethod('GET', backend, read);
    });
    expect(s.shipped).toEqual([
      { method: 'GET', path: '/items', scopes: ['catalog/read'] },
      { method: 'GET', path: '/items/{id}', scopes: ['catalog/read'] },
    ]);
    expect(guardedMethods(s.template)).toEqual({
      'GET /health': 'none',
      'GET /items': { Ref: s.authorizerId },
      'GET /items/{id}': { Ref: s.authorizerId },
    });
  });

  it('records every method of an API whose defaultMethodOptions is a require(), except one that opts out', () => {
    const s = synthMethods((stack, a) => {
      const api = new apigateway.RestApi(stack, 'Api', { defaultMethodOptions: a.require('all/read') });
      api.root.addResource('a').addMethod('GET', backend);
      api.root.addResource('b').addMethod('PUT', backend, a.require('b/write'));
      api.root
        .addResource('ping')
        .addMethod('GET', backend, { authorizationType: apigateway.AuthorizationType.NONE });
    });
    expect(s.shipped).toEqual([
      { method: 'GET', path: '/a', scopes: ['all/read'] },
      { method: 'PUT', path: '/b', scopes: ['b/write'] },
    ]);
    expect(guardedMethods(s.template)).toEqual({
      'GET /a': { Ref: s.authorizerId },
      'PUT /b': { Ref: s.authorizerId },
      'GET /ping': 'none',
    });
  });

  // aws-cdk-lib puts an authorizer it attaches into the deployment's hash under this flag (cx-api features,
  // APIGATEWAY_AUTHORIZER_CHANGE_DEPLOYMENT_LOGICAL_ID); the synth-time attach keeps that.
  it.each([
    [true, 'gets a new deployment that depends on the authorizer', false],
    [false, 'keeps its deployment (aws-cdk-lib’s default)', true],
  ])('with authorizerChangeDeploymentLogicalId=%s, a changed authorizer %s', (flag, _name, same) => {
    const deploymentOf = (ttl: number) => {
      const s = synthMethods(
        (stack, a) =>
          new apigateway.RestApi(stack, 'Api').root.addMethod('GET', backend, a.require('x/read')),
        {
          context: { '@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId': flag },
          resultsCacheTtl: Duration.seconds(ttl),
        },
      );
      const deployments = Object.entries(s.template.findResources('AWS::ApiGateway::Deployment'));
      expect(deployments).toHaveLength(1);
      const [id, deployment] = deployments[0]!;
      return { id, dependsOnAuthorizer: (deployment.DependsOn as string[]).includes(s.authorizerId) };
    };
    const [before, after] = [deploymentOf(300), deploymentOf(60)];
    expect(before.id === after.id).toBe(same);
    expect(before.dependsOnAuthorizer).toBe(flag);
  });
});

describe('KeygateAuthorizer props and misuse', () => {
  const backend = new apigateway.MockIntegration();

  it('maps the authorizer context and the matched resource to X-Keygate-* headers for HTTP integrations', () => {
    expect(KeygateAuthorizer.CONTEXT_REQUEST_PARAMETERS).toEqual({
      'integration.request.header.X-Keygate-Client-Id': 'context.authorizer.clientId',
      'integration.request.header.X-Keygate-Scope': 'context.authorizer.scope',
      'integration.request.header.X-Keygate-Resource-Path': 'context.resourcePath',
    });
  });

  it('hands an HTTP integration the context headers through its request parameters', () => {
    const stack = new Stack(new App(), 'Http');
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
    });
    const integration = new apigateway.HttpIntegration('https://orders.internal.example.com/orders', {
      options: { requestParameters: { ...KeygateAuthorizer.CONTEXT_REQUEST_PARAMETERS } },
    });
    new apigateway.RestApi(stack, 'Api').root
      .addResource('orders')
      .addMethod('GET', integration, a.require('orders/read'));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'CUSTOM',
      Integration: {
        Type: 'HTTP_PROXY',
        RequestParameters: {
          'integration.request.header.X-Keygate-Client-Id': 'context.authorizer.clientId',
          'integration.request.header.X-Keygate-Scope': 'context.authorizer.scope',
          'integration.request.header.X-Keygate-Resource-Path': 'context.resourcePath',
        },
      },
    });
  });

  it('maps client claims to X-Keygate-Claim-* headers and keeps them in the context for every token', () => {
    const stack = new Stack(new App(), 'Claims');
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
      contextClaims: ['tenant', 'plan_id'],
    });
    expect(a.requestParameters).toEqual({
      ...KeygateAuthorizer.CONTEXT_REQUEST_PARAMETERS,
      'integration.request.header.X-Keygate-Claim-Tenant': 'context.authorizer.claim_tenant',
      'integration.request.header.X-Keygate-Claim-Plan-Id': 'context.authorizer.claim_plan_id',
    });
    const integration = new apigateway.HttpIntegration('https://orders.internal.example.com/orders', {
      options: { requestParameters: { ...a.requestParameters } },
    });
    new apigateway.RestApi(stack, 'Api').root.addMethod('GET', integration, a.require('orders/read'));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: {
        RequestParameters: Match.objectLike({
          'integration.request.header.X-Keygate-Claim-Tenant': 'context.authorizer.claim_tenant',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CONTEXT_CLAIMS: 'tenant plan_id' }) },
    });
  });

  it.each([['sub'], ['Tenant']])('refuses the claim name %j', (name) => {
    const stack = new Stack(new App(), 'BadClaim');
    expect(
      () =>
        new KeygateAuthorizer(stack, 'A', {
          issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
          contextClaims: [name],
        }),
    ).toThrow(`KeygateAuthorizer contextClaims: ${JSON.stringify(name)} is not a client claim name`);
  });

  it('passes tuning knobs and the cache TTL through', () => {
    const app = new App();
    const stack = new Stack(app, 'T');
    const api = new apigateway.RestApi(stack, 'Api');
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer: {
        issuerUrl: TEST_ISSUER,
        jwksUri: 'https://auth.keygate.test/prod/jwks.json',
        audience: TEST_AUDIENCE,
      },
      resultsCacheTtl: Duration.seconds(0),
      tokenCacheSize: 0,
      clockLeewaySeconds: 7,
    });
    api.root.addMethod('GET', new apigateway.MockIntegration(), a.require('x/read'));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUDIENCE: TEST_AUDIENCE,
          TOKEN_CACHE_SIZE: '0',
          CLOCK_LEEWAY_SECONDS: '7',
        }),
      },
    });
    expect(a.routes).toEqual([{ method: 'GET', path: '/', scopes: ['x/read'] }]);
  });

  it.each([
    ['leaves REVOCATIONS_URI unset (the authorizer loads {issuer}/revocations)', undefined, undefined],
    [
      'passes an explicit revocation list',
      'https://lists.example/revocations',
      'https://lists.example/revocations',
    ],
    ['turns revocation off only when told to, with REVOCATIONS_URI=none', false, 'none'],
  ] as const)('%s', (_, revocationsUri, expected) => {
    const stack = new Stack(new App(), 'R');
    const api = new apigateway.RestApi(stack, 'Api');
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer: {
        issuerUrl: TEST_ISSUER,
        jwksUri: 'https://auth.keygate.test/prod/jwks.json',
        audience: TEST_AUDIENCE,
        ...(revocationsUri !== undefined ? { revocationsUri } : {}),
      },
      revocationsMaxStaleSeconds: 120,
    });
    api.root.addMethod('GET', new apigateway.MockIntegration(), a.require('x/read'));
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const vars = Object.values(fns).map(
      (f) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables,
    );
    expect(vars.map((v) => [v.REVOCATIONS_URI, v.REVOCATIONS_MAX_STALE_SECONDS])).toEqual([
      [expected, '120'],
    ]);
  });

  it.each([
    [
      'an ANY method (a policy names concrete verbs)',
      (api: apigateway.RestApi, a: KeygateAuthorizer) => {
        const x = api.root.addResource('x');
        x.addMethod('GET', backend, a.require('x/read'));
        x.addMethod('ANY', backend, a.require('x/read'));
      },
      "[Err/Api/Default/x/ANY] KeygateAuthorizer Err/A: ANY /x cannot use require(): the authorizer's policies " +
        'name concrete verbs, so add one method per verb (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)',
    ],
    [
      'a scope that is not an RFC 6749 scope token',
      (api: apigateway.RestApi, a: KeygateAuthorizer) =>
        api.root.addResource('x').addMethod('GET', backend, a.require('x/read x/write')),
      '[Err/Api/Default/x/GET] KeygateAuthorizer Err/A: GET /x: scopes[0] must be a scope token',
    ],
    [
      '{id} beside {name} at one place',
      (api: apigateway.RestApi, a: KeygateAuthorizer) => {
        const x = api.root.addResource('x');
        x.addResource('{id}').addMethod('GET', backend, a.require('x/read'));
        x.addResource('{name}').addMethod('GET', backend, a.require('x/read'));
      },
      '[Err/Api/Default/x/{name}/GET] KeygateAuthorizer Err/A: GET /x/{name} is the route of ' +
        'Err/Api/Default/x/{id}/GET too (API Gateway takes one {parameter} per place)',
    ],
    [
      'methods of a second RestApi (an authorizer belongs to one API)',
      (api: apigateway.RestApi, a: KeygateAuthorizer) => {
        api.root.addMethod('GET', backend, a.require('x/read'));
        new apigateway.RestApi(api.stack, 'Second').root.addMethod('GET', backend, a.require('x/read'));
      },
      '[Err/Second/Default/GET] KeygateAuthorizer Err/A: an API Gateway authorizer belongs to one RestApi and ' +
        'this one guards Err/Api: create one KeygateAuthorizer per RestApi',
    ],
  ])('fails synth with one validation error naming the method for %s', (_name, declare, error) => {
    const app = new App();
    const stack = new Stack(app, 'Err');
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
    });
    declare(new apigateway.RestApi(stack, 'Api'), a);
    expect(synthError(app)).toBe(`Validation failed with the following errors:\n  ${error}`);
  });

  it.each([['no scope', () => ({}), (a: KeygateAuthorizer) => a.require(), /at least one scope/]])(
    'rejects require() with %s',
    (_name, _props, call, message) => {
      const stack = new Stack(new App(), 'R');
      const a = new KeygateAuthorizer(stack, 'A', {
        issuer: { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j', audience: 'a' },
      });
      expect(() => call(a)).toThrow(message);
    },
  );

  it('fails synth with one line naming the authorizer and the fix for a result-cache TTL above one hour', () => {
    const app = new App();
    const stack = new Stack(app, 'V');
    const issuer = { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j' };
    const a = new KeygateAuthorizer(stack, 'A', {
      issuer,
      audience: 'a',
      resultsCacheTtl: Duration.seconds(3601),
    });
    new apigateway.RestApi(stack, 'Api').root.addMethod('GET', backend, a.require('x/read'));
    expect(synthError(app)).toBe(
      'Validation failed with the following errors:\n  [V/A] KeygateAuthorizer V/A: resultsCacheTtl (seconds) must be ' +
        'an integer from 0 to 3600 (got "3601"): use Duration.seconds(3600) or less (0 turns the cache off)',
    );
  });

  it('rejects a missing audience', () => {
    const stack = new Stack(new App(), 'V');
    const issuer = { issuerUrl: TEST_ISSUER, jwksUri: 'https://x.test/j' };
    expect(() => new KeygateAuthorizer(stack, 'B', { issuer })).toThrow(/needs `audience`/);
  });
});
