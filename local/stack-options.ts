// The local stack's options: documented defaults (ports, state directory, table, stage, fake account) and the
// checks made before anything starts, so a bad flag costs no start and teardown.

import { resolve } from 'node:path';
import { resultsCacheTtlProblem } from '../core/authz/results-cache-ttl.js';
import { DEFAULT_CLIENTS_TABLE, DEFAULT_RESULTS_CACHE_TTL_SECONDS } from '../core/contract.js';
import { resourceProblem } from '../core/issuer/clients/resource-indicator.js';
import { checkTiers, type UsageTiers } from '../core/usage-tiers.js';
import type { LocalDemo } from './demo.js';
import { StackStartError } from './errors.js';
import type { AccessLogEntry } from './gateway/index.js';
import { LAMBDA_NAMES, type LocalLambdasOptions } from './lambdas.js';
import { DEFAULT_PORTS, type StackPortName } from './ports.js';
import type { UpstreamOptions } from './upstream.js';

export { DEFAULT_PORTS, type StackPortName };
export const DEFAULT_STATE_DIR = '.keygate';
export const DEFAULT_TABLE = DEFAULT_CLIENTS_TABLE;
export const DEFAULT_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '123456789012';
/** Dummy SigV4 credentials: dynalite and the KMS emulator check the signature's shape, not the key. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Who guards the resource API: keygate's Lambda TOKEN authorizer, or API Gateway's native JWT authorizer. */
export const AUTHORIZER_MODES = ['lambda', 'native'] as const;
export type AuthorizerMode = (typeof AUTHORIZER_MODES)[number];

export interface LocalStackOptions {
  /** Keep nothing on disk (a new key and demo client each start). Default false. */
  readonly inMemory?: boolean;
  /** Where table data, KMS keys and the demo credentials persist. Default `.keygate` (cwd). */
  readonly stateDir?: string;
  /** The auth and resource APIs listen here. Default 127.0.0.1 (local/host-safety.ts). */
  readonly host?: string;
  /**
   * Also put the KMS emulator, dynalite and the gateways' admin endpoints on `host`. Default false: they
   * stay on 127.0.0.1 (admin endpoints answer loopback peers only) whatever `host` is.
   */
  readonly exposeInternals?: boolean;
  /** Per-server ports; 0 picks a free one (tests). Unset ones take DEFAULT_PORTS. */
  readonly ports?: Partial<Record<StackPortName, number>>;
  /** Default 'lambda'. 'native' reads the issuer's discovery at start-up (docs/authorizers.md). */
  readonly authorizer?: AuthorizerMode;
  /** The resource API's authorizer result cache TTL (0-3600). Default 300, as in AWS. */
  readonly resultsCacheTtlSeconds?: number;
  readonly stage?: string;
  /** Tokens' `aud`. Default: the resource API URL (as the CDK stack does). */
  readonly audience?: string;
  /**
   * Further audiences the issuer serves (RFC 8707 resources a client registered with `--resources` may ask
   * for); the resource API's authorizer still accepts only `audience`. Absolute URIs without a fragment.
   */
  readonly audiences?: readonly string[];
  /**
   * Usage tiers (core/usage-tiers.ts): the resource API gets one usage plan and key per tier (and the default
   * tier's) and throttles each client by its `tier` claim, as KeygateAuthorizer's usageTiers do on AWS.
   * Lambda authorizer mode only.
   */
  readonly usageTiers?: UsageTiers;
  readonly tableName?: string;
  /** Extra handler environment (e.g. TOKEN_MAX_LIFETIME_SECONDS, TOKEN_CACHE_SIZE, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Print the handlers' Powertools JSON logs. Default false (quiet). */
  readonly handlerLogs?: boolean;
  /** Clocks for the time checks of the authorizer (either mode's) and the token handler (tests); default Date.now. */
  readonly clocks?: LocalLambdasOptions['clocks'] & {
    /** dynalite's clock: its answers' Date header, which revocation cutoffs are stamped with. */
    readonly dynamodb?: () => number;
    /** The resource API gateway's clock: its result cache and usage plans (token buckets, quota periods). */
    readonly api?: () => number;
  };
  /**
   * Puts something between the authorizer and the JWKS route (e.g. a fault proxy): called with the auth
   * API's origin once it listens; the authorizer fetches the JWKS through the returned `url` (an origin),
   * which the stack closes with the rest. `jwksUrl` stays the auth API's own.
   */
  readonly jwksVia?: (authOrigin: string) => Promise<{ readonly url: string; close(): Promise<void> }>;
  /**
   * SDK attempts per DynamoDB call, on top of the client registry's own bounded retries. Default 1, as the
   * token Lambda's client on AWS: one retry policy, so an outage costs 3 attempts, not 9.
   */
  readonly dynamodbMaxAttempts?: number;
  /** The KMS emulator's RSA request quota per second. Default: AWS's (core/issuer/keys/kms-quotas.ts). */
  readonly kmsRsaQuotaPerSecond?: number;
  /**
   * Put the resource API in front of the team's own dev server: `routes` (the authorizer's route table) are
   * served through an HTTP proxy integration to `url`.
   */
  readonly upstream?: UpstreamOptions;
  /**
   * Without an upstream: the resource API's routes and the in-process Lambdas behind them (local/demo.ts;
   * `npm start` in a clone passes the products sample's, from examples/). One of the two is required.
   */
  readonly demo?: LocalDemo;
  /** One call per request on either API (access log). */
  readonly onRequest?: (api: 'auth' | 'api', entry: AccessLogEntry) => void;
}

