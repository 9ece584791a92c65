// The deployable keygate stack: the authorization server and the protected resource API wired together
// (issuer, JWKS URL and audience flow from one to the other), the account-level API Gateway logging role,
// the outputs the load scripts and the admin CLI read, and the cdk-nag suppressions, each with its reason.
import { CfnOutput, Lazy, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { AuthServer, type AuthServerProps } from './constructs/auth-server.js';
import { KeyRotation, type KeyRotationProps } from './constructs/key-rotation.js';
import type { FunctionOptions } from './constructs/keygate-function.js';
import { Monitoring, type MonitoringProps } from './constructs/monitoring.js';
import { acknowledge, REASONS } from './constructs/nag.js';
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
  /**
   * Scheduled signing-key rotation (schedule, state machine, task); `false` leaves rotation to the manual
   * runbook (docs/operations-rotation.md). @default every 90 days
   */
  readonly keyRotation?:
    | Omit<KeyRotationProps, 'signingKey' | 'table' | 'token' | 'jwks' | 'authorizer'>
    | false;
  /** Alarms (optionally to an SNS topic) and the dashboard. */
  readonly monitoring?: Pick<MonitoringProps, 'alarmTopic' | 'thresholds' | 'dashboardName'>;
}

export class KeygateStack extends Stack {
  readonly authServer: AuthServer;
  readonly resourceApi: ResourceApi;
  readonly audience: string;
  readonly apiGatewayAccount?: apigateway.CfnAccount;
  readonly keyRotation?: KeyRotation;
  readonly monitoring: Monitoring;

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
      ...(props.functionOptions ? { functionOptions: props.functionOptions } : {}),
    });
    this.resourceApi = resourceApi;

    const { authServer: auth } = this;
    const fnOptions = props.functionOptions ? { functionOptions: props.functionOptions } : {};
    if (props.keyRotation !== false) {
      this.keyRotation = new KeyRotation(this, 'KeyRotation', {
        signingKeyAlias: auth.signingKeyAlias.aliasName,
        ...fnOptions,
        ...props.keyRotation,
        signingKey: auth.signingKey,
        table: auth.clientsTable,
        token: auth.token,
        jwks: auth.jwks,
        authorizer: resourceApi.authorizerFunction,
      });
    }
    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...props.monitoring,
      token: auth.token,
      jwks: auth.jwks,
      discovery: auth.discovery,
      authorizer: resourceApi.authorizerFunction,
      products: resourceApi.products,
      authApi: auth.api,
      resourceApi: resourceApi.api,
      ...(this.keyRotation ? { rotation: this.keyRotation.stateMachine } : {}),
    });

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
    if (this.keyRotation) {
      out(
        'KeyRotationStateMachineArn',
        this.keyRotation.stateMachine.stateMachineArn,
        'Signing-key rotation state machine (start it to rotate now or to resume a failed run)',
      );
    }
    out('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of keygate');
  }
}
