// KeygateClient: an OAuth client as code. Secrets Manager generates the secret (it never appears in the
// template); a custom resource Lambda (prebuilt `client-resource`, the core client registry the CLI uses)
// reads it at deploy, stores only its hash, and creates, updates or - when the construct goes - disables the
// client and revokes its tokens. Its props are checked at synth against the issuer's declared scopes.
import { CustomResource, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { normalizeClaims } from '../../../core/issuer/clients/client-claims.js';
import { parseClientJwks } from '../../../core/issuer/clients/client-jwks.js';
import { checkIssuanceRate, checkLifetime, checkName } from '../../../core/issuer/clients/client-rules.js';
import { MIN_PROVIDED_SECRET_LENGTH } from '../../../core/issuer/clients/client-secret.js';
import { normalizeResources } from '../../../core/issuer/clients/resource-indicator.js';
import { undeclaredScopeMessage } from './closest-name.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import type { KeygateIssuer } from './keygate-issuer.js';
import { prebuiltCode } from './lambda-code.js';
import { acknowledge } from './nag.js';

/** Props of KeygateClient: its issuer, scopes and token settings. */
export interface KeygateClientProps {
  /** The issuer the client gets tokens from; it must declare `scopes`. */
  readonly issuer: KeygateIssuer;
  /** The scopes the client may be given (each one declared by the issuer). */
  readonly scopes: readonly string[];
  /** Lifetime of its tokens (1 minute to 1 day, whole seconds). @default Duration.hours(1) */
  readonly tokenLifetime?: Duration;
  /** Tokens it may get per second (burst twice that). @default 5 (core/issuer/clients/client-rules.ts) */
  readonly issuanceLimit?: number;
  /**
   * RFC 8707 resources (token audiences) the client may ask for with `resource=`, each one its issuer serves
   * (`audience` or `audiences`). @default the issuer's `audience` only
   */
  readonly resources?: readonly string[];
  /** The `aud` of a token request without `resource=`: one of `resources`. @default the first */
  readonly defaultResource?: string;
  /**
   * Static claims minted into every token of the client, e.g. `{ tenant: 'acme' }` (docs/tenants.md): lower-case
   * names, registered JWT/OAuth names refused. @default none
   */
  readonly claims?: Readonly<Record<string, string>>;
  /**
   * `private_key_jwt` (RFC 7523 §2.2): the client's public keys, a JWK Set. The client then has no secret:
   * it signs client assertions with its private key, which never leaves it. @default a client secret in
   * Secrets Manager
   */
  readonly publicKeys?: { readonly keys: readonly Readonly<Record<string, unknown>>[] };
  /** The client's name in `keygate clients list`. @default the construct path */
  readonly name?: string;
  /** Settings of the custom resource function (one per stack and issuer). */
  readonly functionOptions?: FunctionOptions;
}

/**
 * The secret Secrets Manager generates: 64 letters and digits, 381 bits when drawn at random (64 * log2(62)),
 * above the 256 bits keygate's own secrets carry, in the alphabet the registry accepts from a deployment
 * (core/issuer/clients/client-secret.ts: at least 43 of A-Z a-z 0-9 - _). Secrets Manager's default is 32 characters
 * with ASCII punctuation: too short, and characters that need form-encoding in
 * client_secret_post; ExcludePunctuation drops them all ("GetRandomPassword", AWS Secrets Manager API
 * Reference, https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html, and
 * "AWS::SecretsManager::Secret GenerateSecretString", AWS CloudFormation Template Reference,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html).
 */
export const CLIENT_SECRET_GENERATOR: secretsmanager.SecretStringGenerator = {
  passwordLength: 64,
  excludePunctuation: true,
  includeSpace: false,
};
// A generator change must not fall below what the registry accepts from a deployment.
if ((CLIENT_SECRET_GENERATOR.passwordLength ?? 32) < MIN_PROVIDED_SECRET_LENGTH) {
  throw new Error('CLIENT_SECRET_GENERATOR makes secrets shorter than the registry accepts');
}

/**
 * An OAuth client of a KeygateIssuer, declared in code: created at deploy with a secret Secrets Manager
 * generates (only its hash reaches DynamoDB; the value is never in the template, outputs or logs), updated
 * in place when its props change, and disabled with its tokens revoked when the construct is removed.
 * @example
 * ```ts
 * const billing = new KeygateClient(stack, 'Billing', { issuer, scopes: ['orders/read'] });
 * billing.grantReadSecret(billingService);
 * ```
 */
export class KeygateClient extends Construct {
  /** The client id (`kg_...`), known at deploy: the custom resource's physical id. */
  readonly clientId: string;
  /** The client secret in Secrets Manager (the plain value only, no JSON); none for a `publicKeys` client. */
  readonly secret: secretsmanager.Secret | undefined;
  /** The issuer the client belongs to. */
  readonly issuer: KeygateIssuer;

  constructor(scope: Construct, id: string, props: KeygateClientProps) {
    super(scope, id);
    this.issuer = props.issuer;
    this.node.addValidation({
      validate: () => this.problems(props).map((p) => `KeygateClient ${this.node.path}: ${p}`),
    });

    this.secret =
      props.publicKeys === undefined
        ? new secretsmanager.Secret(this, 'Secret', {
            description: `keygate client_secret of ${this.node.path} (its client_id: the construct's clientId)`,
            generateSecretString: CLIENT_SECRET_GENERATOR,
            // The client is disabled when this construct goes; its secret then authenticates nothing.
            removalPolicy: RemovalPolicy.DESTROY,
          })
        : undefined;
    if (this.secret) {
      acknowledge(
        this.secret,
        'AwsSolutions-SMG4',
        'keygate stores only the hash of this secret, taken at deploy: a Secrets Manager rotation would leave the ' +
          'client unable to authenticate. Replace the construct (new id) to issue a new secret.',
      );
    }

    const provider = providerFor(this, props);
    if (this.secret) {
      provider.allow(
        `ReadSecret${Names.uniqueId(this)}`,
        ['secretsmanager:GetSecretValue'],
        [this.secret.secretArn],
      );
    }
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.function.functionArn,
      resourceType: 'Custom::KeygateClient',
      properties: {
        TableName: props.issuer.table.tableName,
        ...(this.secret
          ? { SecretArn: this.secret.secretArn }
          : { Jwks: JSON.stringify({ keys: props.publicKeys?.keys ?? [] }) }),
        ...(props.resources ? { Resources: [...props.resources] } : {}),
        ...(props.defaultResource ? { DefaultResource: props.defaultResource } : {}),
        DefaultAudience: props.issuer.audience,
        ...(props.claims ? { Claims: { ...props.claims } } : {}),
        Name: props.name ?? this.node.path,
        Scopes: [...props.scopes],
        KnownScopes: [...(props.issuer.scopes ?? [])],
        ...(props.tokenLifetime ? { TokenLifetimeSeconds: String(props.tokenLifetime.toSeconds()) } : {}),
        ...(props.issuanceLimit !== undefined ? { IssuanceRatePerSecond: String(props.issuanceLimit) } : {}),
      },
    });
    // The function's policies first: the Create reads the secret and writes the table with them.
    resource.node.addDependency(provider.role);
    this.clientId = resource.getAttString('ClientId');
  }

  /**
   * Lets `grantee` read the client secret (secretsmanager:GetSecretValue and DescribeSecret on it only).
   * @throws Error for a `publicKeys` client, which has no secret (its private key stays with the client).
   */
  grantReadSecret(grantee: iam.IGrantable): iam.Grant {
    if (!this.secret)
      throw new Error(
        `KeygateClient ${this.node.path} authenticates with publicKeys (private_key_jwt) and has no secret to read`,
      );
    return this.secret.grantRead(grantee);
  }

  /** Everything wrong with the props, each with its fix (synth fails on any). */
  private problems(props: KeygateClientProps): string[] {
    const problems: string[] = [];
    const declared = props.issuer.scopes;
    if (!declared || declared.length === 0) {
      problems.push(
        `issuer ${props.issuer.node.path} declares no scopes: pass \`scopes\` to its KeygateIssuer (the scopes of your API)`,
      );
    } else {
      if (props.scopes.length === 0)
        problems.push(`scopes is empty: give it at least one of ${declared.join(' ')}`);
      for (const scope of props.scopes) {
        if (!declared.includes(scope))
          problems.push(undeclaredScopeMessage(scope, declared, `issuer ${props.issuer.node.path}`));
      }
    }
    // The registry's own rules (core/issuer/clients), run at synth: a mistake fails here, not at deploy.
    const check = (label: string, rule: () => unknown, hint = '') => {
      try {
        rule();
      } catch (err) {
        problems.push(`${label}: ${(err as Error).message}${hint}`);
      }
    };
    if (props.tokenLifetime) {
      const seconds = props.tokenLifetime.toSeconds({ integral: false });
      check('tokenLifetime', () => checkLifetime(seconds), ` (got ${seconds} s): use e.g. Duration.hours(1)`);
    }
    if (props.issuanceLimit !== undefined) {
      const limit = props.issuanceLimit;
      check('issuanceLimit', () => checkIssuanceRate(limit), ` (got ${limit})`);
    }
    check('name', () => checkName(props.name ?? this.node.path));
    const served = props.issuer.audiences;
    if (props.resources !== undefined) {
      const resources = props.resources;
      check('resources', () => normalizeResources(resources, props.defaultResource));
      for (const r of resources) {
        if (!served.includes(r))
          problems.push(
            `resource ${r} is not served by issuer ${props.issuer.node.path}: add it to its audiences`,
          );
      }
    } else if (props.defaultResource !== undefined) {
      problems.push('defaultResource needs resources: list the resources it is one of');
    }
    const { claims, publicKeys } = props;
    if (claims !== undefined) check('claims', () => normalizeClaims(claims));
    if (publicKeys !== undefined)
      check('publicKeys', () => parseClientJwks(publicKeys), " (give the client's public JWK Set)");
    return problems;
  }
}

/**
 * The custom resource function of `client.issuer` in the client's stack: one for all its clients there. In
 * the client's stack (not the issuer's) so each secret grant stays in the stack that owns the secret.
 */
function providerFor(client: KeygateClient, props: KeygateClientProps): KeygateFunction {
  const stack = Stack.of(client);
  const id = `KeygateClientProvider${Names.uniqueId(props.issuer)}`;
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof KeygateFunction) return existing;
  const fn = new KeygateFunction(stack, id, {
    ...props.functionOptions,
    code: prebuiltCode('client-resource'),
    description: `keygate clients as code (CloudFormation custom resource) for ${props.issuer.node.path}`,
    serviceName: 'keygate-client-resource',
    memorySize: 256,
    // A secret read and up to four DynamoDB calls, each retried by the SDK.
    timeout: Duration.seconds(30),
    environment: {},
  });
  // Create (PutItem), update and the stamped disable/revoke (GetItem + UpdateItem): never Scan or delete.
  fn.allow(
    'WriteClients',
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    [props.issuer.table.tableArn],
  );
  return fn;
}
