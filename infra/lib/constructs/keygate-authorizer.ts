// KeygateAuthorizer: keygate's Lambda TOKEN authorizer (prebuilt bundle) and API Gateway's TokenAuthorizer
// with the result cache, for a team's own RestApi. Methods declare their scopes with `require(...)`; at synth
// the construct collects every such method (verb, resource path, scopes) into the route table its Lambda
// loads, so each cached policy covers exactly what the token's scopes allow across the whole API.
import { Annotations, Aspects, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, type IConstruct } from 'constructs';
import { resultsCacheTtlProblem } from '../../../core/authz/results-cache-ttl.js';
import { type ProtectedRoute, parseRouteTable, ROUTE_METHODS } from '../../../core/authz/route-table.js';
import { claimContextKey, claimHeaderName, isClientClaim } from '../../../core/client-claims.js';
import {
  AUTHORIZER_ENV,
  type AuthorizerTuning,
  authorizerTuningEnv,
  BEARER_VALIDATION_REGEX,
  CONTEXT_HEADERS,
  DEFAULT_RESULTS_CACHE_TTL_SECONDS,
  GATEWAY_RESPONSE_HEADERS,
  MAX_RESULTS_CACHE_TTL_SECONDS,
  RESOURCE_PATH_HEADER,
  ROUTES_FILE_NAME,
  revocationsUriEnv,
} from '../../../core/contract.js';
import type { AuthorizerCache } from '../../../core/stack-outputs.js';
import type { UsageTiers } from '../../../core/usage-tiers.js';
import { AttachableTokenAuthorizer } from './attachable-token-authorizer.js';
import { undeclaredScopeMessage } from './closest-name.js';
import type { KeyRotation } from './key-rotation.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { type FlushableAuthorizer, KeygateIssuer } from './keygate-issuer.js';
import { prebuiltLambdaDir } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';
import { RouteTableCode } from './route-table-code.js';
import { addAuthorizerCacheOutput } from './stack-outputs.js';
import { UsagePlans } from './usage-plans.js';

/** Where tokens come from: a KeygateIssuer in this app, or a keygate deployed elsewhere. */
export interface KeygateIssuerRef {
  /** The tokens' `iss`. */
  readonly issuerUrl: string;
  /** The issuer's JWKS (https). */
  readonly jwksUri: string;
  /** The `aud` the issuer puts in its tokens, when known. */
  readonly audience?: string;
  /** Every audience the issuer serves (a KeygateIssuer's): with more than one, `audience` must be given. */
  readonly audiences?: readonly string[];
  /**
   * The issuer's revocation list (a KeygateIssuer's `revocationsUri`): the authorizer refuses revoked tokens
   * within the bound of docs/token-lifetime.md. Unset: `${issuerUrl}/revocations`, where a keygate issuer
   * serves it. `false`: no revocation checks, tokens live until `exp`.
   */
  readonly revocationsUri?: string | false;
  /** The issuer's scheduled key rotation (a KeygateIssuer's): its waits then cover this authorizer's caches. */
  readonly keyRotation?: KeyRotation;
  /** The scopes the issuer declares (a KeygateIssuer's `scopes`): every require()d scope must be one. */
  readonly scopes?: readonly string[];
}

