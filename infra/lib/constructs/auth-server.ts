// The authorization server on AWS: the KMS signing key, the DynamoDB clients table, the token / JWKS / discovery
// Lambdas and the public REST API serving AUTH_ROUTES, with `issuer` = the API's stage URL (docs/design.md#the-system).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUTH_ROUTES } from '../../../core/routes.js';
import { entryPath, type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { acknowledge, REASONS } from './nag.js';
import { addRoutes, checkStageName, keygateRestApi, stageUrl } from './rest-api-defaults.js';

export interface AuthServerEntries {
  /** @default handlers/entry/token.ts */
  readonly token?: string;
  /** @default handlers/entry/jwks.ts */
  readonly jwks?: string;
  /** @default handlers/entry/discovery.ts */
  readonly discovery?: string;
}

export interface AuthServerProps {
  /** The `aud` put into every access token (the resource server's identifier, RFC 9068 §3). */
  readonly audience: string;
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
  /** Waiting period before KMS deletes the key once scheduled (7-30 days). @default Duration.days(30) */
  readonly keyPendingWindow?: Duration;
  /** DynamoDB deletion protection on the clients table. @default true */
  readonly tableDeletionProtection?: boolean;
  /**
   * Further keys to publish in the JWKS during a rotation (the previous or the next signing key, docs/design.md#keys).
   * The JWKS function may call kms:GetPublicKey on each of them and nothing else. @default none
   */
  readonly additionalPublishedKeys?: readonly kms.IKey[];
  /**
   * Stage-wide steady-state rate limit (requests/s). The default stays under KMS's 500 RSA operations/s
   * account quota (docs/design.md#kms-quotas), so an overload is a 429 from API Gateway before it is a KMS ThrottlingException.
   * @default 400
   */
  readonly throttlingRateLimit?: number;
  /** Stage-wide burst (token bucket size). @default 200 */
  readonly throttlingBurstLimit?: number;
  /** Upper bound on a client's token lifetime (TOKEN_MAX_LIFETIME_SECONDS). @default 3600 */
  readonly tokenMaxLifetimeSeconds?: number;
  /** Cache-Control max-age of the JWKS response (JWKS_MAX_AGE_SECONDS). @default 300 */
  readonly jwksMaxAgeSeconds?: number;
  /** How long the token function caches a client record (CLIENT_CACHE_TTL_SECONDS). @default 30 */
  readonly clientCacheTtlSeconds?: number;
  /**
   * Token function memory. Its work is one DynamoDB read (often cached) and one KMS Sign: network-bound.
   * @default 512
   */
  readonly tokenMemorySize?: number;
  /** Retention of the API access logs. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /** Settings shared by the three functions. */
  readonly functionOptions?: FunctionOptions;
  /** Lambda entry files; defaults are the repository's handlers/entry/*.ts. */
  readonly entries?: AuthServerEntries;
}

export class AuthServer extends Construct {
  readonly signingKey: kms.Key;
  readonly signingKeyAlias: kms.Alias;
  readonly clientsTable: dynamodb.Table;
  readonly api: apigateway.RestApi;
  readonly token: KeygateFunction;
  readonly jwks: KeygateFunction;
  readonly discovery: KeygateFunction;
  readonly stageName: string;
  /** The stage URL, no trailing slash: every token's `iss`. */
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUri: string;

  constructor(scope: Construct, id: string, props: AuthServerProps) {
    super(scope, id);
    this.stageName = checkStageName(props.stageName ?? 'prod');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const fnOptions = props.functionOptions ?? {};

    this.signingKey = new kms.Key(this, 'SigningKey', {
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: 'keygate access-token signing key (RS256 = RSASSA_PKCS1_V1_5_SHA_256)',
      pendingWindow: props.keyPendingWindow ?? Duration.days(30),
      removalPolicy,
    });
    this.signingKeyAlias = this.signingKey.addAlias(props.keyAlias ?? 'alias/keygate-signing');

    this.clientsTable = new dynamodb.Table(this, 'ClientsTable', {
      partitionKey: { name: 'client_id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.tableDeletionProtection ?? true,
      // AWS-managed key (aws/dynamodb): encryption at rest with key use visible in CloudTrail, no monthly key
      // fee, and callers need no kms:Decrypt, so the token function's policy stays one GetItem statement.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    });

    this.api = keygateRestApi(this, {
      restApiName: 'keygate-auth',
      description: 'keygate authorization server: token endpoint, JWKS, discovery',
      stageName: this.stageName,
      throttlingRateLimit: props.throttlingRateLimit ?? 400,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      accessLogRetention: props.accessLogRetention,
      functionOptions: fnOptions,
    });

    this.issuer = stageUrl(this.api, this.stageName);
    this.tokenUrl = `${this.issuer}/oauth2/token`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    const entries = props.entries ?? {};

    this.token = new KeygateFunction(this, 'TokenFunction', {
      ...fnOptions,
      entry: entries.token ?? entryPath('token'),
      description: 'keygate token endpoint (OAuth 2.0 client credentials)',
      serviceName: 'keygate-token',
      memorySize: props.tokenMemorySize ?? 512,
      // Worst case: a DynamoDB read and a KMS Sign, each with SDK retries on throttling.
      timeout: Duration.seconds(10),
      environment: {
        ISSUER: this.issuer,
        AUDIENCE: props.audience,
        CLIENTS_TABLE: this.clientsTable.tableName,
        SIGNING_KEY_ID: this.signingKey.keyArn,
        TOKEN_MAX_LIFETIME_SECONDS: String(props.tokenMaxLifetimeSeconds ?? 3600),
        CLIENT_CACHE_TTL_SECONDS: String(props.clientCacheTtlSeconds ?? 30),
      },
    });
    // Exactly the two calls the token endpoint makes; grant* helpers would add more actions.
    this.token.allow('SignTokens', ['kms:Sign'], [this.signingKey.keyArn]);
    this.token.allow('ReadClients', ['dynamodb:GetItem'], [this.clientsTable.tableArn]);

    const publishedKeys = [this.signingKey, ...(props.additionalPublishedKeys ?? [])];
    this.jwks = new KeygateFunction(this, 'JwksFunction', {
      ...fnOptions,
      entry: entries.jwks ?? entryPath('jwks'),
      description: 'keygate JWKS endpoint (public keys from KMS GetPublicKey)',
      serviceName: 'keygate-jwks',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {
        PUBLISHED_KEY_IDS: publishedKeys.map((k) => k.keyArn).join(','),
        JWKS_MAX_AGE_SECONDS: String(props.jwksMaxAgeSeconds ?? 300),
      },
    });
    this.jwks.allow(
      'ReadPublicKeys',
      ['kms:GetPublicKey'],
      publishedKeys.map((k) => k.keyArn),
    );

    this.discovery = new KeygateFunction(this, 'DiscoveryFunction', {
      ...fnOptions,
      entry: entries.discovery ?? entryPath('discovery'),
      description: 'keygate discovery metadata (RFC 8414 / OpenID discovery)',
      serviceName: 'keygate-discovery',
      memorySize: 256,
      timeout: Duration.seconds(3),
      environment: { ISSUER: this.issuer },
    });

    const methods = addRoutes(
      this.api,
      AUTH_ROUTES,
      { token: this.token, jwks: this.jwks, discovery: this.discovery },
      { authorizationType: apigateway.AuthorizationType.NONE },
    );
    for (const method of methods) {
      acknowledge(method, 'AwsSolutions-APIG4', REASONS.publicAuthEndpoint);
      acknowledge(method, 'AwsSolutions-COG4', REASONS.publicAuthEndpoint);
    }
  }
}
