// KeygateAuthorizer: keygate's Lambda TOKEN authorizer (prebuilt bundle) and API Gateway's TokenAuthorizer
// with the result cache, for a team's own RestApi. Methods declare their scopes with `require(...)`; at synth
// the construct collects every such method (verb, resource path, scopes) into the route table its Lambda
// loads, so each cached policy covers exactly what the token's scopes allow across the whole API.
import { Annotations, Aspects, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, type IConstruct } from 'constructs';
import { resultsCacheTtlProblem } from '../../../core/authz/results-cache-ttl.js';
import { type ProtectedRoute, parseRouteTable, ROUTE_METHODS } from '../../../core/authz/route-table.js';
import {
  AUTHORIZER_ENV,
  type AuthorizerTuning,
  authorizerTuningEnv,
  BEARER_VALIDATION_REGEX,
  CONTEXT_HEADERS,
  DEFAULT_RESULTS_CACHE_TTL_SECONDS,
  GATEWAY_RESPONSE_HEADERS,
  RESOURCE_PATH_HEADER,
  ROUTES_FILE_NAME,
  revocationsUriEnv,
} from '../../../core/contract.js';
import { AttachableTokenAuthorizer } from './attachable-token-authorizer.js';
import type { KeyRotation } from './key-rotation.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { prebuiltLambdaDir } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';
import { RouteTableCode } from './route-table-code.js';

/** Where tokens come from: a KeygateIssuer in this app, or a keygate deployed elsewhere. */
export interface KeygateIssuerRef {
  /** The tokens' `iss`. */
  readonly issuerUrl: string;
  /** The issuer's JWKS (https). */
  readonly jwksUri: string;
  /** The `aud` the issuer puts in its tokens, when known. */
  readonly audience?: string;
  /**
   * The issuer's revocation list (a KeygateIssuer's `revocationsUri`): the authorizer refuses revoked tokens
   * within the bound of docs/token-lifetime.md. Unset: `${issuerUrl}/revocations`, where a keygate issuer
   * serves it. `false`: no revocation checks, tokens live until `exp`.
   */
  readonly revocationsUri?: string | false;
  /** The issuer's scheduled key rotation (a KeygateIssuer's): its waits then cover this authorizer's caches. */
  readonly keyRotation?: KeyRotation;
}

export interface KeygateAuthorizerProps extends AuthorizerTuning {
  /** The issuer whose tokens are accepted (a KeygateIssuer fits). */
  readonly issuer: KeygateIssuerRef;
  /** Accepted `aud` values; a token must name one. @default the issuer's `audience` */
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
}

export class KeygateAuthorizer extends Construct {
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

  readonly function: lambda.Function;
  readonly functionConstruct: KeygateFunction;
  readonly tokenAuthorizer: apigateway.TokenAuthorizer;
  private readonly attachable: AttachableTokenAuthorizer;
  private readonly code: RouteTableCode;
  private readonly declared = new Map<string, readonly string[]>();
  private collected?: readonly ProtectedRoute[];
  private readonly gatewayResponses: boolean;

  constructor(scope: Construct, id: string, props: KeygateAuthorizerProps) {
    super(scope, id);
    const audience = props.audience ?? props.issuer.audience;
    if (audience === undefined || (typeof audience !== 'string' && audience.length === 0)) {
      throw new Error('KeygateAuthorizer needs `audience` (or an issuer that has one)');
    }
    const ttl = props.resultsCacheTtl ?? Duration.seconds(DEFAULT_RESULTS_CACHE_TTL_SECONDS);
    const problem = resultsCacheTtlProblem(ttl.toSeconds({ integral: false }), 'resultsCacheTtl (seconds)');
    if (problem !== undefined) throw new Error(problem);
    this.gatewayResponses = props.gatewayResponses ?? true;
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
    this.attachable = new AttachableTokenAuthorizer(this, 'TokenAuthorizer', {
      authorizerName: props.authorizerName ?? 'keygate',
      handler: this.function,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_REGEX,
      resultsCacheTtl: ttl,
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
    return { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer };
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
      const route = { method: node.httpMethod as ProtectedRoute['method'], path: node.resource.path, scopes };
      const problem = routeProblem(route);
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
