// The one API Gateway control-plane call the local stack serves: FlushStageAuthorizersCache,
// `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers` -> 202 (AWS API Gateway REST API
// reference, "FlushStageAuthorizersCache"), so `clients revoke` runs the same SDK call locally as on AWS
// (AWS_ENDPOINT_URL_API_GATEWAY points the SDK here). Like AWS it wants a SigV4 Authorization header; like
// the KMS emulator it checks the header's shape, not the signature, so it answers loopback peers only.
import type { ServerResponse } from 'node:http';

const FLUSH_PATH = /^\/restapis\/([^/]+)\/stages\/([^/]+)\/cache\/authorizers$/;
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=\S+, ?SignedHeaders=\S+, ?Signature=[0-9a-f]{64}$/;

export const CONTROL_PLANE_PREFIX = '/restapis/';

/**
 * Answers a control-plane request for this gateway's API and stage; `flush` drops the cached results.
 * Errors use the REST API's shapes: 403 without a signature, 404 NotFoundException for another API or
 * stage, 404 UnknownOperationException for any other operation.
 */
export function serveControlPlane(
  method: string,
  path: string,
  authorization: string | undefined,
  res: ServerResponse,
  own: { readonly apiId: string; readonly stage: string; readonly requestId: string },
  flush: () => void,
): void {
  const answer = (status: number, errorType: string | undefined, body: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-amzn-RequestId', own.requestId);
    if (errorType) res.setHeader('x-amzn-ErrorType', errorType);
    res.end(body);
  };
  const m = FLUSH_PATH.exec(path);
  if (!m || method !== 'DELETE') {
    answer(404, 'UnknownOperationException', '{"message":null}');
    return;
  }
  if (authorization === undefined || !SIGV4.test(authorization)) {
    answer(403, 'MissingAuthenticationTokenException', '{"message":"Missing Authentication Token"}');
    return;
  }
  const [, apiId, stage] = m as unknown as [string, string, string];
  if (decodeURIComponent(apiId) !== own.apiId) {
    answer(404, 'NotFoundException', '{"message":"Invalid API identifier specified"}');
    return;
  }
  if (decodeURIComponent(stage) !== own.stage) {
    answer(404, 'NotFoundException', '{"message":"Invalid Stage identifier specified"}');
    return;
  }
  flush();
  answer(202, undefined, '');
}
