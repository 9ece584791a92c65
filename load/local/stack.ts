// The local stack the load runner drives: started in a child process (default: client and server do not
// share one event loop on a 2-core machine), or an already running one named by URLs.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KMS_RSA_REQUEST_QUOTA_PER_SECOND } from '../../core/issuer/keys/kms-quotas.js';
import type { AuthorizerMode } from '../../local/stack.js';

export const STACK_MARK = '__KEYGATE_STACK__';

export interface StackProcessOptions {
  readonly resultsCacheTtlSeconds?: number;
  /** Default 'lambda'. */
  readonly authorizer?: AuthorizerMode;
  /** The KMS emulator's RSA quota per second (default: AWS's, core/issuer/keys/kms-quotas.ts). */
  readonly kmsRsaQuotaPerSecond?: number;
  /** Extra handler environment (e.g. TOKEN_CACHE_SIZE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Usage tiers on the resource API (noisy-tenant). */
  readonly usageTiers?: Readonly<Record<string, { readonly rate: number; readonly burst: number }>>;
}

export interface StackInfo {
  readonly apiUrl: string;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Whether `rotate` can publish a new signing key mid-run. */
  readonly canRotate: boolean;
  /** The KMS RSA request quota behind the token endpoint: minting and token load stay inside it. */
  readonly kmsRsaQuotaPerSecond: number;
}

/** The KMS emulator's quota counters (local/kms/quota.ts). */
export interface KmsQuotaReport {
  readonly perSecond: number;
  readonly peakPerSecond: number;
  readonly throttled: number;
}

export interface LoadStack extends StackInfo {
  /** A new client (products/read) with this issuance rate (and usage tier); only on a stack this runner started. */
  createClient(
    issuanceRatePerSecond: number,
    tier?: string,
  ): Promise<{ clientId: string; clientSecret: string }>;
  /** The KMS emulator's quota counters; `reset` starts them over. Only on a stack this runner started. */
  kmsQuota(reset?: boolean): Promise<KmsQuotaReport>;
  /** Drops the gateway's authorizer result cache (no-op for an external stack). */
  flush(): Promise<void>;
  /** Creates a new KMS key, publishes it and switches signing to it. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

const childEntry = join(dirname(fileURLToPath(import.meta.url)), 'stack-process.ts');

export async function startStackProcess(
  options: StackProcessOptions,
  timeoutMs = 60_000,
): Promise<LoadStack> {
  // Same loader flags (tsx) as this process, so the child runs the TypeScript sources directly.
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, childEntry, JSON.stringify(options)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR' },
    },
  );
  const waiting = new Map<string, (r: { ok: boolean; message: string }) => void>();
  let nextId = 0;
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local stack did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local stack process exited (${code}) before it was ready`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(STACK_MARK)) return; // the stack's own log lines
      const msg = JSON.parse(line.slice(STACK_MARK.length)) as
        | StackInfo
        | { reply: string; ok: boolean; message: string };
      if ('reply' in msg) {
        waiting.get(msg.reply)?.(msg);
        waiting.delete(msg.reply);
      } else {
        clearTimeout(timer);
        resolve(msg);
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const command = (name: string) =>
    new Promise<string>((resolve, reject) => {
      const id = String(nextId++);
      waiting.set(id, (r) => (r.ok ? resolve(r.message) : reject(new Error(r.message))));
      child.stdin!.write(`${id} ${name}\n`);
    });
  return {
    ...info,
    flush: async () => void (await command('flush')),
    rotate: async () => void (await command('rotate')),
    createClient: async (rate, tier) => JSON.parse(await command(`client ${rate}${tier ? ` ${tier}` : ''}`)),
    kmsQuota: async (reset = false) => JSON.parse(await command(reset ? 'kms-reset' : 'kms')),
    close: async () => {
      if (child.exitCode !== null) return;
      // The child may be going already (a terminal's Ctrl-C reaches it too): then no reply comes.
      await Promise.race([command('close').catch(() => undefined), exited]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A stack someone else runs (`npm start`, whose KMS emulator has AWS's quota): URLs and client from flags/env. */
export function externalStack(info: Omit<StackInfo, 'canRotate' | 'kmsRsaQuotaPerSecond'>): LoadStack {
  return {
    ...info,
    canRotate: false,
    kmsRsaQuotaPerSecond: KMS_RSA_REQUEST_QUOTA_PER_SECOND,
    flush: async () => undefined,
    rotate: async () => {
      throw new Error('cannot rotate the signing key of a stack this runner did not start');
    },
    createClient: async () => {
      throw new Error('creating clients needs a stack this runner started (drop --no-start)');
    },
    kmsQuota: async () => {
      throw new Error('KMS counters need a stack this runner started (drop --no-start)');
    },
    close: async () => undefined,
  };
}
