// The products sample as a deployable stack, built only on keygate's public constructs: a KeygateIssuer and
// the products API behind a KeygateAuthorizer (issuer, JWKS URL and audience flow from one to the other), the
// account-level API Gateway logging role, alarms and a dashboard over both (Monitoring), and the outputs the
// load scripts and the admin CLI read.
import { CfnOutput, Lazy, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  type FunctionOptions,
  KeygateIssuer,
  type KeygateIssuerProps,
  Monitoring,
  type MonitoringProps,
  NativeJwtAuthorizer,
} from 'keygate/cdk';
import { ProductsApi, type ProductsApiProps } from './products-api.js';
import { ALL_SCOPES } from './routes.js';

export interface KeygateStackProps extends StackProps {
  /**
   * The tokens' `aud` and the authorizer's expected audience (RFC 9068 §3, RFC 8707 resource indicator).
   * @default the resource API's stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod
   */
  readonly audience?: string;
  /** Settings shared by every function (log retention, log level, metrics namespace, tracing). */
  readonly functionOptions?: FunctionOptions;
  /** Auth server settings (key, table, throttling, token lifetime...). */
  readonly authServer?: Omit<KeygateIssuerProps, 'audience' | 'functionOptions'>;
  /** Resource API settings (result-cache TTL, authorizer memory, throttling...). */
  readonly resourceApi?: Omit<ProductsApiProps, 'issuer' | 'audience' | 'functionOptions'>;
  /**
   * Create the account-wide role API Gateway needs to write access logs (AWS::ApiGateway::Account; one per
   * account and region). Turn it off when the account already has one configured.
   * @default true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /** 'native' guards the resource API with API Gateway's JWT authorizer instead (docs/authorizers.md). @default 'lambda' */
  readonly authorizer?: 'lambda' | 'native';
  /** Alarms (optionally to an SNS topic) and the dashboard (docs/operations-monitoring.md). */
  readonly monitoring?: Pick<MonitoringProps, 'alarmTopic' | 'thresholds' | 'dashboardName'>;
}

export class KeygateStack extends Stack {
  readonly authServer: KeygateIssuer;
  readonly resourceApi: ProductsApi;
  readonly audience: string;
  readonly apiGatewayAccount?: apigateway.CfnAccount;
  readonly nativeJwtAuthorizer?: NativeJwtAuthorizer;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: KeygateStackProps = {}) {
    super(scope, id, {
      description:
        'keygate: OAuth 2.0 client credentials with KMS-signed RS256 tokens and a Lambda TOKEN authorizer',
      ...props,
    });

    // The resource API is built after the auth server but its URL is the default audience: resolve it lazily.
    let resourceApi: ProductsApi | undefined;
    this.audience =
      props.audience ??
      Lazy.string({
        produce: () => {
          if (!resourceApi) throw new Error('resource API not built');
          return resourceApi.url;
        },
      });

    this.authServer = new KeygateIssuer(this, 'AuthServer', {
      // The sample's scopes, published as scopes_supported (the issuer has no default of its own).
      scopes: ALL_SCOPES,
      ...props.authServer,
      audience: this.audience,
      ...(props.functionOptions ? { functionOptions: props.functionOptions } : {}),
    });
    resourceApi = new ProductsApi(this, 'ResourceApi', {
      ...props.resourceApi,
      issuer: this.authServer,
      audience: this.audience,
      ...(props.functionOptions ? { functionOptions: props.functionOptions } : {}),
    });
    this.resourceApi = resourceApi;
    if (props.authorizer === 'native') {
      this.nativeJwtAuthorizer = new NativeJwtAuthorizer(this, 'NativeJwtAuthorizer', {
        api: resourceApi.api,
        issuerUrl: this.authServer.issuerUrl,
        audience: this.audience,
        routes: resourceApi.authorizer,
      });
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...props.monitoring,
      issuer: this.authServer,
      authorizer: resourceApi.authorizer,
      resourceApi: resourceApi.api,
      functions: { Products: resourceApi.products.function },
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
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level API Gateway ' +
          'logging role; it must create and write any API’s log groups in the account, so no narrower scope exists.',
      });
      // Other APIs in the account rely on this setting too: keep it when the stack goes.
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.apiGatewayAccount.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // A stage with access logging fails to deploy until the account has the role.
      this.authServer.api.deploymentStage.node.addDependency(this.apiGatewayAccount);
      this.resourceApi.api.deploymentStage.node.addDependency(this.apiGatewayAccount);
    }

    // The issuer writes the outputs the keygate CLI reads (`--stack`: KeygateTokenUrl, KeygateClientsTable,
    // KeygateAuthorizerCaches, ...; core/stack-outputs.ts); these are the sample's own.
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('JwksUrl', this.authServer.jwksUri, 'JSON Web Key Set of the signing keys');
    out('ApiUrl', this.resourceApi.url, 'Resource API base URL (GET/POST /products, GET /products/{id})');
    out('Audience', this.audience, 'Access-token audience (aud)');
    out('SigningKeyId', this.authServer.key.keyId, 'KMS signing key id');
    // Least privilege for on-call: `keygate clients revoke|disable --stack <name>` and nothing else.
    const revocationAdmin = new iam.Role(this, 'RevocationAdmin', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Assume to run keygate clients revoke|disable: the registry write and the cache flush',
    });
    this.authServer.grantRevoke(revocationAdmin);
    out('RevocationAdminRoleArn', revocationAdmin.roleArn, 'Assume to run keygate clients revoke|disable');
    out('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of keygate');
  }
}
