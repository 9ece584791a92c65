// What both REST APIs share: a JSON access-log format with the authorizer's figures, a log group with retention,
// and the stage URL built from parts that do not depend on the deployment (see stageUrl).
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** One JSON object per request; field names are stable so Logs Insights queries keep working. */
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
