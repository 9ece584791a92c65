// KeygateIssuer, the authorization server on AWS: the KMS signing key, the DynamoDB clients table, the token and
// discovery Lambdas (prebuilt bundles), the JWKS and revocation list published to S3 and served from there
// without a Lambda (published-documents.ts), and the public REST API serving AUTH_ROUTES (TLS 1.3 and 1.2),
// with the issuer URL = the API's stage URL (docs/design.md#the-system), the token endpoint's client
// authenticator and its gateway responses (docs/token-endpoint-401.md), and the scheduled signing-key rotation
// (docs/operations-rotation.md). Its parts are readonly members so other constructs (alarms) attach.

import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_SIGNING_KEY_ALIAS, defaultRevocationsUri } from '../../../core/contract.js';
import { EXPIRES_AT_ATTRIBUTE } from '../../../core/issuer/clients/client-item.js';
import { resourceProblem } from '../../../core/issuer/clients/resource-indicator.js';
import {
  ASSERTION_JTI_PREFIX,
  KEY_STATE_ITEM_ID,
  REVOKED_JTI_PREFIX,
} from '../../../core/issuer/keys/key-state-item.js';
import {
  ISSUANCE_TABLE_KEY,
  ISSUANCE_TABLE_TTL,
} from '../../../core/issuer/tokens/shared-issuance-limiter.js';
import {
  CLIENT_CACHE_TTL_DEFAULT_SECONDS,
  TOKEN_MAX_LIFETIME_DEFAULT_SECONDS,
} from '../../../core/issuer/tokens/token-defaults.js';
import { TOKEN_GATEWAY_RESPONSES } from '../../../core/issuer/tokens/token-endpoint-answers.js';
import { DOCUMENT_NAMES, type DocumentName } from '../../../core/publish/served-documents.js';
import { AUTH_ROUTES, type RequestAuthorizerName, type RouteDef } from '../../../core/routes.js';
import { STACK_OUTPUTS } from '../../../core/stack-outputs.js';
import { KeyRotation, type KeyRotationOptions } from './key-rotation.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { prebuiltCode } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';
import { PublishedDocuments } from './published-documents.js';
import { addRoutes, checkStageName, keygateRestApi, stageUrl } from './rest-api-defaults.js';
import { claimIssuerOutputs, keygateOutput } from './stack-outputs.js';

/** An authorizer whose result cache a revocation flushes (a KeygateAuthorizer following this issuer). */
export interface FlushableAuthorizer {
  /** Lets `grantee` flush this authorizer's result cache (FlushStageAuthorizersCache). */
  grantFlushCache(grantee: iam.IGrantable): void;
}

