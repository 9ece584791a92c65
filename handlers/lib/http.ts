// The API Gateway proxy (payload 1.0) response pieces the HTTP handlers share: header lookup, JSON and
// RFC 6749 §5.2 error bodies, Retry-After for dependency outages, and cacheable metadata documents.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ifNoneMatchMatches } from '../../core/issuer/etag.js';
import { DOCUMENT_CONTENT_TYPE, documentCacheControl } from '../../core/publish/served-documents.js';

export type HttpEvent = Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>;

/** A request header by case-insensitive name; API Gateway puts every value of a repeated header in
 * multiValueHeaders, and RFC 9110 §5.3 says they combine with ", ". */
export function header(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  const multi = Object.entries(event.multiValueHeaders ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
  if (multi && multi.length > 0) return multi.join(', ');
  return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
): APIGatewayProxyResult {
  return { statusCode, headers: { ...headers }, body: JSON.stringify(body) };
}

/** `{ error, error_description }` (RFC 6749 §5.2 shape), never cached: it may echo request input. */
export function errorResponse(
  statusCode: number,
  error: string,
  description: string,
  extra: Readonly<Record<string, string>> = {},
): APIGatewayProxyResult {
  return jsonResponse(
    statusCode,
    { error, error_description: description },
    { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra },
  );
}

/** Retry-After seconds on a 503: throttling clears fast; an outage takes longer. */
export interface RetryAfterSeconds {
  readonly throttled: number;
  readonly unavailable: number;
}

export const DEFAULT_RETRY_AFTER: RetryAfterSeconds = { throttled: 1, unavailable: 5 };

export const retryAfter = (code: string, seconds: RetryAfterSeconds): string =>
  String(code === 'dependency_throttled' ? seconds.throttled : seconds.unavailable);

/**
 * What of a failure's cause is fit for a log line: its code or class name only, since AWS SDK messages
 * can quote request data. undefined when there is no distinct cause.
 */
export function causeName(error: Error, thrown: unknown): string | undefined {
  const cause = (error.cause ?? thrown) as { name?: string; code?: string } | null | undefined;
  return cause && cause !== error ? (cause.code ?? cause.name) : undefined;
}

/** How a document endpoint names what it serves, in its log line and its error bodies. */
export interface DocumentFailureNames {
  /** The log message, e.g. `jwks unavailable`. */
  readonly logMessage: string;
  /** The document in error descriptions, e.g. `the key set`. */
  readonly document: string;
}

/**
 * The answer of a document endpoint (JWKS, revocation list) whose source failed, and its log line (the
 * error's code and the cause's name only): 503 `temporarily_unavailable` with Retry-After when the
 * dependency is throttled or unavailable (`error.status` 503), else 500 `server_error`.
 */
export function documentFailure(
  error: Error & { readonly code: string; readonly status: number },
  thrown: unknown,
  context: {
    readonly names: DocumentFailureNames;
    readonly logger: { error: (message: string, fields: Record<string, unknown>) => void };
    readonly requestId: string | undefined;
    readonly retryAfterSeconds: RetryAfterSeconds;
  },
): APIGatewayProxyResult {
  const cause = causeName(error, thrown);
  safeLog(context.logger, 'error', context.names.logMessage, {
    errorCode: error.code,
    ...(cause ? { cause } : {}),
    requestId: context.requestId,
  });
  if (error.status === 503) {
    return errorResponse(
      503,
      'temporarily_unavailable',
      `${context.names.document} is temporarily unavailable`,
      {
        'Retry-After': retryAfter(error.code, context.retryAfterSeconds),
      },
    );
  }
  return errorResponse(500, 'server_error', `${context.names.document} cannot be served`);
}

/** Logs without letting a logging failure turn an answer into a crash. */
export function safeLog<L extends string>(
  logger: { [K in L]: (message: string, fields: Record<string, unknown>) => void },
  level: L,
  message: string,
  fields: Record<string, unknown>,
): void {
  try {
    logger[level](message, fields);
  } catch {
    // Logging is best effort.
  }
}

/** A public metadata document (JWKS, discovery): the body and its strong entity tag. */
export interface CacheableDocument {
  readonly body: string;
  readonly etag: string;
}

/** GET or HEAD, the methods the metadata endpoints answer; undefined for any other (then 405). */
export function readOnlyMethod(event: Pick<APIGatewayProxyEvent, 'httpMethod'>): 'GET' | 'HEAD' | undefined {
  const method = event.httpMethod?.toUpperCase();
  return method === 'GET' || method === 'HEAD' ? method : undefined;
}

export const methodNotAllowed = (): APIGatewayProxyResult =>
  errorResponse(405, 'invalid_request', 'method not allowed', { Allow: 'GET, HEAD' });

/** A cacheable JSON document: 304 when If-None-Match matches (RFC 9110 §13.1.2), else 200. */
export function documentResponse(
  event: HttpEvent,
  method: 'GET' | 'HEAD',
  doc: CacheableDocument,
  maxAgeSeconds: number,
): APIGatewayProxyResult {
  const cacheHeaders = { 'Cache-Control': documentCacheControl(maxAgeSeconds), ETag: doc.etag };
  if (ifNoneMatchMatches(header(event, 'if-none-match'), doc.etag)) {
    return { statusCode: 304, headers: cacheHeaders, body: '' };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': DOCUMENT_CONTENT_TYPE, ...cacheHeaders },
    body: method === 'HEAD' ? '' : doc.body,
  };
}
