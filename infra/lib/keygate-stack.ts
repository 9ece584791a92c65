// The deployable keygate stack: the authorization server and the protected resource API wired together
// (issuer, JWKS URL and audience flow from one to the other), the account-level API Gateway logging role,
// the outputs the load scripts and the admin CLI read, and the cdk-nag suppressions, each with its reason.
import { CfnOutput, Lazy, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { RESOURCE_ROUTES } from '../../core/routes.js';
import { AuthServer, type AuthServerProps } from './constructs/auth-server.js';
import type { FunctionOptions } from './constructs/keygate-function.js';
import { acknowledge, REASONS } from './constructs/nag.js';
import { NativeJwtAuthorizer } from './constructs/native-jwt-authorizer.js';
import { ResourceApi, type ResourceApiProps } from './constructs/resource-api.js';

export interface KeygateStackProps extends StackProps {
  /**
   * The tokens' `aud` and the authorizer's expected audience (RFC 9068 §3, RFC 8707 resource indicator).
   * @default the resource API's stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod
   */
  readonly audience?: string;
  /** Settings shared by all five functions (log retention, log level, metrics namespace, tracing). */
  readonly functionOptions?: FunctionOptions;
  /** Auth server settings (key, table, throttling, token lifetime...). */
  readonly authServer?: Omit<AuthServerProps, 'audience' | 'functionOptions'>;
  /** Resource API settings (result-cache TTL, authorizer memory, throttling...). */
  readonly resourceApi?: Omit<ResourceApiProps, 'issuer' | 'audience' | 'jwksUri' | 'functionOptions'>;
  /**
   * Create the account-wide role API Gateway needs to write access logs (AWS::ApiGateway::Account; one per
   * account and region). Turn it off when the account already has one configured.
   * @default true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /** 'native' guards the resource API with API Gateway's JWT authorizer instead (docs/authorizers.md). @default 'lambda' */
  readonly authorizer?: 'lambda' | 'native';
}

export class KeygateStack extends Stack {
  readonly authServer: AuthServer;
  readonly resourceApi: ResourceApi;
  readonly audience: string;
  readonly apiGatewayAccount?: apigateway.CfnAccount;
  readonly nativeJwtAuthorizer?: NativeJwtAuthorizer;

  constructor(scope: Construct, id: string, props: KeygateStackProps = {}) {
    super(scope, id, {
      description:
        'keygate: OAuth 2.0 client credentials with KMS-signed RS256 tokens and a Lambda TOKEN authorizer',
      ...props,
    });

    // The resource API is built after the auth server but its URL is the default audience: resolve it lazily.
    let resourceApi: ResourceApi | undefined;
    this.audience =
      props.audience ??
      Lazy.string({
        produce: () => {
          if (!resourceApi) throw new Error('resource API not built');
          return resourceApi.url;
        },
      });

    this.authServer = new AuthServer(this, 'AuthServer', {
      ...props.authServer,
      audience: this.audience,
      ...(props.functionOptions ? { functionOptions: props.functionOptions } : {}),
    });
    resourceApi = new ResourceApi(this, 'ResourceApi', {
      ...props.resourceApi,
      issuer: this.authServer.issuer,
      audience: this.audience,
      jwksUri: this.authServer.jwksUri,
      revocationsUri: this.authServer.revocationsUri,
      ...(props.functionOptions ? { functionOptions: props.functionOptions } : {}),
    });
    this.resourceApi = resourceApi;
    if (props.authorizer === 'native') {
      this.nativeJwtAuthorizer = new NativeJwtAuthorizer(this, 'NativeJwtAuthorizer', {
        api: resourceApi.api,
        issuerUrl: this.authServer.issuer,
        audience: this.audience,
        routes: props.resourceApi?.routes ?? RESOURCE_ROUTES,
      });
    }

    if (props.apiGatewayCloudWatchRole ?? true) {
      const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        description: 'Lets API Gateway write access logs to CloudWatch Logs (account-wide setting)',
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      });
      this.apiGatewayAccount = new apigateway.CfnAccount(this, 'ApiGatewayAccount', {
        cloudWatchRoleArn: role.roleArn,
      });
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        REASONS.apiGatewayLogsRole,
      );
      // Other APIs in the account rely on this setting too: keep it when the stack goes.
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.apiGatewayAccount.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // A stage with access logging fails to deploy until the account has the role.
      this.authServer.api.deploymentStage.node.addDependency(this.apiGatewayAccount);
      this.resourceApi.api.deploymentStage.node.addDependency(this.apiGatewayAccount);
    }

    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out(
      'IssuerUrl',
      this.authServer.issuer,
      'Token issuer (iss); discovery at {issuer}/.well-known/openid-configuration',
    );
    out('TokenUrl', this.authServer.tokenUrl, 'OAuth 2.0 token endpoint (client credentials)');
    out('JwksUrl', this.authServer.jwksUri, 'JSON Web Key Set of the signing keys');
    out('ApiUrl', this.resourceApi.url, 'Resource API base URL (routes of RESOURCE_ROUTES)');
    out('Audience', this.audience, 'Access-token audience (aud)');
    out(
      'ClientsTableName',
      this.authServer.clientsTable.tableName,
      'DynamoDB clients table (CLIENTS_TABLE for the admin CLI)',
    );
    out('SigningKeyId', this.authServer.signingKey.keyId, 'KMS signing key id');
    out('SigningKeyArn', this.authServer.signingKey.keyArn, 'KMS signing key ARN');
    out('Region', this.region, 'Region the stack runs in (AWS_REGION for the admin CLI)');

    // `clients revoke` / `disable` flush the resource API's authorizer cache (docs/token-lifetime.md).
    const api = this.resourceApi.api;
    const stage = this.resourceApi.stageName;
    out('RestApiId', api.restApiId, 'Resource API id (KEYGATE_REST_API_ID for clients revoke/disable)');
    out('ApiStage', stage, 'Resource API stage (KEYGATE_API_STAGE for clients revoke/disable)');
    const revocationAdmin = new iam.ManagedPolicy(this, 'RevocationAdminPolicy', {
      description: 'What `npm run clients -- revoke|disable` needs: the registry write and the cache flush',
      statements: [
        new iam.PolicyStatement({
          sid: 'RevokeInRegistry',
          actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
          resources: [this.authServer.clientsTable.tableArn],
        }),
        new iam.PolicyStatement({
          // FlushStageAuthorizersCache is DELETE on this resource (API Gateway REST API reference).
          sid: 'FlushAuthorizerCache',
          actions: ['apigateway:DELETE'],
          resources: [
            `arn:${this.partition}:apigateway:${this.region}::/restapis/${api.restApiId}/stages/${stage}/cache/authorizers`,
          ],
        }),
      ],
    });
    out(
      'RevocationAdminPolicyArn',
      revocationAdmin.managedPolicyArn,
      'Attach to whoever runs clients revoke/disable',
    );
  }
}
