// KeygateIssuer through `keygate/cdk`: the parts other constructs attach to, and the discovery scopes.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KeygateAuthorizer, KeygateIssuer } from 'keygate/cdk';
import { describe, expect, it } from 'vitest';

describe('KeygateIssuer', () => {
  const stack = new Stack(new App(), 'Issuer');
  const issuer = new KeygateIssuer(stack, 'Issuer', {
    audience: 'https://orders.example.com',
    scopes: ['orders/read', 'orders/write'],
  });
  const t = Template.fromStack(stack);

  it('exposes issuer, JWKS and token URLs under one stage URL, and its key, table, API and functions', () => {
    const resolve = (v: string) => JSON.stringify(stack.resolve(v));
    expect(resolve(issuer.jwksUri)).toContain('/.well-known/jwks.json');
    expect(resolve(issuer.tokenUrl)).toContain('/oauth2/token');
    expect(resolve(issuer.issuerUrl)).toContain('/prod');
    expect(issuer.audience).toBe('https://orders.example.com');
    expect([
      issuer.key,
      issuer.table,
      issuer.api,
      issuer.token.function,
      issuer.tokenClientAuth.function,
      issuer.tokenClientAuthorizer,
      issuer.documents.publisher.function,
      issuer.documents.bucket,
    ]).not.toContain(undefined);
    // token, its client authenticator, discovery, the document publisher and the rotation task.
    t.resourceCountIs('AWS::Lambda::Function', 5);
  });

  it('offers TLS 1.3 (and 1.2) on the auth API with the enhanced policy and strict endpoint access', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'keygate-auth',
      SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PQ_2025_09',
      EndpointAccessMode: 'STRICT',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it.each([
    [apigateway.SecurityPolicy.TLS_1_2, undefined],
    [apigateway.SecurityPolicy.TLS13_1_3_2025_09, 'STRICT'],
  ])('takes securityPolicy %s (endpoint access mode %s)', (securityPolicy, mode) => {
    const stack = new Stack(new App(), 'Tls');
    new KeygateIssuer(stack, 'Issuer', { audience: 'aud', securityPolicy, keyRotation: false });
    const [api] = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi'));
    expect(api!.Properties.SecurityPolicy).toBe(securityPolicy);
    expect(api!.Properties.EndpointAccessMode).toBe(mode);
  });

  it("expires deleted clients' tombstones with DynamoDB TTL on expires_at", () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
  });

  it('counts issuance in a table of its own (no stream, TTL), which only the token function may update', () => {
    t.resourceCountIs('AWS::DynamoDB::Table', 2);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      StreamSpecification: Match.absent(),
    });
    const [issuance] = Object.keys(
      t.findResources('AWS::DynamoDB::Table', {
        Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
      }),
    );
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ISSUANCE_TABLE: { Ref: issuance } }) },
    });
    const updaters = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:UpdateItem'),
    );
    expect(updaters).toHaveLength(1);
    expect(JSON.stringify(updaters[0]!.Properties.PolicyDocument)).toContain(issuance);
  });

  it('rotates the signing key every 90 days by default', () => {
    expect(issuer.keyRotation).toBeDefined();
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(90 days)' });
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  it('builds no rotation with keyRotation: false: four functions, no schedule', () => {
    const manual = new Stack(new App(), 'Manual');
    const noRotation = new KeygateIssuer(manual, 'Issuer', { audience: 'aud', keyRotation: false });
    const m = Template.fromStack(manual);
    expect(noRotation.keyRotation).toBeUndefined();
    m.resourceCountIs('AWS::Lambda::Function', 4);
    m.resourceCountIs('AWS::Scheduler::Schedule', 0);
    m.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
  });

  it('publishes the given scopes as the discovery function’s SCOPES', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCOPES: 'orders/read orders/write' }) },
    });
  });

  it.each([
    ['in the issuer’s stack: the rotation reads its settings', true],
    ['in another stack: the rotation assumes the authorizer defaults (no reference back)', false],
  ])('registers a KeygateAuthorizer %s', (_, sameStack) => {
    const app = new App();
    const issuerStack = new Stack(app, 'Auth');
    const own = new KeygateIssuer(issuerStack, 'Issuer', { audience: 'aud' });
    const apiStack = sameStack ? issuerStack : new Stack(app, 'Orders');
    const authorizer = new KeygateAuthorizer(apiStack, 'Authorizer', { issuer: own });
    new apigateway.RestApi(apiStack, 'Orders').root.addMethod(
      'GET',
      new apigateway.MockIntegration(),
      authorizer.require('orders/read'),
    );
    const env = Template.fromStack(issuerStack).findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('rotation task') },
    });
    const variables = Object.values(env)[0]!.Properties.Environment.Variables;
    if (sameStack) {
      expect(variables.AUTHORIZER_FUNCTION_NAMES).toEqual({
        Ref: issuerStack.getLogicalId(authorizer.function.node.defaultChild as never),
      });
    } else {
      expect(variables.AUTHORIZER_FUNCTION_NAMES).toBeUndefined();
      expect(() => app.synth()).not.toThrow();
    }
  });
});

