// The API Gateway emulator's counters: requests, integration calls and gateway responses by case, read
// through GatewayStats (with the TOKEN authorizer step's own counts) by tests, the admin endpoint and loads.
import type { GatewayErrorCase } from './responses.js';
import type { TokenAuthorizerStep } from './token-authorizer.js';

export interface GatewayStats {
  readonly requests: number;
  readonly integrationInvocations: number;
  readonly authorizerInvocations: number;
  readonly authorizerCacheHits: number;
  readonly authorizerCacheSize: number;
  readonly gatewayResponses: Readonly<Partial<Record<GatewayErrorCase, number>>>;
}

/** The mutable side the request pipeline bumps; `stats` is the read-only view of it. */
export interface GatewayCounters {
  request(): void;
  integrationInvocation(): void;
  gatewayResponse(kind: GatewayErrorCase): void;
  readonly stats: GatewayStats;
}

export function createGatewayCounters(
  authorizer: Pick<TokenAuthorizerStep, 'stats'> | undefined,
): GatewayCounters {
  let requests = 0;
  let integrationInvocations = 0;
  const gatewayCounts: Partial<Record<GatewayErrorCase, number>> = {};
  return {
    request() {
      requests++;
    },
    integrationInvocation() {
      integrationInvocations++;
    },
    gatewayResponse(kind) {
      gatewayCounts[kind] = (gatewayCounts[kind] ?? 0) + 1;
    },
    stats: {
      get requests() {
        return requests;
      },
      get integrationInvocations() {
        return integrationInvocations;
      },
      get authorizerInvocations() {
        return authorizer?.stats.invocations ?? 0;
      },
      get authorizerCacheHits() {
        return authorizer?.stats.cacheHits ?? 0;
      },
      get authorizerCacheSize() {
        return authorizer?.stats.cacheSize ?? 0;
      },
      get gatewayResponses() {
        return { ...gatewayCounts };
      },
    },
  };
}

/** A plain copy of the stats, field by field (the admin endpoint answers it as JSON). */
export function snapshotStats(stats: GatewayStats): Record<string, unknown> {
  return {
    requests: stats.requests,
    integrationInvocations: stats.integrationInvocations,
    authorizerInvocations: stats.authorizerInvocations,
    authorizerCacheHits: stats.authorizerCacheHits,
    authorizerCacheSize: stats.authorizerCacheSize,
    gatewayResponses: stats.gatewayResponses,
  };
}
