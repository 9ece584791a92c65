// KeygateClient through `keygate/cdk`: an Orders app with a KeygateIssuer, a KeygateAuthorizer and two
// KeygateClients synthesizes; the secrets are Secrets Manager secrets the template never holds the value of;
// the custom resource function may do exactly its job; mistakes in the props fail synth with one line each.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  KeygateAuthorizer,
  KeygateClient,
  type KeygateClientProps,
  KeygateIssuer,
  STACK_OUTPUTS,
} from 'keygate/cdk';
import { describe, expect, it } from 'vitest';
import { synthError } from '../../support/synth-error.js';

const SCOPES = ['orders/read', 'orders/write'];
const AUDIENCE = 'https://orders.example.com';
/** An EC P-256 key with its private part `d`: never acceptable as a client's public key. */
const PRIVATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
};
const PUBLIC_JWK = { kty: 'EC', crv: 'P-256', x: PRIVATE_JWK.x, y: PRIVATE_JWK.y, kid: 'orders-2026' };

/** The Orders app: issuer, an API behind the authorizer, and the two clients. */
function ordersApp() {
  const app = new App();
  const stack = new Stack(app, 'Orders');
  const issuer = new KeygateIssuer(stack, 'Issuer', {
    audience: 'https://orders.example.com',
    scopes: SCOPES,
  });
  const api = new apigateway.RestApi(stack, 'OrdersApi');
  const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
  const orders = api.root.addResource('orders');
  orders.addMethod('GET', new apigateway.MockIntegration(), authorizer.require('orders/read'));
  orders.addMethod('POST', new apigateway.MockIntegration(), authorizer.require('orders/write'));
  const billing = new KeygateClient(stack, 'Billing', { issuer, scopes: ['orders/read'] });
  const shipping = new KeygateClient(stack, 'Shipping', {
    issuer,
    scopes: ['orders/read', 'orders/write'],
    tokenLifetime: Duration.minutes(15),
    issuanceLimit: 20,
  });
  return { app, stack, issuer, api, authorizer, billing, shipping };
}

describe('KeygateClient with publicKeys, resources and claims', () => {
  const app = new App();
  const stack = new Stack(app, 'Tenants');
  const issuer = new KeygateIssuer(stack, 'Issuer', {
    audience: AUDIENCE,
    audiences: ['https://billing.example.com'],
    scopes: SCOPES,
  });
  const acme = new KeygateClient(stack, 'Acme', {
    issuer,
    scopes: ['orders/read'],
    publicKeys: { keys: [PUBLIC_JWK] },
    resources: [AUDIENCE, 'https://billing.example.com'],
    defaultResource: 'https://billing.example.com',
    claims: { tenant: 'acme' },
  });
  const template = Template.fromStack(stack);

  it('makes no secret for a private_key_jwt client and passes its public keys, resources and claims', () => {
    expect(acme.secret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('Custom::KeygateClient', {
      Jwks: JSON.stringify({ keys: [PUBLIC_JWK] }),
      Resources: [AUDIENCE, 'https://billing.example.com'],
      DefaultResource: 'https://billing.example.com',
      DefaultAudience: AUDIENCE,
      Claims: { tenant: 'acme' },
      SecretArn: Match.absent(),
    });
  });

  it('refuses grantReadSecret on a client that has no secret, naming it', () => {
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => acme.grantReadSecret(role)).toThrow(
      'KeygateClient Tenants/Acme authenticates with publicKeys (private_key_jwt) and has no secret to read',
    );
  });
});

type Json = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties?: Json; DependsOn?: string[] }>;