/** Props of KeygateIssuer: the audience, and the settings of its key, table, API and functions. */
export interface KeygateIssuerProps {
  /**
   * The `aud` of clients registered without resources (the resource server's identifier, RFC 9068 §3).
   */
  readonly audience: string;
  /**
   * Further audiences this issuer serves: RFC 8707 resources a client registered with `--resources` may
   * ask for (`resource=`), one per token. Give each API's KeygateAuthorizer its own `audience`.
   * @default none (every token's `aud` is `audience`)
   */
  readonly audiences?: readonly string[];
  /** API Gateway stage; part of the issuer URL. @default 'prod' */
  readonly stageName?: string;
  /** Alias of the signing key. @default 'alias/keygate-signing' */
  readonly keyAlias?: string;
  /**
   * Removal policy of the signing key and the clients table. RETAIN keeps them when the stack is deleted: a
   * deleted KMS key invalidates every token it signed and cannot be recovered after its pending window.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Waiting period before KMS deletes a signing key once scheduled (7-30 days): the deployed key and every key
   * a rotation retires. @default Duration.days(30)
   */
  readonly keyPendingWindow?: Duration;
  /** DynamoDB deletion protection on the clients table. @default true */
  readonly tableDeletionProtection?: boolean;
  /**
   * Further keys to publish in the JWKS during a rotation (the previous or the next signing key, docs/design.md#keys).
   * The publisher may call kms:GetPublicKey on each of them and nothing else. @default none
   */
  readonly additionalPublishedKeys?: readonly kms.IKey[];
  /**
   * Stage-wide steady-state rate limit (requests/s). The default stays under KMS's RSA request quota
   * (1,000/s by default, core/issuer/keys/kms-quotas.ts; docs/design.md#kms-quotas), so an overload is a 429 from API Gateway before it is a KMS ThrottlingException.
   * @default 400
   */
  readonly throttlingRateLimit?: number;
  /** Stage-wide burst (token bucket size). @default 200 */
  readonly throttlingBurstLimit?: number;
  /**
   * The scopes of the APIs this issuer serves, published as `scopes_supported` in the discovery metadata
   * (RFC 8414 §2). @default none: the discovery metadata then has no scopes_supported
   */
  readonly scopes?: readonly string[];
  /** Upper bound on a client's token lifetime (TOKEN_MAX_LIFETIME_SECONDS). @default 3600 */
  readonly tokenMaxLifetimeSeconds?: number;
  /** Cache-Control max-age of the JWKS response (JWKS_MAX_AGE_SECONDS). @default 300 */
  readonly jwksMaxAgeSeconds?: number;
  /** Cache-Control max-age of the revocation list (REVOCATIONS_MAX_AGE_SECONDS). @default 5 */
  readonly revocationsMaxAgeSeconds?: number;
  /**
   * The auth API's TLS security policy (API Gateway "Security policies for REST APIs"). The default
   * accepts TLS 1.3 and TLS 1.2: a TLS 1.3 handshake takes one round trip fewer, and TLS 1.2 clients
   * keep working. Enhanced policies (`SecurityPolicy_*`) come with endpoint access mode STRICT.
   * @default apigateway.SecurityPolicy.TLS13_1_2_PQ_2025_09
   */
  readonly securityPolicy?: apigateway.SecurityPolicy;
  /** How long the token function caches a client record (CLIENT_CACHE_TTL_SECONDS). @default 30 */
  readonly clientCacheTtlSeconds?: number;
  /**
   * Token function memory. Its work is one DynamoDB read (often cached) and one KMS Sign: network-bound.
   * @default 512
   */
  readonly tokenMemorySize?: number;
  /** Retention of the API access logs. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /** Settings shared by the issuer's functions. */
  readonly functionOptions?: FunctionOptions;
  /**
   * Scheduled signing-key rotation (EventBridge Scheduler starts a Step Functions rotation);
   * `false` leaves rotation to the manual runbook (docs/operations-rotation.md). @default every 90 days
   */
  readonly keyRotation?: KeyRotationOptions | false;
  /**
   * The stack-level CfnOutputs the `keygate --stack <name>` CLI reads (names: core/stack-outputs.ts); one
   * issuer per stack may write them. @default true
   */
  readonly outputs?: boolean;
}

/**
 * The keygate authorization server: a KMS signing key, the clients table, and a REST API serving the
 * token endpoint (client credentials), the JWKS, discovery and the revocation list. Its `issuerUrl`,
 * `jwksUri` and `audience` are what a KeygateAuthorizer or `createVerifier` needs.
 * @example
 * ```ts
 * const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'https://orders.example.com' });
 * const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
 * ```
 */
