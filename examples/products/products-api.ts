// The sample's resource API on keygate's public constructs: a regional RestApi with throttling and logs,
// the products Lambda, and three methods whose scopes KeygateAuthorizer turns into its route table.
import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { accessLogFormat, type FunctionOptions, KeygateAuthorizer, type KeygateIssuerRef } from 'keygate/cdk';
import { PRODUCTS_LAMBDA_DIR } from './build-lambda.js';

export interface ProductsApiProps {
  readonly issuer: KeygateIssuerRef;
  readonly audience: string;
  /** @default 'prod' */
  readonly stageName?: string;
  /** @default Duration.seconds(300) */
  readonly resultsCacheTtl?: Duration;
  /** @default 5 */
  readonly clockLeewaySeconds?: number;
  /** @default the authorizer's default (10000) */
  readonly tokenCacheSize?: number;
  /** @default 1024 */
  readonly authorizerMemorySize?: number;
  /** @default 1000 */
  readonly throttlingRateLimit?: number;
  /** @default 2000 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  readonly functionOptions?: FunctionOptions;
}

export class ProductsApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly authorizer: KeygateAuthorizer;
  readonly products: {
    readonly function: lambda.Function;
    readonly role: iam.Role;
    readonly logGroup: logs.LogGroup;
  };
  readonly stageName: string;
  /** The stage URL, no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ProductsApiProps) {
    super(scope, id);
    this.stageName = props.stageName ?? 'prod';
    const fn = props.functionOptions ?? {};
    const retention = props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = fn.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention, removalPolicy });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'keygate-resources',
      description: 'keygate sample resource API behind the Lambda TOKEN authorizer',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: this.stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? 1000,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 2000,
        tracingEnabled: fn.tracing ?? false,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        // Execution logs for errors only, never request/response bodies (they carry tokens).
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });
    // Created here so execution logs get a retention (left to API Gateway they are kept forever).
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: Fn.join('', ['API-Gateway-Execution-Logs_', this.api.restApiId, `/${this.stageName}`]),
      retention,
      removalPolicy,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
    // The stage URL from parts that do not depend on the deployment: api.url would close a cycle through
    // the methods, their integrations and the functions whose environment holds it.
    const stack = Stack.of(this);
    this.url = Fn.join('', [
      'https://',
      this.api.restApiId,
      '.execute-api.',
      stack.region,
      '.',
      stack.urlSuffix,
      `/${this.stageName}`,
    ]);

    // The products Lambda re-checks exp with the same leeway: a cached Allow can outlive the token.
    const clockLeewaySeconds = props.clockLeewaySeconds ?? 5;
    this.authorizer = new KeygateAuthorizer(this, 'Authorizer', {
      issuer: props.issuer,
      audience: props.audience,
      clockLeewaySeconds,
      ...(props.tokenCacheSize !== undefined ? { tokenCacheSize: props.tokenCacheSize } : {}),
      ...(props.resultsCacheTtl ? { resultsCacheTtl: props.resultsCacheTtl } : {}),
      memorySize: props.authorizerMemorySize ?? 1024,
      functionOptions: fn,
    });

    const logGroup = new logs.LogGroup(this, 'ProductsLogGroup', {
      retention: fn.logRetention ?? retention,
      removalPolicy,
    });
    const role = new iam.Role(this, 'ProductsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the keygate sample products function',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const products = new lambda.Function(this, 'ProductsFunction', {
      code: lambda.Code.fromAsset(PRODUCTS_LAMBDA_DIR),
      handler: 'index.handler',
      description: 'keygate sample resource: products catalog',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(5),
      role,
      logGroup,
      tracing: fn.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'keygate-products',
        POWERTOOLS_LOG_LEVEL: fn.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: fn.metricsNamespace ?? 'keygate',
        NODE_OPTIONS: '--enable-source-maps',
        CLOCK_LEEWAY_SECONDS: String(clockLeewaySeconds),
      },
    });
    this.products = { function: products, role, logGroup };

    // Adding a route is one line: the method and the scopes any one of which it needs.
    const integration = new apigateway.LambdaIntegration(products, { allowTestInvoke: false });
    const list = this.api.root.addResource('products');
    const item = list.addResource('{id}');
    list.addMethod('GET', integration, this.authorizer.require('products/read'));
    item.addMethod('GET', integration, {
      ...this.authorizer.require('products/read'),
      requestParameters: { 'method.request.path.id': true },
    });
    list.addMethod('POST', integration, this.authorizer.require('products/write'));

    const ack = (id: string, reason: string, scope: Construct = this.api) =>
      Validations.of(scope).acknowledge({ id, reason });
    ack(
      'AwsSolutions-APIG2',
      'The products handler validates its input and answers with JSON error bodies; an API Gateway ' +
        'request validator would reject first with its own body.',
    );
    ack(
      'AwsSolutions-APIG3',
      'WAF is deployment-specific; abuse is bounded by stage throttling and the authorizer.',
      this.api.deploymentStage,
    );
    if (fn.tracing) {
      ack(
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
        role,
      );
    }
  }
}