describe('KeygateClient in an app with an issuer and an authorizer', () => {
  const s = ordersApp();
  const grantees = {
    reader: new iam.Role(s.stack, 'BillingApp', { assumedBy: new iam.AccountRootPrincipal() }),
  };
  s.billing.grantReadSecret(grantees.reader);
  const json = s.app.synth().getStackArtifact(s.stack.artifactId).template as {
    Resources: Resources;
    Outputs: Json;
  };
  const template = Template.fromJSON(json);
  const id = (c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(c.node.defaultChild as never);
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

  it('keeps each secret in an AWS::SecretsManager::Secret that Secrets Manager generates: 64 letters and digits', () => {
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([logicalId]) => logicalId).sort()).toEqual(
      [id(s.billing.secret!), id(s.shipping.secret!)].sort(),
    );
    for (const [, secret] of secrets) {
      expect(secret.Properties!.GenerateSecretString).toEqual({
        PasswordLength: 64,
        ExcludePunctuation: true,
        IncludeSpace: false,
      });
      expect(secret.Properties).not.toHaveProperty('SecretString');
    }
  });

  it('has no secret value anywhere: no SecretString, no dynamic reference, the secrets named only by ARN', () => {
    const text = JSON.stringify(json);
    expect(text).not.toContain('"SecretString"');
    expect(text).not.toMatch(/resolve:secretsmanager/);
    expect(text).not.toContain('GenerateStringKey');
    // Where the secrets are referenced at all: by Ref (their ARN) in the custom resources and IAM policies.
    const secretIds = new Set([id(s.billing.secret!), id(s.shipping.secret!)]);
    const uses: string[] = [];
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) {
        for (const v of value) walk(v, where);
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if ((k === 'Ref' || k === 'Fn::GetAtt') && secretIds.has(Array.isArray(v) ? v[0] : (v as string))) {
            uses.push(`${where}:${k}`);
          }
          walk(v, where);
        }
      }
    };
    for (const r of Object.values(json.Resources)) walk(r.Properties, r.Type);
    walk(json.Outputs, 'Outputs');
    expect([...new Set(uses)].sort()).toEqual(['AWS::IAM::Policy:Ref', 'Custom::KeygateClient:Ref']);
  });

  it('creates each client with a custom resource carrying its settings and the issuer scopes, never the secret', () => {
    const clients = ofType('Custom::KeygateClient').map(([, r]) => r.Properties!);
    expect(
      clients.map(({ ServiceToken: _, TableName, SecretArn, ...rest }) => [TableName, SecretArn, rest]),
    ).toEqual([
      [
        { Ref: id(s.issuer.table) },
        { Ref: id(s.billing.secret!) },
        { Name: 'Orders/Billing', Scopes: ['orders/read'], KnownScopes: SCOPES, DefaultAudience: AUDIENCE },
      ],
      [
        { Ref: id(s.issuer.table) },
        { Ref: id(s.shipping.secret!) },
        {
          Name: 'Orders/Shipping',
          Scopes: ['orders/read', 'orders/write'],
          KnownScopes: SCOPES,
          DefaultAudience: AUDIENCE,
          TokenLifetimeSeconds: '900',
          IssuanceRatePerSecond: '20',
        },
      ],
    ]);
    expect(JSON.stringify(s.stack.resolve(s.billing.clientId))).toContain('"ClientId"');
  });

  it('runs one custom resource function for both clients, allowed exactly the table writes and each secret read', () => {
    const fns = ofType('AWS::Lambda::Function').filter(([, f]) =>
      String((f.Properties!.Description as string) ?? '').includes('clients as code'),
    );
    expect(fns).toHaveLength(1);
    const role = (fns[0]![1].Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const [policy] = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === role),
    );
    const statements = (policy![1].Properties!.PolicyDocument as { Statement: Json[] }).Statement;
    expect(statements.filter((st) => st.Sid !== 'WriteOwnLogs')).toEqual([
      {
        Sid: 'WriteClients',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [id(s.issuer.table), 'Arn'] },
      },
      ...[s.billing, s.shipping].map((c) => ({
        Sid: expect.stringMatching(/^ReadSecret/),
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: id(c.secret!) },
      })),
    ]);
    // The policies exist before the first Create runs.
    for (const [, r] of ofType('Custom::KeygateClient'))
      expect(r.DependsOn).toEqual(expect.arrayContaining([policy![0]]));
  });

  it('grantReadSecret gives the grantee GetSecretValue and DescribeSecret on that one secret', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(grantees.reader) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { Ref: id(s.billing.secret!) },
          },
        ],
      },
    });
  });

  it('writes the outputs the CLI reads under the shared names, the authorizer cache included', () => {
    expect(
      Object.keys(json.Outputs)
        .filter((name) => name.startsWith('Keygate'))
        .sort(),
    ).toEqual(
      [
        STACK_OUTPUTS.region,
        STACK_OUTPUTS.issuerUrl,
        STACK_OUTPUTS.tokenUrl,
        STACK_OUTPUTS.clientsTable,
        STACK_OUTPUTS.scopes,
        STACK_OUTPUTS.signingKeyArn,
        STACK_OUTPUTS.signingKeyAlias,
        STACK_OUTPUTS.keyRotationStateMachineArn,
        STACK_OUTPUTS.authorizerCaches,
      ].sort(),
    );
    const out = json.Outputs as Record<string, { Value: unknown }>;
    expect(out[STACK_OUTPUTS.scopes]!.Value).toBe('orders/read orders/write');
    expect(out[STACK_OUTPUTS.clientsTable]!.Value).toEqual({ Ref: id(s.issuer.table) });
    expect(out[STACK_OUTPUTS.authorizerCaches]!.Value).toEqual({
      'Fn::Join': [
        '',
        [
          { Ref: id(s.api) },
          '/',
          { Ref: s.stack.getLogicalId(s.api.deploymentStage.node.defaultChild as never) },
        ],
      ],
    });
  });
});

