// The protected resource API: the TOKEN authorizer Lambda (verifies keygate tokens against the auth server's
// JWKS), the products Lambda, one method per RESOURCE_ROUTES entry behind the authorizer, and RFC 6750 §3
// WWW-Authenticate headers on API Gateway's own 401/403 responses (SPEC §2).
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RESOURCE_ROUTES, type RouteDef } from '../../../core/routes.js';
import { entryPath, type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { acknowledge, REASONS } from './nag.js';
import { addRoutes, checkStageName, keygateRestApi, stageUrl } from './rest-api-defaults.js';

/** RFC 6750 b64token after `Bearer ` (SPEC §2); a mismatch is a 401 without invoking the authorizer. */
export const BEARER_VALIDATION_REGEX = '^Bearer [A-Za-z0-9\\-._~+/]+=*$';

export interface ResourceApiEntries {
  /** @default handlers/entry/authorizer.ts */
  readonly authorizer?: string;
  /** @default handlers/entry/products.ts */
  readonly products?: string;
}

export interface ResourceApiProps {
  /** Expected `iss` (the auth server's stage URL). */
  readonly issuer: string;
  /** Expected `aud`. */
  readonly audience: string;
  /** Where the authorizer fetches the signing keys. */
  readonly jwksUri: string;
  /** API Gateway stage. @default 'prod' */
  readonly stageName?: string;
  /**
   * How long API Gateway caches the authorizer's policy per token (0 disables, max 1 h). Each cached policy
   * covers every route the token's scopes allow, so a hit is right on any route (SPEC §2).
   * @default Duration.seconds(300)
   */
  readonly resultsCacheTtl?: Duration;
  /** Allowed clock skew for exp/nbf/iat (CLOCK_LEEWAY_SECONDS). @default 5 */
  readonly clockLeewaySeconds?: number;
  /** The authorizer's verified-token cache entries per container, 0 disables (TOKEN_CACHE_SIZE). @default 10000 */
  readonly tokenCacheSize?: number;
  /**
   * Authorizer memory. Lambda allocates CPU in proportion to memory (1,769 MB = one vCPU) and the authorizer is
   * CPU-bound: RS256 verification, plus at cold start module load and JWKS key import. 1,024 MB (~0.58 vCPU)
   * keeps a warm verification in the low milliseconds, which Lambda bills per 1 ms.
   * @default 1024
   */
  readonly authorizerMemorySize?: number;
  /** Stage-wide steady-state rate limit (requests/s). @default 1000 */
  readonly throttlingRateLimit?: number;
  /** Stage-wide burst (token bucket size). @default 2000 */
  readonly throttlingBurstLimit?: number;
  /** Retention of the API access logs. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /** The routes to serve. @default RESOURCE_ROUTES */
  readonly routes?: readonly RouteDef[];
  /** Settings shared by both functions. */
  readonly functionOptions?: FunctionOptions;
  /** Lambda entry files; defaults are the repository's handlers/entry/*.ts. */
  readonly entries?: ResourceApiEntries;
}

export class ResourceApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly authorizerFunction: KeygateFunction;
  readonly products: KeygateFunction;
  readonly authorizer: apigateway.TokenAuthorizer;
  readonly stageName: string;
  /** The stage URL, no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ResourceApiProps) {
    super(scope, id);
    this.stageName = checkStageName(props.stageName ?? 'prod');
    const fnOptions = props.functionOptions ?? {};
    const entries = props.entries ?? {};

    this.authorizerFunction = new KeygateFunction(this, 'AuthorizerFunction', {
      ...fnOptions,
      entry: entries.authorizer ?? entryPath('authorizer'),
      description: 'keygate Lambda TOKEN authorizer (RS256 access-token verification)',
      serviceName: 'keygate-authorizer',
      memorySize: props.authorizerMemorySize ?? 1024,
      // A cold start fetches the JWKS (1.5 s fetch timeout); beyond that API Gateway answers 500 anyway.
      timeout: Duration.seconds(5),
      // Its logs carry error names and messages, never stacks, so source-mapped traces would buy nothing;
      // reading the source map costs every cold start ~5 ms (`npm run bench -- cold-start`).
      sourceMapStackTraces: false,
      environment: {
        ISSUER: props.issuer,
        AUDIENCE: props.audience,
        JWKS_URI: props.jwksUri,
        CLOCK_LEEWAY_SECONDS: String(props.clockLeewaySeconds ?? 5),
        TOKEN_CACHE_SIZE: String(props.tokenCacheSize ?? 10000),
      },
    });
    // No AWS permission beyond writing its own logs: it reads the public JWKS over HTTPS.

    this.products = new KeygateFunction(this, 'ProductsFunction', {
      ...fnOptions,
      entry: entries.products ?? entryPath('products'),
      description: 'keygate sample resource: products catalog',
      serviceName: 'keygate-products',
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: {},
    });

    this.api = keygateRestApi(this, {
      restApiName: 'keygate-resources',
      description: 'keygate resource API behind the Lambda TOKEN authorizer',
      stageName: this.stageName,
      throttlingRateLimit: props.throttlingRateLimit ?? 1000,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 2000,
      accessLogRetention: props.accessLogRetention,
      functionOptions: fnOptions,
    });
    this.url = stageUrl(this.api, this.stageName);

    this.authorizer = new apigateway.TokenAuthorizer(this, 'TokenAuthorizer', {
      authorizerName: 'keygate',
      handler: this.authorizerFunction.function,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_REGEX,
      resultsCacheTtl: props.resultsCacheTtl ?? Duration.seconds(300),
    });

    const methods = addRoutes(
      this.api,
      props.routes ?? RESOURCE_ROUTES,
      { products: this.products },
      { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer: this.authorizer },
    );
    for (const method of methods) acknowledge(method, 'AwsSolutions-COG4', REASONS.customAuthorizer);

    // API Gateway's own 401/403 (missing or malformed header, authorizer's "Unauthorized", a Deny policy) carry
    // no WWW-Authenticate by default; RFC 6750 §3 requires it on 401 and defines insufficient_scope for 403.
    this.api.addGatewayResponse('Unauthorized', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      responseHeaders: { 'WWW-Authenticate': `'Bearer realm="keygate", error="invalid_token"'` },
    });
    this.api.addGatewayResponse('AccessDenied', {
      type: apigateway.ResponseType.ACCESS_DENIED,
      responseHeaders: { 'WWW-Authenticate': `'Bearer realm="keygate", error="insufficient_scope"'` },
    });
  }
}