/** Props of KeygateAuthorizer: the issuer, the accepted audiences, caching and the verifier's tuning knobs. */
export interface KeygateAuthorizerProps extends AuthorizerTuning {
  /** The issuer whose tokens are accepted (a KeygateIssuer fits). */
  readonly issuer: KeygateIssuerRef;
  /**
   * Accepted `aud` values (this API's own): a token must name one, so a token minted for another API of
   * the same issuer (RFC 8707 `resource`) is refused. @default the issuer's `audience`, when it serves one
   */
  readonly audience?: string | readonly string[];
  /**
   * How long API Gateway caches a token's policy (0 disables, at most 1 hour). Each policy covers every
   * route the token's scopes allow, so a cached one is right on any route.
   * @default Duration.seconds(300)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * Authorizer memory: Lambda gives CPU in proportion (1,769 MB = one vCPU) and RS256 verification is CPU
   * work. @default 1024
   */
  readonly memorySize?: number;
  /**
   * Add RFC 6750 §3 `WWW-Authenticate` headers to the API's UNAUTHORIZED and ACCESS_DENIED gateway responses.
   * Turn off when the API defines those responses itself. @default true
   */
  readonly gatewayResponses?: boolean;
  /** Log retention, log level, metrics namespace and tracing of the function. */
  readonly functionOptions?: FunctionOptions;
  /** The API Gateway authorizer's name. @default 'keygate' */
  readonly authorizerName?: string;
  /**
   * Add this authorizer's `<restApiId>/<stage>` to the stack's KeygateAuthorizerCaches output, which
   * `keygate clients revoke|disable|delete --stack <name>` flushes. @default true
   */
  readonly outputs?: boolean;
  /**
   * Usage tiers (core/usage-tiers.ts): one usage plan and API key per tier plus the `default` tier's plan for
   * clients without one (throttled only if `default` is declared). Sets the API's apiKeySource to AUTHORIZER
   * and `apiKeyRequired` on every require()d method; a client names its tier with `clients --tier`.
   * @default none: no usage plans
   */
  readonly usageTiers?: UsageTiers;
}

/**
 * keygate's Lambda TOKEN authorizer for a REST API: the prebuilt authorizer function and an API Gateway
 * `TokenAuthorizer` on the `Authorization` header. `require(...scopes)` puts it in front of a method; the
 * route table the function enforces is collected from those methods at synth.
 * @example
 * ```ts
 * const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
 * api.root.addResource('orders').addMethod('GET', integration, authorizer.require('orders/read'));
 * ```
 */
export class KeygateAuthorizer extends Construct implements FlushableAuthorizer {
  /**
   * Integration request parameters that pass the authorizer's context to an HTTP backend as
   * `X-Keygate-Client-Id` and `X-Keygate-Scope`, and the matched resource template as
   * `X-Keygate-Resource-Path` (`context.resourcePath`, a mapping source REST APIs accept:
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-parameter-mapping-sources.html).
   * Put them in `HttpIntegration`'s `options.requestParameters`.
   */
  static readonly CONTEXT_REQUEST_PARAMETERS: Readonly<Record<string, string>> = Object.fromEntries([
    ...Object.entries(CONTEXT_HEADERS).map(([header, key]) => [
      `integration.request.header.${header}`,
      `context.authorizer.${key}`,
    ]),
    [`integration.request.header.${RESOURCE_PATH_HEADER}`, 'context.resourcePath'],
  ]);

  /**
   * CONTEXT_REQUEST_PARAMETERS plus one `X-Keygate-Claim-<Name>` header per `contextClaims` entry
   * (`context.authorizer.claim_<name>`): put it in an HTTP integration's `options.requestParameters`.
   */
  readonly requestParameters: Readonly<Record<string, string>>;
  /** The authorizer Lambda function. */
  readonly function: lambda.Function;
  /** The function with its role and log group. */
  readonly functionConstruct: KeygateFunction;
  /** The API Gateway authorizer (identity source `Authorization`, results cached for `resultsCacheTtl`). */
  readonly tokenAuthorizer: apigateway.TokenAuthorizer;
  private readonly attachable: AttachableTokenAuthorizer;
  private readonly code: RouteTableCode;
  private readonly declared = new Map<string, readonly string[]>();
  private collected?: readonly ProtectedRoute[];
  private readonly gatewayResponses: boolean;
  private readonly outputs: boolean;
  private readonly issuerScopes?: readonly string[];
  /** The API stage whose cache require()d methods use: known once synth collected the methods. */
  private cache?: AuthorizerCache;
  private readonly flushGrantees: iam.IGrantable[] = [];
  /** The usage plans and keys of `usageTiers`; undefined without it. */
  readonly usagePlans: UsagePlans | undefined;

