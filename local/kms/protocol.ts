// The AWS JSON 1.1 wire protocol as KMS speaks it (docs/design.md#kms-protocol): the operation named by
// `x-amz-target: TrentService.<Operation>`, a SigV4 Authorization header (shape checked, not verified:
// local credentials are dummies), a JSON object body, and `{"__type","message"}` error answers.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KmsError } from './errors.js';
import type { Body } from './members.js';

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^,]+, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]+$/;

/** The operation name from `x-amz-target`, or '' when the header is missing or not KMS's. */
export function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX)
    ? target.slice(TARGET_PREFIX.length)
    : '';
}

/** KMS refuses an unsigned request, and a malformed SigV4 header, before looking at the operation. */
export function checkSignature(authorization: string | undefined): void {
  if (authorization === undefined || authorization === '') {
    throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  if (!SIGV4.test(authorization)) {
    throw new KmsError(
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256).',
    );
  }
}

/** The request body as a JSON object; an empty body is `{}`. */
export function parseBody(raw: Buffer): Body {
  let body: unknown;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
  }
  return body as Body;
}

export function internalError(): KmsError {
  return new KmsError(
    'KMSInternalException',
    'The request was rejected because an internal exception occurred.',
  );
}

export function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}