export class KeygateIssuer extends Construct {
  /** The RSA_2048 KMS key tokens are signed with. */
  readonly key: kms.Key;
  /** The signing key's alias (the rotation moves it to each new key). */
  readonly keyAlias: kms.Alias;
  /** The clients table (partition key `client_id`). */
  readonly table: dynamodb.Table;
  /**
   * The issuance counters (core/issuer/tokens/shared-issuance-limiter.ts): the per-client token limit holds across
   * the token function's environments. Apart from the clients table, whose stream would otherwise fire on
   * every token request.
   */
  readonly issuanceTable: dynamodb.Table;
  /** The issuer's REST API (the auth API). */
  readonly api: apigateway.RestApi;
  /** The token endpoint's function (POST /oauth2/token). */
  readonly token: KeygateFunction;
  /** The REQUEST authorizer on POST /oauth2/token: refuses wrong client_secret_basic with a challenge. */
  readonly tokenClientAuth: KeygateFunction;
  /** The API Gateway REQUEST authorizer that runs `tokenClientAuth`. */
  readonly tokenClientAuthorizer: apigateway.RequestAuthorizer;
  /** The discovery function (RFC 8414 metadata). */
  readonly discovery: KeygateFunction;
  /** The JWKS and the revocation list in S3, their publisher and the auth API's S3 integrations. */
  readonly documents: PublishedDocuments;
  /** The API Gateway stage name. */
  readonly stageName: string;
  /** The stage URL, no trailing slash: every token's `iss`. */
  readonly issuerUrl: string;
  /** The default `aud` (of clients registered without resources). */
  readonly audience: string;
  /** Every audience the issuer serves: `audience` first, then `props.audiences`. */
  readonly audiences: readonly string[];
  /** The token endpoint URL (POST, client credentials). */
  readonly tokenUrl: string;
  /** The JWKS URL (`/.well-known/jwks.json`). */
  readonly jwksUri: string;
  /** GET /revocations: what the authorizer loads (REVOCATIONS_URI). */
  readonly revocationsUri: string;
  /** The scheduled rotation, unless `keyRotation: false`; a KeygateAuthorizer in this stack registers with it. */
  readonly keyRotation?: KeyRotation;
  /**
   * The scopes declared in `props.scopes`, or undefined when none were: KeygateAuthorizer's require() and
   * KeygateClient's scopes are checked against them at synth.
   */
  readonly scopes?: readonly string[];
  private readonly authorizers: FlushableAuthorizer[] = [];
  private readonly flushGrantees: iam.IGrantable[] = [];

  constructor(scope: Construct, id: string, props: KeygateIssuerProps) {
    super(scope, id);
    this.stageName = checkStageName(props.stageName ?? 'prod');
    if (props.scopes) this.scopes = [...props.scopes];
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const fnOptions = props.functionOptions ?? {};

    this.key = new kms.Key(this, 'SigningKey', {
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: 'keygate access-token signing key (RS256 = RSASSA_PKCS1_V1_5_SHA_256)',
      pendingWindow: props.keyPendingWindow ?? Duration.days(30),
      removalPolicy,
    });
    this.keyAlias = this.key.addAlias(props.keyAlias ?? DEFAULT_SIGNING_KEY_ALIAS);

    this.table = new dynamodb.Table(this, 'ClientsTable', {
      partitionKey: { name: 'client_id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.tableDeletionProtection ?? true,
      // Keys only: the publisher needs to know which items changed, never their contents (secret hashes).
      stream: dynamodb.StreamViewType.KEYS_ONLY,
      // AWS-managed key (aws/dynamodb): encryption at rest with key use visible in CloudTrail, no monthly key
      // fee, and callers need no kms:Decrypt, so the token function's policy stays one GetItem statement.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Deleted clients' tombstones expire (core/issuer/clients/client-item.ts); no other item has the attribute.
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
      removalPolicy,
    });

    this.issuanceTable = new dynamodb.Table(this, 'IssuanceTable', {
      partitionKey: { name: ISSUANCE_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Counters of one second each, read by nothing but the next UpdateItem: nothing to keep or restore.
      timeToLiveAttribute: ISSUANCE_TABLE_TTL,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.issuanceTable, 'AwsSolutions-DDB3', REASONS.issuanceCounters);

    this.api = keygateRestApi(this, {
      restApiName: 'keygate-auth',
      description: 'keygate authorization server: token endpoint, JWKS, discovery',
      stageName: this.stageName,
      throttlingRateLimit: props.throttlingRateLimit ?? 400,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      accessLogRetention: props.accessLogRetention,
      functionOptions: fnOptions,
    });
    // The policy applies to the default execute-api endpoint too: API Gateway negotiates TLS with the API's
    // own policy (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html).
    // aws-cdk-lib's RestApi has no prop for it yet; CfnRestApi does (SecurityPolicy, EndpointAccessMode).
    const cfnApi = this.api.node.defaultChild as apigateway.CfnRestApi;
    cfnApi.securityPolicy = props.securityPolicy ?? apigateway.SecurityPolicy.TLS13_1_2_PQ_2025_09;
    if (cfnApi.securityPolicy.startsWith('SecurityPolicy_')) cfnApi.endpointAccessMode = 'STRICT';

    this.audience = props.audience;
    this.audiences = [...new Set([props.audience, ...(props.audiences ?? [])])];
    for (const audience of props.audiences ?? []) {
      const problem = Token.isUnresolved(audience) ? undefined : resourceProblem(audience);
      if (problem !== undefined)
        throw new Error(`KeygateIssuer audiences: ${JSON.stringify(audience)} is ${problem} (RFC 8707 §2)`);
    }
    this.issuerUrl = stageUrl(this.api, this.stageName);
    this.tokenUrl = `${this.issuerUrl}/oauth2/token`;
    this.jwksUri = `${this.issuerUrl}/.well-known/jwks.json`;
    this.revocationsUri = defaultRevocationsUri(this.issuerUrl);
    const tokenMaxLifetime = String(props.tokenMaxLifetimeSeconds ?? TOKEN_MAX_LIFETIME_DEFAULT_SECONDS);
    // One value for both readers of the clients table: a disable reaches them within the same bound.
    const clientCacheTtl = String(props.clientCacheTtlSeconds ?? CLIENT_CACHE_TTL_DEFAULT_SECONDS);

    this.token = new KeygateFunction(this, 'TokenFunction', {
      ...fnOptions,
      code: prebuiltCode('token'),
      description: 'keygate token endpoint (OAuth 2.0 client credentials)',
      serviceName: 'keygate-token',
      memorySize: props.tokenMemorySize ?? 512,
      // Worst case: a DynamoDB read and a KMS Sign, 3 bounded attempts each: 9.2 s (docs/design.md#retries).
      timeout: Duration.seconds(10),
      environment: {
        ISSUER: this.issuerUrl,
        AUDIENCE: props.audience,
        ...(this.audiences.length > 1 ? { AUDIENCES: this.audiences.slice(1).join(' ') } : {}),
        CLIENTS_TABLE: this.table.tableName,
        ISSUANCE_TABLE: this.issuanceTable.tableName,
        SIGNING_KEY_ID: this.key.keyArn,
        TOKEN_MAX_LIFETIME_SECONDS: tokenMaxLifetime,
        CLIENT_CACHE_TTL_SECONDS: clientCacheTtl,
      },
    });
    // Exactly the three calls the token endpoint makes; grant* helpers would add more actions.
    this.token.allow('SignTokens', ['kms:Sign'], [this.key.keyArn]);
    this.token.allow('ReadClients', ['dynamodb:GetItem'], [this.table.tableArn]);
    // private_key_jwt's used jtis and RFC 7009 revocations: puts of keygate's reserved items, nothing else.
    this.token.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordTokenIds',
        actions: ['dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${ASSERTION_JTI_PREFIX}*`, `${REVOKED_JTI_PREFIX}*`],
          },
        },
      }),
    );
    this.token.allow('CountIssuance', ['dynamodb:UpdateItem'], [this.issuanceTable.tableArn]);