describe('KeygateClient under cdk-nag', () => {
  it('adds no AWS Solutions finding: the secret, the function and its role are clean or acknowledged with a reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'keygate-client-nag-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Nag');
    const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'a', scopes: SCOPES, keyRotation: false });
    new KeygateClient(stack, 'Billing', { issuer, scopes: ['orders/read'] });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // Findings fail synth; the report below names them.
    }
    const reportPath = join(outdir, 'validation-report.json');
    const report = existsSync(reportPath)
      ? (JSON.parse(readFileSync(reportPath, 'utf8')) as {
          pluginReports: {
            violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
          }[];
        })
      : { pluginReports: [] };
    const findings = report.pluginReports
      .flatMap((r) => r.violations)
      .flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`))
      .filter((f) => /Billing|KeygateClientProvider/.test(f));
    expect(findings).toEqual([]);
  });
});

describe('KeygateClient props and mistakes', () => {
  const client = (over: Partial<KeygateClientProps>, issuerScopes: readonly string[] | 'none' = SCOPES) => {
    const app = new App();
    const stack = new Stack(app, 'Err');
    const issuer = new KeygateIssuer(stack, 'Issuer', {
      audience: 'a',
      keyRotation: false,
      ...(issuerScopes === 'none' ? {} : { scopes: issuerScopes }),
    });
    new KeygateClient(stack, 'Billing', { issuer, scopes: ['orders/read'], ...over });
    return synthError(app);
  };
  const failure = (line: string) =>
    `Validation failed with the following errors:\n  [Err/Billing] KeygateClient Err/Billing: ${line}`;

  it.each([
    [
      'a misspelt scope, with the nearest declared one',
      { scopes: ['orders/raed'] },
      'scope "orders/raed" is not declared by issuer Err/Issuer: did you mean "orders/read"?',
    ],
    [
      'a scope nothing declared is near',
      { scopes: ['billing/admin'] },
      'scope "billing/admin" is not declared by issuer Err/Issuer: add it to the issuer\'s `scopes` (declared: orders/read orders/write)',
    ],
    ['no scope', { scopes: [] }, 'scopes is empty: give it at least one of orders/read orders/write'],
    [
      'a token lifetime under a minute',
      { tokenLifetime: Duration.seconds(30) },
      'tokenLifetime: token lifetime must be an integer from 60 to 86400 seconds (got 30 s): use e.g. Duration.hours(1)',
    ],
    [
      'a token lifetime over a day',
      { tokenLifetime: Duration.days(2) },
      'tokenLifetime: token lifetime must be an integer from 60 to 86400 seconds (got 172800 s): use e.g. Duration.hours(1)',
    ],
    [
      'an issuance limit of 0',
      { issuanceLimit: 0 },
      'issuanceLimit: issuance rate must be an integer from 1 to 1000 tokens per second (got 0)',
    ],
    [
      'a fractional issuance limit',
      { issuanceLimit: 2.5 },
      'issuanceLimit: issuance rate must be an integer from 1 to 1000 tokens per second (got 2.5)',
    ],
    [
      'a resource the issuer does not serve',
      { resources: ['https://billing.example.com'] },
      'resource https://billing.example.com is not served by issuer Err/Issuer: add it to its audiences',
    ],
    [
      'a default resource without resources',
      { defaultResource: 'https://orders.example.com' },
      'defaultResource needs resources: list the resources it is one of',
    ],
    [
      'a name with a control character',
      { name: 'billing\n' + 'x' },
      'name: name must be 1-200 printable characters',
    ],
    [
      'a registered claim name',
      { claims: { sub: 'x' } },
      'claims: claim name "sub" is registered (JWT, OAuth or keygate); pick another',
    ],
    [
      'a private key as a public key',
      { publicKeys: { keys: [PRIVATE_JWK] } },
      "publicKeys: key 0 contains private key material: register the public key only (give the client's public JWK Set)",
    ],
  ])('fails synth with one line for %s', (_name, over, line) => {
    expect(client(over)).toBe(failure(line));
  });

  it('fails synth when the issuer declares no scopes, saying where to declare them', () => {
    expect(client({}, 'none')).toBe(
      failure(
        'issuer Err/Issuer declares no scopes: pass `scopes` to its KeygateIssuer (the scopes of your API)',
      ),
    );
  });
});

describe('synth-time mistakes around the issuer', () => {
  it('fails synth on a require()d scope the issuer does not declare, naming the method and the nearest scope', () => {
    const app = new App();
    const stack = new Stack(app, 'Err');
    const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'a', scopes: SCOPES, keyRotation: false });
    const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
    const api = new apigateway.RestApi(stack, 'Api');
    api.root
      .addResource('orders')
      .addMethod('GET', new apigateway.MockIntegration(), authorizer.require('orders/raed'));
    expect(synthError(app)).toBe(
      'Validation failed with the following errors:\n  [Err/Api/Default/orders/GET] KeygateAuthorizer Err/Auth: ' +
        'GET /orders: scope "orders/raed" is not declared by the issuer: did you mean "orders/read"?',
    );
  });

  it('fails synth on two issuers writing the CLI outputs in one stack, with the fix', () => {
    const app = new App();
    const stack = new Stack(app, 'Two');
    new KeygateIssuer(stack, 'First', { audience: 'a', keyRotation: false });
    new KeygateIssuer(stack, 'Second', { audience: 'b', keyRotation: false });
    expect(synthError(app)).toBe(
      'Validation failed with the following errors:\n  [Two/Second] Two/Second: the stack already has ' +
        "keygate's outputs (from Two/First); the CLI reads one issuer per stack: put this one in its own stack " +
        'or pass `outputs: false`',
    );
  });
});
