// API Gateway's native JWT authorizer for a REST API, trusting keygate's issuer: an AWS::ApiGateway::Authorizer
// of type JWT with JwtConfiguration (aws-cdk-lib does not model it yet: L1 property overrides), and each
// protected method of the route table switched to it with the route's scopes as AuthorizationScopes.
import { Aspects, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct, type IConstruct } from 'constructs';
import type { ProtectedRoute } from '../../../core/authz/route-table.js';
import { NATIVE_JWT_REQUIRED_CLAIMS } from '../../../core/contract.js';

/** JwtConfigurationInput.defaultAlgorithms valid values (API Gateway API reference, JwtConfigurationInput). */
export type NativeJwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

/** Props of NativeJwtAuthorizer: the API, the issuer and audiences, and the routes to guard. */
export interface NativeJwtAuthorizerProps {
  /** The REST API whose methods (already added for `routes`) the authorizer guards. */
  readonly api: apigateway.RestApi;
  /**
   * keygate's issuer: the auth API's stage URL, exactly as tokens carry it in `iss` (no trailing slash). API
   * Gateway reads `{issuerUrl}/.well-known/openid-configuration` when it creates the authorizer.
   */
  readonly issuerUrl: string;
  /** Accepted `aud` values (JwtIssuer.Audiences). */
  readonly audience: string | readonly string[];
  /**
   * The routes served by `api`; those with scopes get the authorizer and their scopes. A KeygateAuthorizer
   * fits too: its `require()`d methods (collected at synth) switch to the JWT authorizer, same scopes.
   */
  readonly routes: readonly ProtectedRoute[] | { readonly routes: readonly ProtectedRoute[] };
  /** Accepted signing algorithms (JwtConfiguration.DefaultAlgorithms). @default ['RS256'] (keygate signs with RS256 only) */
  readonly algorithms?: readonly NativeJwtAlgorithm[];
  /** The authorizer's name. @default 'keygate-jwt' */
  readonly authorizerName?: string;
}

/**
 * `AWS::ApiGateway::Authorizer` with `Type: JWT` and a `JwtConfiguration` (`DefaultAlgorithms`, and `Issuers`
 * of `Issuer`, `Audiences`, `AdditionalClaims`) (CloudFormation reference "AWS::ApiGateway::Authorizer JwtConfiguration /
 * JwtIssuer / JwtAdditionalClaim"; `sub` and `client_id` required, docs/authorizers.md#differences); methods
 * get `AuthorizationType: JWT`, the authorizer's id and `AuthorizationScopes` (AWS, "Attach a JWT authorizer
 * to methods and require scopes": a token passes when it carries at least one of the method's scopes).
 */
export class NativeJwtAuthorizer extends Construct {
  /** The `AWS::ApiGateway::Authorizer` of type JWT. */
  readonly authorizer: apigateway.CfnAuthorizer;
  private readonly guarded: apigateway.Method[] = [];

  constructor(scope: Construct, id: string, props: NativeJwtAuthorizerProps) {
    super(scope, id);
    const audiences = typeof props.audience === 'string' ? [props.audience] : [...props.audience];
    if (audiences.length === 0) throw new Error('NativeJwtAuthorizer: at least one audience is required');
    const jwtConfiguration = {
      DefaultAlgorithms: [...(props.algorithms ?? ['RS256'])],
      Issuers: [
        {
          Issuer: props.issuerUrl,
          Audiences: audiences,
          // Refused in the gateway like in keygate's authorizer: a signed JWT without a client identity.
          AdditionalClaims: NATIVE_JWT_REQUIRED_CLAIMS.map((ClaimName) => ({
            ClaimName,
            Format: 'SINGLE_STRING',
            Required: true,
          })),
        },
      ],
    };

    this.authorizer = new apigateway.CfnAuthorizer(this, 'Resource', {
      restApiId: props.api.restApiId,
      name: props.authorizerName ?? 'keygate-jwt',
      type: 'JWT',
      identitySource: 'method.request.header.Authorization',
    });
    this.authorizer.addPropertyOverride('JwtConfiguration', jwtConfiguration);
    Validations.of(this.authorizer).acknowledge({
      id: 'CloudFormation-Validate::F3002',
      reason:
        "aws-cdk-lib's bundled resource schema predates JwtConfiguration (CloudFormation reference, AWS::ApiGateway::Authorizer JwtConfiguration)",
    });

    // Methods may be added after this constructor (and a KeygateAuthorizer's table is collected at synth):
    // the methods are switched when synth visits this construct.
    let applied = false;
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (node !== this || applied) return;
        applied = true;
        const routes = 'routes' in props.routes ? props.routes.routes : props.routes;
        this.apply(props.api, routes, jwtConfiguration);
      },
    });
  }

  /** The methods guarded by the JWT authorizer, in route order (known at synth). */
  get methods(): readonly apigateway.Method[] {
    return this.guarded;
  }

  private apply(api: apigateway.RestApi, routes: readonly ProtectedRoute[], jwtConfiguration: object): void {
    for (const route of routes) {
      if (route.scopes.length === 0) continue;
      const method = api.root.resourceForPath(route.path).node.tryFindChild(route.method);
      if (!(method instanceof apigateway.Method)) {
        throw new Error(`NativeJwtAuthorizer: ${route.method} ${route.path} is not a method of the API`);
      }
      const cfn = method.node.defaultChild as apigateway.CfnMethod;
      cfn.addPropertyOverride('AuthorizationType', 'JWT');
      cfn.addPropertyOverride('AuthorizerId', this.authorizer.ref);
      cfn.addPropertyOverride('AuthorizationScopes', [...route.scopes]);
      this.guarded.push(method);
    }
    // Overrides are not part of the deployment's hash: without this, switching authorizers would not redeploy.
    api.latestDeployment?.addToLogicalId({
      nativeJwtAuthorizer: jwtConfiguration,
      scopes: routes.map((r) => [r.method, r.path, r.scopes]),
    });
  }
}