    this.tokenClientAuth = new KeygateFunction(this, 'TokenClientAuthFunction', {
      ...fnOptions,
      code: prebuiltCode('token-client-auth'),
      description: 'keygate token endpoint client authenticator (client_secret_basic, REQUEST authorizer)',
      serviceName: 'keygate-token-client-auth',
      // One DynamoDB read (often cached) and one SHA-256: network-bound like the token function.
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {
        CLIENTS_TABLE: this.table.tableName,
        CLIENT_CACHE_TTL_SECONDS: clientCacheTtl,
      },
    });
    this.tokenClientAuth.allow('ReadClients', ['dynamodb:GetItem'], [this.table.tableArn]);
    this.tokenClientAuthorizer = new apigateway.RequestAuthorizer(this, 'TokenClientAuthorizer', {
      authorizerName: 'keygate-token-client-auth',
      handler: this.tokenClientAuth.function,
      // Cache off, so no identity source: with one, API Gateway would answer 401 itself, without the
      // Lambda, to every request lacking it (client_secret_post included). AWS API reference, Authorizer
      // identitySource: "When the authorization caching is not enabled, this property is optional."
      // (https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html)
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    // CDK joins the empty list into `IdentitySource: ""`; leave the property out instead, as the API expects.
    (this.tokenClientAuthorizer.node.defaultChild as apigateway.CfnAuthorizer).addPropertyDeletionOverride(
      'IdentitySource',
    );
    // API Gateway's own answers on this API: the token endpoint's 401 with its challenge, and its 500.
    for (const [type, response] of Object.entries(TOKEN_GATEWAY_RESPONSES)) {
      this.api.addGatewayResponse(`Token${type}`, {
        type: apigateway.ResponseType.of(type),
        statusCode: String(response.statusCode),
        responseHeaders: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, `'${v}'`])),
        templates: { 'application/json': response.body },
      });
    }

    this.discovery = new KeygateFunction(this, 'DiscoveryFunction', {
      ...fnOptions,
      code: prebuiltCode('discovery'),
      description: 'keygate discovery metadata (RFC 8414 / OpenID discovery)',
      serviceName: 'keygate-discovery',
      memorySize: 256,
      timeout: Duration.seconds(3),
      environment: {
        ISSUER: this.issuerUrl,
        ...(props.scopes ? { SCOPES: props.scopes.join(' ') } : {}),
      },
    });

    const isDocumentRoute = (r: RouteDef): r is RouteDef & { handler: DocumentName } =>
      (DOCUMENT_NAMES as readonly string[]).includes(r.handler);
    this.documents = new PublishedDocuments(this, 'Documents', {
      api: this.api,
      routes: AUTH_ROUTES.filter(isDocumentRoute),
      table: this.table,
      signingKey: this.key,
      additionalPublishedKeys: props.additionalPublishedKeys ?? [],
      settings: {
        TOKEN_MAX_LIFETIME_SECONDS: tokenMaxLifetime,
        JWKS_MAX_AGE_SECONDS: String(props.jwksMaxAgeSeconds ?? 300),
        REVOCATIONS_MAX_AGE_SECONDS: String(props.revocationsMaxAgeSeconds ?? 5),
      },
      accessLogRetention: props.accessLogRetention,
      grantKeyStateRead: props.keyRotation === false,
      functionOptions: fnOptions,
    });

    const functions = { token: this.token, discovery: this.discovery };
    const open = [
      ...addRoutes(
        this.api,
        AUTH_ROUTES.filter((r) => r.authorizer === undefined && !isDocumentRoute(r)),
        functions,
        { authorizationType: apigateway.AuthorizationType.NONE },
      ),
      ...this.documents.methods,
    ];
    // Every authorizer name the route table may use maps to one here: the Record type makes a new name a
    // compile error until it is wired.
    const requestAuthorizers: Record<RequestAuthorizerName, apigateway.RequestAuthorizer> = {
      'token-client-auth': this.tokenClientAuthorizer,
    };
    const clientAuthenticated = Object.entries(requestAuthorizers).flatMap(([name, authorizer]) =>
      addRoutes(
        this.api,
        AUTH_ROUTES.filter((r) => r.authorizer === name),
        functions,
        { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer },
      ),
    );
    for (const method of open) acknowledge(method, 'AwsSolutions-APIG4', REASONS.publicAuthEndpoint);
    for (const method of [...open, ...clientAuthenticated]) {
      acknowledge(method, 'AwsSolutions-COG4', REASONS.publicAuthEndpoint);
    }

    if (props.keyRotation !== false) {
      this.keyRotation = new KeyRotation(this, 'KeyRotation', {
        ...props.keyRotation,
        signingKey: this.key,
        signingKeyAlias: this.keyAlias.aliasName,
        table: this.table,
        token: this.token,
        // The publisher builds the JWKS: it reads the key state and uses rotated keys by tag, and its
        // settings (JWKS max age, publish latency) enter the rotation's waits.
        jwks: this.documents.publisher,
        ...(props.keyPendingWindow ? { keyPendingWindow: props.keyPendingWindow } : {}),
        functionOptions: fnOptions,
      });
    }
    if ((props.outputs ?? true) && claimIssuerOutputs(this)) this.addOutputs();
  }

  private addOutputs(): void {
    const out = (
      name: (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS],
      value: string,
      description: string,
    ) => keygateOutput(this, name, value, description);
    out(STACK_OUTPUTS.region, Aws.REGION, 'Region of the keygate issuer (AWS_REGION for the keygate CLI)');
    out(
      STACK_OUTPUTS.issuerUrl,
      this.issuerUrl,
      'Token issuer (iss); discovery at {issuer}/.well-known/openid-configuration',
    );
    out(STACK_OUTPUTS.tokenUrl, this.tokenUrl, 'OAuth 2.0 token endpoint (client credentials)');
    out(STACK_OUTPUTS.clientsTable, this.table.tableName, 'DynamoDB clients table (CLIENTS_TABLE)');
    if (this.scopes)
      out(STACK_OUTPUTS.scopes, this.scopes.join(' '), 'Scopes clients may be given (KEYGATE_SCOPES)');
    out(
      STACK_OUTPUTS.signingKeyArn,
      this.key.keyArn,
      'KMS key deployed for signing (rotations move the alias)',
    );
    out(STACK_OUTPUTS.signingKeyAlias, this.keyAlias.aliasName, 'Alias of the signing key in force');
    if (this.keyRotation) {
      out(
        STACK_OUTPUTS.keyRotationStateMachineArn,
        this.keyRotation.stateMachine.stateMachineArn,
        'Signing-key rotation state machine (start it to rotate now or to resume a failed run)',
      );
    }
  }

  /**
   * Called by a KeygateAuthorizer that takes this issuer's tokens (in the same stack): grantRevoke and
   * grantClientAdmin then also let their grantees flush its result cache.
   */
  followAuthorizer(authorizer: FlushableAuthorizer): void {
    this.authorizers.push(authorizer);
    for (const grantee of this.flushGrantees) authorizer.grantFlushCache(grantee);
  }

  /**
   * What `keygate clients` needs, all of it: create, list, show, update, disable, enable, revoke,
   * rotate-secret and delete in the clients table (GetItem, PutItem, UpdateItem, Scan: deletes are tombstone
   * updates), the authorizer-cache flush of every KeygateAuthorizer following this issuer, and reading this
   * stack's outputs (`--stack`).
   */
  grantClientAdmin(grantee: iam.IGrantable): iam.Grant {
    return this.grantWithFlush(grantee, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Scan',
    ]);
  }

  /**
   * What `keygate clients revoke|disable` needs and nothing more (the registry's read and stamped write,
   * the authorizer-cache flush, this stack's outputs): the least-privilege on-call role.
   */
  grantRevoke(grantee: iam.IGrantable): iam.Grant {
    return this.grantWithFlush(grantee, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  }

  /**
   * What `keygate keys status|rotate` needs on AWS: read the key-state item only (dynamodb:LeadingKeys),
   * describe the deployed signing key, start and watch the scheduled rotation's state machine, and read this
   * stack's outputs. The rotation itself runs with its own role: the grantee never holds KMS key-creation
   * or key-deletion rights.
   */
  grantKeyAdmin(grantee: iam.IGrantable): iam.Grant {
    let grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } },
    })
      .combine(
        iam.Grant.addToPrincipal({ grantee, actions: ['kms:DescribeKey'], resourceArns: [this.key.keyArn] }),
      )
      .combine(this.grantReadOutputs(grantee));
    const rotation = this.keyRotation?.stateMachine;
    if (rotation) {
      grant = grant
        .combine(
          iam.Grant.addToPrincipal({
            grantee,
            actions: ['states:StartExecution', 'states:ListExecutions'],
            resourceArns: [rotation.stateMachineArn],
          }),
        )
        .combine(
          iam.Grant.addToPrincipal({
            grantee,
            actions: ['states:DescribeExecution'],
            // Executions of this state machine only (Step Functions execution ARN: ...:execution:<name>:<id>).
            resourceArns: [
              Stack.of(this).formatArn({
                service: 'states',
                resource: 'execution',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                resourceName: `${Stack.of(this).splitArn(rotation.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
              }),
            ],
          }),
        );
    }
    return grant;
  }

  private grantWithFlush(grantee: iam.IGrantable, tableActions: readonly string[]): iam.Grant {
    this.flushGrantees.push(grantee);
    for (const authorizer of this.authorizers) authorizer.grantFlushCache(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...tableActions],
      resourceArns: [this.table.tableArn],
    }).combine(this.grantReadOutputs(grantee));
  }

  /** cloudformation:DescribeStacks on this stack only: how the CLI finds the table, caches and key. */
  private grantReadOutputs(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudformation:DescribeStacks'],
      resourceArns: [Stack.of(this).stackId],
    });
  }
}