describe('KeygateIssuer audiences (RFC 8707 resources)', () => {
  const ORDERS = 'https://orders.example.com';
  const BILLING = 'https://billing.example.com';

  it('tells the token function every audience it serves and gives each API authorizer only its own', () => {
    const stack = new Stack(new App(), 'Audiences');
    const issuer = new KeygateIssuer(stack, 'Issuer', {
      audience: ORDERS,
      audiences: [BILLING],
      keyRotation: false,
    });
    expect(issuer.audiences).toEqual([ORDERS, BILLING]);
    const authorizer = new KeygateAuthorizer(stack, 'Billing', { issuer, audience: BILLING });
    new apigateway.RestApi(stack, 'BillingApi').root.addMethod(
      'GET',
      new apigateway.MockIntegration(),
      authorizer.require('billing/read'),
    );
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIENCE: ORDERS, AUDIENCES: BILLING }) },
    });
    const billing = t.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('TOKEN authorizer') },
    });
    expect(Object.values(billing).map((f) => f.Properties.Environment.Variables.AUDIENCE)).toEqual([BILLING]);
  });

  it('makes an authorizer on a several-audience issuer name its own audience', () => {
    const stack = new Stack(new App(), 'Own');
    const issuer = new KeygateIssuer(stack, 'Issuer', {
      audience: ORDERS,
      audiences: [BILLING],
      keyRotation: false,
    });
    expect(() => new KeygateAuthorizer(stack, 'A', { issuer })).toThrow(
      /needs `audience` when the issuer serves several audiences/,
    );
  });

  it.each([['orders'], ['https://billing.example.com#x']])('refuses audience %j at synth', (bad) => {
    const stack = new Stack(new App(), 'Bad');
    expect(
      () => new KeygateIssuer(stack, 'Issuer', { audience: ORDERS, audiences: [bad], keyRotation: false }),
    ).toThrow(/KeygateIssuer audiences: .* \(RFC 8707 §2\)/);
  });
});

describe('KeygateIssuer grants', () => {
  const stack = new Stack(new App(), 'Grants');
  const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'aud', scopes: ['orders/read'] });
  const role = (name: string) => new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  const roles = { admin: role('Admin'), oncall: role('OnCall'), keys: role('KeyAdmin') };
  // Granted before the authorizer exists: the flush statement still follows once synth collects its methods.
  issuer.grantClientAdmin(roles.admin);
  const api = new apigateway.RestApi(stack, 'OrdersApi');
  const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
  api.root
    .addResource('orders')
    .addMethod('GET', new apigateway.MockIntegration(), authorizer.require('orders/read'));
  issuer.grantRevoke(roles.oncall);
  issuer.grantKeyAdmin(roles.keys);
  const t = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const statementsOf = (r: iam.Role) => {
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(r) }] } });
    return Object.values(policies).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement,
    );
  };
  const table = { 'Fn::GetAtt': [id(issuer.table), 'Arn'] };
  const readOutputs = {
    Action: 'cloudformation:DescribeStacks',
    Effect: 'Allow',
    Resource: { Ref: 'AWS::StackId' },
  };
  const flush = {
    Action: 'apigateway:DELETE',
    Effect: 'Allow',
    Resource: {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':apigateway:',
          { Ref: 'AWS::Region' },
          '::/restapis/',
          { Ref: id(api) },
          '/stages/',
          { Ref: stack.getLogicalId(api.deploymentStage.node.defaultChild as never) },
          '/cache/authorizers',
        ],
      ],
    },
  };

  it('grantClientAdmin: the registry calls of every clients command, the cache flush and the stack outputs', () => {
    expect(statementsOf(roles.admin)).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
        Effect: 'Allow',
        Resource: table,
      },
      readOutputs,
      flush,
    ]);
  });

  it('grantRevoke: only the stamped read-write of revoke/disable, the cache flush and the stack outputs', () => {
    expect(statementsOf(roles.oncall)).toEqual([
      { Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Effect: 'Allow', Resource: table },
      readOutputs,
      flush,
    ]);
  });

  it('grantKeyAdmin: the key-state item only, the deployed key described, the rotation started and watched', () => {
    const machine = issuer.keyRotation!.stateMachine;
    expect(statementsOf(roles.keys)).toEqual([
      {
        Action: 'dynamodb:GetItem',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#keygate/signing-keys'] } },
        Effect: 'Allow',
        Resource: table,
      },
      { Action: 'kms:DescribeKey', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(issuer.key), 'Arn'] } },
      readOutputs,
      {
        Action: ['states:StartExecution', 'states:ListExecutions'],
        Effect: 'Allow',
        Resource: { Ref: id(machine) },
      },
      {
        Action: 'states:DescribeExecution',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':execution:',
              { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: id(machine) }] }] },
              ':*',
            ],
          ],
        },
      },
    ]);
  });
});
