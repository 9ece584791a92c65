// API Gateway REST (v1) proxy events for handler tests: what the Lambda proxy integration hands a
// handler, with nothing set beyond what a test overrides.
import type { APIGatewayProxyEvent } from 'aws-lambda';

export function proxyEvent(
  path: string,
  overrides: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path,
    resource: path,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}
