// The local stack set up for fault tests: free ports, a throwaway state directory (so DynamoDB restarts on
// the same data), a fault proxy between the authorizer and the JWKS route, a virtual clock for the
// authorizer (and optionally the token endpoint), and the authorizer result cache off by default.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ISSUANCE_RATE_PER_SECOND } from '../../../core/issuer/index.js';
import { type FaultProxy, startFaultProxy } from '../../../local/fault-proxy.js';
import { type LocalStack, startLocalStack } from '../../support/products-stack.js';

/**
 * Real time plus an offset the test moves forward (cooldowns, max ages, token lifetimes). Frozen, it stands
 * still until advanced, so a count per interval is an exact outcome rather than a bound on elapsed time.
 */
export interface VirtualClock {
  now(): number;
  advance(ms: number): void;
  /** Stops the clock where it is: only advance() moves it until resume(). */
  freeze(): void;
  /** Lets it run with real time again, from where it stands (no jump). */
  resume(): void;
  readonly offsetMs: number;
}

export function virtualClock(): VirtualClock {
  let offset = 0;
  let frozenAt: number | undefined;
  return {
    now: () => (frozenAt ?? Date.now()) + offset,
    advance(ms) {
      offset += ms;
    },
    freeze() {
      frozenAt ??= Date.now();
    },
    resume() {
      if (frozenAt === undefined) return;
      offset -= Date.now() - frozenAt;
      frozenAt = undefined;
    },
    get offsetMs() {
      return offset;
    },
  };
}

export interface HarnessOptions {
  /** Authorizer result cache on the resource API; 0 (default) sends every request to the authorizer. */
  readonly resultsCacheTtlSeconds?: number;
  /** Extra env for every handler. */
  readonly env?: Readonly<Record<string, string>>;
  /** Token handler uses the virtual clock too (token lifetimes, client cache TTL). Default false. */
  readonly tokenUsesClock?: boolean;
}

export interface Harness {
  readonly stack: LocalStack;
  readonly clock: VirtualClock;
  /** Sits between the authorizer and the auth API's JWKS route. */
  readonly jwksProxy: FaultProxy;
  createClient(scopes?: string[], tokenLifetimeSeconds?: number): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = virtualClock();
  const stateDir = await mkdtemp(join(tmpdir(), 'keygate-rel-'));
  let jwksProxy: FaultProxy | undefined;
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      stateDir,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      resultsCacheTtlSeconds: options.resultsCacheTtlSeconds ?? 0,
      clocks: { authorizer: clock.now, ...(options.tokenUsesClock ? { token: clock.now } : {}) },
      jwksVia: async (authOrigin) => {
        jwksProxy = await startFaultProxy({ upstream: authOrigin });
        return jwksProxy;
      },
      ...(options.env ? { env: options.env } : {}),
      // The faults these suites inject are their own; the emulator's account-wide RSA quota (AWS's default)
      // would add throttling that depends on how fast this machine drives load.
      kmsRsaQuotaPerSecond: 1_000_000,
    });
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
  return {
    stack,
    clock,
    jwksProxy: jwksProxy!,
    async createClient(scopes = ['products/read', 'products/write'], tokenLifetimeSeconds?: number) {
      const { record, clientSecret } = await stack.registry.create({
        name: 'reliability',
        scopes,
        // These runs drive the token endpoint far past a normal client's issuance limit on purpose.
        issuanceRatePerSecond: MAX_ISSUANCE_RATE_PER_SECOND,
        ...(tokenLifetimeSeconds ? { tokenLifetimeSeconds } : {}),
      });
      return { id: record.clientId, secret: clientSecret };
    },
    async close() {
      await stack.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
