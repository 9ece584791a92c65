// A local AWS KMS that the real @aws-sdk/client-kms uses unchanged: the HTTP server, its fault injection
// (throttling, failures, delay) and call counts for tests and the local stack. The wire protocol is in
// protocol.ts, the operations in operations.ts, member checks in members.ts (docs/design.md#kms-protocol).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { urlHost } from '../../core/net.js';
import { BodyTooLargeError } from '../errors.js';
import { guardRequests } from '../host-safety.js';
import { closeNow, listen } from '../listen.js';
import { readBody } from '../read-body.js';
import { KmsError } from './errors.js';
import { createOperations } from './operations.js';
import { checkSignature, internalError, operationOf, parseBody, send } from './protocol.js';
import { createKmsQuota, DEFAULT_RSA_QUOTA_PER_SECOND, type KmsQuota } from './quota.js';
import { KeyStore, type RsaKeySpec } from './store.js';

export interface KmsEmulatorOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Persist keys and aliases here (created if missing); in memory when unset. */
  readonly stateDir?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Requests with larger bodies get 413 (the largest real request, Verify, is well under 16 KiB). */
  readonly maxBodyBytes?: number;
  /** RSA Sign requests admitted per second (local/kms/quota.ts). Default: AWS's (core/issuer/keys/kms-quotas.ts). */
  readonly rsaQuotaPerSecond?: number;
}

export interface KmsFaults {
  /** Every Nth Sign/GetPublicKey call (counted across both) is answered ThrottlingException; 0 = off. */
  throttleEveryN: number;
  /** Every request fails: KMSInternalException (500), or the connection is destroyed (`failMode: 'reset'`). */
  failAll: boolean;
  failMode: 'internal' | 'reset';
  /** Added latency before every answer, in ms. */
  delayMs: number;
}

export interface KmsEmulator {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly faults: KmsFaults;
  /** Requests received per operation (faulted ones included). */
  readonly calls: Record<string, number>;
  /** The RSA request quota: its limit, the busiest second and the requests it refused. */
  readonly quota: KmsQuota;
  resetCalls(): void;
  /** Creates an RSA SIGN_VERIFY key directly (no HTTP), optionally with an alias. */
  createKey(opts?: { keySpec?: RsaKeySpec; description?: string; alias?: string }): Promise<{
    keyId: string;
    arn: string;
  }>;
  createAlias(aliasName: string, keyId: string): void;
  close(): Promise<void>;
}

const CRYPTO_OPS = new Set(['Sign', 'GetPublicKey']);

export async function startKmsEmulator(options: KmsEmulatorOptions = {}): Promise<KmsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const store = new KeyStore(region, accountId, options.stateDir);
  const faults: KmsFaults = { throttleEveryN: 0, failAll: false, failMode: 'internal', delayMs: 0 };
  const calls: Record<string, number> = {};
  let cryptoCalls = 0;
  const quota = createKmsQuota(options.rsaQuotaPerSecond ?? DEFAULT_RSA_QUOTA_PER_SECOND);

  const operations = createOperations(store, accountId);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const operation = operationOf(req);
    calls[operation || '(none)'] = (calls[operation || '(none)'] ?? 0) + 1;

    const raw = await readBody(req, maxBodyBytes).catch((err: unknown) => {
      if (!(err instanceof BodyTooLargeError)) throw err;
      throw new KmsError('RequestEntityTooLargeException', `Request body exceeds ${err.limit} bytes.`);
    });
    if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.failAll) {
      if (faults.failMode === 'reset') {
        req.socket.destroy();
        return;
      }
      throw internalError();
    }

    checkSignature(req.headers.authorization);
    if (req.method !== 'POST' || !Object.hasOwn(operations, operation)) {
      throw new KmsError(
        'UnknownOperationException',
        operation ? `Unknown operation ${operation}` : 'Unknown operation',
      );
    }
    const body = parseBody(raw);
    if (CRYPTO_OPS.has(operation)) {
      cryptoCalls++;
      if (faults.throttleEveryN > 0 && cryptoCalls % faults.throttleEveryN === 0) {
        throw new KmsError('ThrottlingException', 'Rate exceeded');
      }
      // GetPublicKey is not an RSA cryptographic operation for the quota: it has its own (2,000/s).
      if (operation === 'Sign' && !quota.admit()) throw new KmsError('ThrottlingException', 'Rate exceeded');
    }
    const result = await operations[operation]!(body);
    send(res, 200, result === undefined ? '' : JSON.stringify(result));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      const error = err instanceof KmsError ? err : internalError();
      send(res, error.status, error.toBody());
      // An oversized body was not read to the end: do not reuse the connection.
      if (error.code === 'RequestEntityTooLargeException') res.once('finish', () => req.socket.destroy());
    });
  });
  server.keepAliveTimeout = 5000;
  // Anyone who reaches the emulator can sign: no rebinding page or foreign origin may (local/host-safety.ts).
  guardRequests(server, host);
  const port = await listen(server, options.port ?? 0, host);

  return {
    url: `http://${urlHost(host)}:${port}`,
    region,
    accountId,
    faults,
    calls,
    quota,
    resetCalls() {
      for (const name of Object.keys(calls)) delete calls[name];
      cryptoCalls = 0;
    },
    async createKey(opts = {}) {
      const key = await store.createKey(opts.keySpec ?? 'RSA_2048', opts.description ?? '');
      if (opts.alias !== undefined) store.createAlias(opts.alias, key.keyId);
      return { keyId: key.keyId, arn: store.keyArn(key.keyId) };
    },
    createAlias(aliasName, keyId) {
      store.createAlias(aliasName, keyId);
    },
    close: closeNow(server),
  };
}
