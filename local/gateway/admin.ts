// The API Gateway emulator's admin endpoints under `/_keygate/` (outside any stage: stage names exclude
// `_keygate`): flush the authorizer cache, read the counters, a health check. Loopback peers only by default.
import type { ServerResponse } from 'node:http';
import { type GatewayStats, snapshotStats } from './stats.js';

export const ADMIN_PREFIX = '/_keygate/';

export const ADMIN_ENDPOINTS = [
  'DELETE /_keygate/authorizer-cache',
  'GET /_keygate/stats',
  'GET /_keygate/health',
] as const;

export interface AdminContext {
  readonly stage: string;
  readonly apiId: string;
  readonly stats: GatewayStats;
  /** Drops the cached authorizer results; returns how many (0 without an authorizer). */
  flushAuthorizerCache(): number;
}

/** Answers one admin request; `path` is what follows ADMIN_PREFIX. */
export function serveAdmin(
  method: string,
  path: string,
  res: ServerResponse,
  requestId: string,
  ctx: AdminContext,
): void {
  const json = (status: number, value: unknown) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-amzn-RequestId', requestId);
    res.end(JSON.stringify(value));
  };
  if (path === 'authorizer-cache' && method === 'DELETE') {
    json(200, { flushed: ctx.flushAuthorizerCache() });
  } else if (path === 'stats' && method === 'GET') {
    json(200, { stage: ctx.stage, apiId: ctx.apiId, ...snapshotStats(ctx.stats) });
  } else if (path === 'health' && (method === 'GET' || method === 'HEAD')) {
    json(200, { status: 'ok', stage: ctx.stage });
  } else {
    json(404, { message: 'unknown admin endpoint', endpoints: ADMIN_ENDPOINTS });
  }
}