  constructor(scope: Construct, id: string, props: KeygateAuthorizerProps) {
    super(scope, id);
    if (props.audience === undefined && (props.issuer.audiences?.length ?? 0) > 1) {
      throw new Error(
        'KeygateAuthorizer needs `audience` when the issuer serves several audiences: each API accepts only its own',
      );
    }
    const audience = props.audience ?? props.issuer.audience;
    if (audience === undefined || (typeof audience !== 'string' && audience.length === 0)) {
      throw new Error('KeygateAuthorizer needs `audience` (or an issuer that has one)');
    }
    // The authorizer keeps these in its context (CONTEXT_CLAIMS, through authorizerTuningEnv), so each
    // mapping always sets its header and a caller's own header of that name never reaches the backend.
    const claims = props.contextClaims ?? [];
    for (const name of claims) {
      if (!isClientClaim(name, ''))
        throw new Error(
          `KeygateAuthorizer contextClaims: ${JSON.stringify(name)} is not a client claim name`,
        );
    }
    this.requestParameters = {
      ...KeygateAuthorizer.CONTEXT_REQUEST_PARAMETERS,
      ...Object.fromEntries(
        claims.map((name) => [
          `integration.request.header.${claimHeaderName(name)}`,
          `context.authorizer.${claimContextKey(name)}`,
        ]),
      ),
    };
    const ttl = props.resultsCacheTtl ?? Duration.seconds(DEFAULT_RESULTS_CACHE_TTL_SECONDS);
    const ttlProblem = resultsCacheTtlProblem(
      ttl.toSeconds({ integral: false }),
      'resultsCacheTtl (seconds)',
    );
    if (ttlProblem !== undefined) {
      this.fail(
        this,
        `${ttlProblem}: use Duration.seconds(${MAX_RESULTS_CACHE_TTL_SECONDS}) or less (0 turns the cache off)`,
      );
    }
    this.gatewayResponses = props.gatewayResponses ?? true;
    this.outputs = props.outputs ?? true;
    if (props.issuer.scopes) this.issuerScopes = [...props.issuer.scopes];
    this.usagePlans =
      props.usageTiers !== undefined ? new UsagePlans(this, 'UsagePlans', props.usageTiers) : undefined;
    this.code = new RouteTableCode(prebuiltLambdaDir('authorizer'));
    this.functionConstruct = new KeygateFunction(this, 'Function', {
      ...props.functionOptions,
      code: this.code,
      description: 'keygate Lambda TOKEN authorizer (RS256 access-token verification)',
      serviceName: 'keygate-authorizer',
      memorySize: props.memorySize ?? 1024,
      // A cold start fetches the JWKS (1.5 s fetch timeout); beyond that API Gateway answers 500 anyway.
      timeout: Duration.seconds(5),
      // Its logs carry error names and messages, never stacks, so source-mapped traces would buy nothing;
      // reading the source map costs every cold start several ms (`npm run bench -- cold-start`).
      sourceMapStackTraces: false,
      environment: {
        [AUTHORIZER_ENV.issuer]: props.issuer.issuerUrl,
        [AUTHORIZER_ENV.audience]: typeof audience === 'string' ? audience : audience.join(' '),
        [AUTHORIZER_ENV.jwksUri]: props.issuer.jwksUri,
        ...revocationsUriEnv(props.issuer.revocationsUri),
        ...authorizerTuningEnv(props),
        ...this.usagePlans?.environment,
      },
    });
    // No AWS permission beyond writing its own logs: it reads the public JWKS over HTTPS.
    this.function = this.functionConstruct.function;
    // In another stack the rotation would reference this function across stacks the wrong way round (the
    // authorizer's stack already depends on the issuer's); there the waits assume the authorizer defaults.
    const rotation = props.issuer.keyRotation;
    if (rotation && Stack.of(rotation) === Stack.of(this)) {
      rotation.followVerifier(this.functionConstruct);
    }
    // Same-stack only, as above: the grantees' policies then name this API without a cross-stack cycle.
    if (props.issuer instanceof KeygateIssuer && Stack.of(props.issuer) === Stack.of(this)) {
      props.issuer.followAuthorizer(this);
    }
    this.attachable = new AttachableTokenAuthorizer(this, 'TokenAuthorizer', {
      authorizerName: props.authorizerName ?? 'keygate',
      handler: this.function,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_REGEX,
      // Out of range fails synth above with the fix; aws-cdk-lib would throw here first, without the path.
      resultsCacheTtl: ttlProblem === undefined ? ttl : Duration.seconds(DEFAULT_RESULTS_CACHE_TTL_SECONDS),
    });
    this.tokenAuthorizer = this.attachable;
    // Methods are added after this constructor runs: the route table is collected when synth visits this.
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node === this) this.collect();
      },
    });
  }

  /**
   * Method options that put this authorizer in front of a method and record the scopes it needs (any one
   * suffices): `resource.addMethod('GET', integration, authorizer.require('orders/read'))`.
   * @param scopes - the scopes any one of which grants the method (RFC 6749 §3.3 scope tokens)
   * @returns the method options to pass to `addMethod`
   * @throws Error when no scope is given; a scope that is not a scope token fails synth
   */
  require(...scopes: string[]): apigateway.MethodOptions {
    if (scopes.length === 0) throw new Error('require() needs at least one scope');
    // Each call gets its own IAuthorizer (aws-cdk-lib's public interface), whose id token resolves to the
    // authorizer's: the CfnMethod it ends up on carries that token as AuthorizerId, which is how synth finds
    // the method's scopes. The authorizer is attached to the method's API then (AttachableTokenAuthorizer).
    const authorizer: apigateway.IAuthorizer = {
      authorizerId: Lazy.string({ produce: () => this.tokenAuthorizer.authorizerId }),
      authorizationType: apigateway.AuthorizationType.CUSTOM,
    };
    this.declared.set(authorizer.authorizerId, [...scopes]);
    return {
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      authorizer,
      // Usage plans apply only to methods that require a key; the authorizer supplies it.
      ...(this.usagePlans !== undefined ? { apiKeyRequired: true } : {}),
    };
  }

  /**
   * The route table (verb, resource path, scopes of every require()d method), collected on first read: read
   * it at synth (e.g. from an Aspect, as NativeJwtAuthorizer does), once every method is added.
   */
  get routes(): readonly ProtectedRoute[] {
    this.collect();
    return this.collected!;
  }

  /**
   * Finds every Method whose AuthorizerId is a require() token (public members only: `Method.httpMethod`,
   * `resource.path`, `api` and the CfnMethod's `authorizerId`), attaches the authorizer to their API and
   * stages the table. A method the table cannot hold fails synth with one error naming that method.
   */
  private collect(): void {
    if (this.collected) return;
    const found: { readonly method: apigateway.Method; readonly route: ProtectedRoute }[] = [];
    let api: apigateway.IRestApi | undefined;
    for (const node of this.node.root.node.findAll()) {
      if (!(node instanceof apigateway.Method)) continue;
      const cfn = node.node.defaultChild as apigateway.CfnMethod;
      const scopes = typeof cfn.authorizerId === 'string' ? this.declared.get(cfn.authorizerId) : undefined;
      if (!scopes) continue;
      acknowledge(node, 'AwsSolutions-COG4', REASONS.customAuthorizer);
      if (!this.attachable.attach(node.api)) {
        this.fail(
          node,
          `an API Gateway authorizer belongs to one RestApi and this one guards ${api?.node.path ?? 'another'}: ` +
            'create one KeygateAuthorizer per RestApi',
        );
        continue;
      }
      api ??= node.api;
      const planProblem = this.usagePlans?.attach(node.api);
      if (planProblem) this.fail(node, planProblem);
      const route = { method: node.httpMethod as ProtectedRoute['method'], path: node.resource.path, scopes };
      const problem = routeProblem(route) ?? this.scopeProblem(route);
      if (problem) this.fail(node, problem);
      else found.push({ method: node, route });
    }
    let table: readonly ProtectedRoute[] = [];
    try {
      table = parseRouteTable(found.map((f) => f.route));
    } catch (err) {
      // Each route passed alone, so two clash: `{id}` beside `{name}` at one place, one resource to API Gateway.
      let named = false;
      found.forEach((later, i) => {
        const earlier = found.slice(0, i).find((f) => tableProblem([f.route, later.route]) !== undefined);
        if (!earlier) return;
        named = true;
        this.fail(
          later.method,
          `${later.route.method} ${later.route.path} is the route of ${earlier.method.node.path} too ` +
            '(API Gateway takes one {parameter} per place)',
        );
      });
      if (!named) this.fail(this, (err as Error).message);
    }
    if (table.length === 0) {
      Annotations.of(this).addWarningV2(
        'keygate:noRoutes',
        'no method uses require(): every token is denied',
      );
    }
    this.collected = table;
    this.code.stage(this, 'Code', ROUTES_FILE_NAME, table);
    if (this.gatewayResponses && api) addChallengeResponses(api);
    const stage = api && deployedStageName(api);
    if (api && stage !== undefined) {
      this.cache = { restApiId: api.restApiId, stage };
      if (this.outputs) addAuthorizerCacheOutput(this, this.cache);
      for (const grantee of this.flushGrantees.splice(0)) this.allowFlush(grantee, this.cache);
    }
  }

  /**
   * Lets `grantee` flush this authorizer's result cache (FlushStageAuthorizersCache, which
   * `keygate clients revoke|disable|delete` call): apigateway:DELETE on that one stage's `/cache/authorizers`. The stage is
   * known once synth collects the require()d methods, so the statement is added then.
   */
  grantFlushCache(grantee: iam.IGrantable): void {
    if (this.cache) this.allowFlush(grantee, this.cache);
    else this.flushGrantees.push(grantee);
  }

  private allowFlush(grantee: iam.IGrantable, cache: AuthorizerCache): void {
    // FlushStageAuthorizersCache is DELETE /restapis/{id}/stages/{stage}/cache/authorizers (API Gateway REST
    // API reference); IAM names API Gateway resources by path, with no account.
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['apigateway:DELETE'],
      resourceArns: [
        `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${cache.restApiId}/stages/${cache.stage}/cache/authorizers`,
      ],
    });
  }

  /** Why `route` names a scope the issuer does not declare (with the nearest declared one), if it does. */
  private scopeProblem(route: ProtectedRoute): string | undefined {
    const declared = this.issuerScopes;
    const unknown = declared && route.scopes.find((scope) => !declared.includes(scope));
    return unknown === undefined || declared === undefined
      ? undefined
      : `${route.method} ${route.path}: ${undeclaredScopeMessage(unknown, declared, 'the issuer')}`;
  }

  /** Fails synth (aws-cdk-lib's validation step) with one error on `node`, naming this authorizer. */
  private fail(node: IConstruct, message: string): void {
    const error = `KeygateAuthorizer ${this.node.path}: ${message}`;
    node.node.addValidation({ validate: () => [error] });
  }
}