/** A demo's handlers must not shadow keygate's Lambdas, and each of its routes needs its handler. */
function checkDemo(demo: LocalDemo): void {
  const names = Object.keys(demo.handlers);
  const taken = names.find((n) => (LAMBDA_NAMES as readonly string[]).includes(n));
  if (taken) throw new StackStartError('config', `demo handler ${taken} is a keygate Lambda`, 'api');
  const missing = demo.routes.find((r) => !names.includes(r.handler));
  if (missing) {
    throw new StackStartError(
      'config',
      `demo route ${missing.method} ${missing.path} names no demo handler (${missing.handler})`,
      'api',
    );
  }
}

/** LocalStackOptions with the defaults applied and the values checked. */
export interface StackSettings {
  readonly host: string;
  /** Where the KMS emulator, dynalite and admin endpoints listen. */
  readonly internalHost: string;
  readonly exposeInternals: boolean;
  readonly ports: Readonly<Record<StackPortName, number>>;
  readonly stage: string;
  readonly tableName: string;
  /** Absolute state directory, or undefined in memory. */
  readonly stateDir: string | undefined;
  readonly resultsCacheTtlSeconds: number;
  readonly mode: AuthorizerMode;
}

/** Applies the defaults; throws StackStartError('config') on a value the stack cannot start with. */
export function resolveStackOptions(options: LocalStackOptions): StackSettings {
  if (!options.upstream && !options.demo) {
    // Clients get the served routes' scopes: with no routes there is nothing to issue tokens for.
    throw new StackStartError(
      'config',
      'the resource API needs an upstream or a demo (local/demo.ts)',
      'api',
    );
  }
  if (!options.upstream && options.demo) checkDemo(options.demo);
  const host = options.host ?? '127.0.0.1';
  const exposeInternals = options.exposeInternals ?? false;
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const ttl = options.resultsCacheTtlSeconds ?? DEFAULT_RESULTS_CACHE_TTL_SECONDS;
  const ttlProblem = resultsCacheTtlProblem(ttl, 'resultsCacheTtlSeconds');
  if (ttlProblem !== undefined) throw new StackStartError('config', ttlProblem, 'api');
  for (const [name, p] of Object.entries(ports)) {
    if (!Number.isInteger(p) || p < 0 || p > 65_535) {
      throw new StackStartError(
        'config',
        `${name} port must be an integer from 0 to 65535`,
        name as StackPortName,
      );
    }
  }
  if (options.usageTiers !== undefined) {
    if (options.authorizer === 'native')
      throw new StackStartError(
        'config',
        'usage tiers need the Lambda authorizer: the native JWT authorizer returns no usageIdentifierKey',
        'api',
      );
    try {
      checkTiers(options.usageTiers);
    } catch (err) {
      throw new StackStartError('config', (err as Error).message, 'api');
    }
  }
  for (const audience of options.audiences ?? []) {
    const problem = resourceProblem(audience);
    if (problem !== undefined)
      throw new StackStartError('config', `audience ${JSON.stringify(audience)} is ${problem}`, 'auth');
  }
  return {
    host,
    internalHost: exposeInternals ? host : '127.0.0.1',
    exposeInternals,
    ports,
    stage: options.stage ?? DEFAULT_STAGE,
    tableName: options.tableName ?? DEFAULT_TABLE,
    stateDir: options.inMemory ? undefined : resolve(options.stateDir ?? DEFAULT_STATE_DIR),
    resultsCacheTtlSeconds: ttl,
    mode: options.authorizer ?? 'lambda',
  };
}
