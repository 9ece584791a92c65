// What both REST APIs share: the RestApi and its stage (regional, throttled, JSON access logs with the
// authorizer's figures, error-only execution logs with retention), one Lambda method per route, and the stage
// URL built from parts that do not depend on the deployment (see stageUrl).
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HandlerName, RouteDef } from '../../../core/routes.js';
import type { FunctionOptions, KeygateFunction } from './keygate-function.js';
import { acknowledge, REASONS } from './nag.js';

export interface KeygateRestApiProps {
  readonly restApiName: string;
  readonly description: string;
  readonly stageName: string;
  /** Stage-wide steady-state rate limit (requests/s). */
  readonly throttlingRateLimit: number;
  /** Stage-wide burst (token bucket size). */
  readonly throttlingBurstLimit: number;
  /** Retention of the access and execution logs. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays | undefined;
  /** `tracing` (X-Ray on the stage) and `logRemovalPolicy` (the log groups) apply to the API too. */
  readonly functionOptions: FunctionOptions;
}

/**
 * A regional RestApi without the account-level CloudWatch role, with a throttled stage, JSON access logs and
 * execution logs (with retention) for errors only, and the cdk-nag acknowledgments every keygate API shares.
 */
export function keygateRestApi(scope: Construct, props: KeygateRestApiProps): apigateway.RestApi {
  const fnOptions = props.functionOptions;
  const api = new apigateway.RestApi(scope, 'Api', {
    restApiName: props.restApiName,
    description: props.description,
    endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
    cloudWatchRole: false,
    deployOptions: {
      stageName: props.stageName,
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
      tracingEnabled: fnOptions.tracing ?? false,
      accessLogDestination: new apigateway.LogGroupLogDestination(
        accessLogGroup(
          scope,
          'AccessLogs',
          props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
          fnOptions.logRemovalPolicy ?? RemovalPolicy.RETAIN,
        ),
      ),
      accessLogFormat: accessLogFormat(),
      // Execution logs for errors only, never request/response bodies (they carry client secrets and tokens).
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
    },
  });
  executionLogGroup(scope, api, props.stageName, props.accessLogRetention, fnOptions.logRemovalPolicy);
  acknowledge(api, 'AwsSolutions-APIG2', REASONS.handlerValidation);
  acknowledge(api.deploymentStage, 'AwsSolutions-APIG3', REASONS.noWaf);
  return api;
}

/**
 * Adds one method per route, invoking that route's function (no test-invoke permission), and creates the
 * resources of each path segment (`{id}` becomes a path parameter).
 */
export function addRoutes(
  api: apigateway.RestApi,
  routes: readonly RouteDef[],
  functions: Partial<Record<HandlerName, KeygateFunction>>,
  options: apigateway.MethodOptions,
): apigateway.Method[] {
  const integrations = new Map<KeygateFunction, apigateway.LambdaIntegration>();
  return routes.map((route) => {
    const fn = functions[route.handler];
    if (!fn) throw new Error(`no Lambda for handler "${route.handler}" (${route.method} ${route.path})`);
    let integration = integrations.get(fn);
    if (!integration) {
      integration = new apigateway.LambdaIntegration(fn.function, { allowTestInvoke: false });
      integrations.set(fn, integration);
    }
    const resource = api.root.resourceForPath(route.path);
    const params = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => `method.request.path.${m[1]}`);
    return resource.addMethod(route.method, integration, {
      ...options,
      ...(params.length > 0 ? { requestParameters: Object.fromEntries(params.map((p) => [p, true])) } : {}),
    });
  });
}

/**
 * The access-log format of keygate's REST APIs: one JSON object per request, with the authorizer's figures
 * (status, latency, error). Field names are stable so Logs Insights queries keep working; a team's own API
 * behind KeygateAuthorizer can log the same way (`deployOptions.accessLogFormat`).
 */
export function accessLogFormat(): apigateway.AccessLogFormat {
  const F = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      requestTimeEpoch: F.contextRequestTimeEpoch(),
      ip: F.contextIdentitySourceIp(),
      userAgent: F.contextIdentityUserAgent(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      path: F.contextPath(),
      protocol: F.contextProtocol(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatency: F.contextResponseLatency(),
      integrationLatency: F.contextIntegrationLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      errorType: F.contextErrorResponseType(),
      errorMessage: F.contextErrorMessageString(),
      principalId: F.contextAuthorizerPrincipalId(),
      authorizerStatus: F.contextAuthorizerStatus(),
      authorizerLatency: F.contextAuthorizerLatency(),
      authorizerIntegrationLatency: F.contextAuthorizerIntegrationLatency(),
      authorizerError: F.contextAuthorizerError(),
    }),
  );
}

export function accessLogGroup(
  scope: Construct,
  id: string,
  retention: logs.RetentionDays,
  removalPolicy: RemovalPolicy,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, { retention, removalPolicy });
}

/**
 * The log group API Gateway writes execution logs to (`API-Gateway-Execution-Logs_{apiId}/{stage}`), created
 * here so it gets a retention; left to API Gateway it would keep logs forever.
 */
export function executionLogGroup(
  scope: Construct,
  api: apigateway.RestApi,
  stageName: string,
  retention: logs.RetentionDays | undefined,
  removalPolicy: RemovalPolicy | undefined,
): logs.LogGroup {
  const group = new logs.LogGroup(scope, 'ExecutionLogs', {
    logGroupName: Fn.join('', ['API-Gateway-Execution-Logs_', api.restApiId, `/${stageName}`]),
    retention: retention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN,
  });
  // Exists before the stage's first log line, so API Gateway does not create it without retention.
  api.deploymentStage.node.addDependency(group);
  return group;
}

/**
 * `https://{restApiId}.execute-api.{region}.{urlSuffix}/{stage}` without a trailing slash. `api.url` would be
 * the same string, but it references the Stage, which depends on the Deployment, which depends on every Method,
 * whose integration references the Lambda functions: a Lambda environment holding `api.url` closes a cycle.
 * The RestApi id and a literal stage name depend on nothing the functions create.
 */
export function stageUrl(api: apigateway.IRestApi, stageName: string): string {
  const stack = Stack.of(api);
  return Fn.join('', [
    'https://',
    api.restApiId,
    '.execute-api.',
    stack.region,
    '.',
    stack.urlSuffix,
    `/${stageName}`,
  ]);
}

/** Stage names API Gateway accepts (letters, digits, hyphen, underscore; max 128). */
export function checkStageName(stageName: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
    throw new Error(`stageName must match [A-Za-z0-9_-]{1,128} (got "${stageName}")`);
  }
  return stageName;
}