/** Why `route` cannot be in the route table, or undefined when it can. */
function routeProblem(route: ProtectedRoute): string | undefined {
  if (!(ROUTE_METHODS as readonly string[]).includes(route.method)) {
    return (
      `${route.method} ${route.path} cannot use require(): the authorizer's policies name concrete verbs, ` +
      `so add one method per verb (${ROUTE_METHODS.join(', ')})`
    );
  }
  // parseRouteTable names the field as `routes[0].<field>`: here the route is named instead.
  const problem = tableProblem([route])?.replace(/^routes\[0\]\.?/, '');
  return problem && `${route.method} ${route.path}: ${problem}`;
}

/** parseRouteTable's complaint about `routes`, or undefined when they form a table. */
function tableProblem(routes: readonly ProtectedRoute[]): string | undefined {
  try {
    parseRouteTable(routes);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The stage name of `api`'s own deployment, or undefined when it has none (`deploy: false`, imported APIs). */
function deployedStageName(api: apigateway.IRestApi): string | undefined {
  if (!(api instanceof apigateway.RestApiBase)) return undefined;
  try {
    return api.deploymentStage.stageName;
  } catch {
    // aws-cdk-lib throws when the API has no deployment stage; such an API has no cache to flush here.
    return undefined;
  }
}

/** RFC 6750 §3 challenges on API Gateway's own 401/403 of `api` (once per API). */
function addChallengeResponses(api: apigateway.IRestApi): void {
  if (!(api instanceof apigateway.RestApiBase) || api.node.tryFindChild('KeygateUnauthorized')) return;
  const quoted = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, `'${v}'`]));
  api.addGatewayResponse('KeygateUnauthorized', {
    type: apigateway.ResponseType.UNAUTHORIZED,
    responseHeaders: quoted(GATEWAY_RESPONSE_HEADERS.UNAUTHORIZED),
  });
  api.addGatewayResponse('KeygateAccessDenied', {
    type: apigateway.ResponseType.ACCESS_DENIED,
    responseHeaders: quoted(GATEWAY_RESPONSE_HEADERS.ACCESS_DENIED),
  });
}
