// Token minting for load runs (hot, distinct and fresh tokens), paced inside the stack's KMS RSA quota: one
// KMS Sign per token, so requests start at most `quotaShare` x the quota per second, `concurrency` in flight,
// and a 429 or 503 answer's Retry-After (RFC 9110 §10.2.3) pauses every worker before the refused token is
// asked for again. The one way the load runner mints; a failure is a MintError with a one-line message.
import { retryAfterMs } from '../../client/retry-after.js';
import { MintError } from '../errors.js';
import { basicAuthorization, type ClientCredentials, TOKEN_REQUEST_BODY } from './tokens.js';

/** Share of the KMS RSA quota minting may use: the rest stays free for the measured run's own token requests. */
export const MINT_QUOTA_SHARE = 0.5;
/** Refusals (429 or 503) in a row for one token before minting gives up. */
export const MAX_REFUSALS = 10;
/** The wait when a refusal carries no usable Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

export interface PacedMinterOptions {
  /** The KMS RSA request quota (requests/s) behind the token endpoint. */
  readonly kmsRsaQuotaPerSecond: number;
  /** Default MINT_QUOTA_SHARE. */
  readonly quotaShare?: number;
  /** Requests in flight at once (mintMany); default 16. */
  readonly concurrency?: number;
  /** Stops minting: the pending mint rejects with MintError `aborted`. */
  readonly signal?: AbortSignal;
  /** Monotonic ms (tests pass a virtual clock with `sleep`). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PacedMinter {
  /** Requests started per second at most. */
  readonly ratePerSecond: number;
  mint(): Promise<string>;
  /** `count` distinct tokens; `onProgress` every 1000. */
  mintMany(count: number, onProgress?: (done: number) => void): Promise<string[]>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createPacedMinter(client: ClientCredentials, options: PacedMinterOptions): PacedMinter {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? realSleep;
  const ratePerSecond = Math.max(
    1,
    Math.floor(options.kmsRsaQuotaPerSecond * (options.quotaShare ?? MINT_QUOTA_SHARE)),
  );
  const interval = 1000 / ratePerSecond;
  const signal = options.signal;
  let nextSlot = Number.NEGATIVE_INFINITY;
  let pausedUntil = Number.NEGATIVE_INFINITY;

  const aborted = () => new MintError('aborted', 'minting stopped: the run was interrupted');

  /** Waits for this request's start slot; a pause declared meanwhile (a refusal) moves it on. */
  async function waitTurn(): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw aborted();
      const t = now();
      const at = Math.max(t, nextSlot, pausedUntil);
      nextSlot = at + interval;
      if (at > t) await sleep(at - t);
      if (pausedUntil <= at) return;
    }
  }

  async function mint(): Promise<string> {
    for (let refusals = 0; ; ) {
      await waitTurn();
      let res: Response;
      try {
        res = await fetch(client.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: basicAuthorization(client.clientId, client.clientSecret),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: TOKEN_REQUEST_BODY,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) throw aborted();
        const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        throw new MintError('unreachable', `cannot reach the token endpoint ${client.tokenUrl}: ${reason}`, {
          cause: error,
        });
      }
      const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
      if (res.status === 200 && typeof body.access_token === 'string') return body.access_token;
      const answer = `${res.status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`;
      if (res.status === 429 || res.status === 503) {
        refusals++;
        if (refusals >= MAX_REFUSALS) {
          throw new MintError(
            'refused',
            `the token endpoint ${client.tokenUrl} answered ${answer} ${refusals} times in a row for one token, Retry-After honoured each time`,
          );
        }
        const waitMs =
          retryAfterMs(res.headers.get('retry-after'), Date.now()) ?? DEFAULT_RETRY_AFTER_SECONDS * 1000;
        pausedUntil = Math.max(pausedUntil, now() + waitMs);
        continue;
      }
      throw new MintError('refused', `the token endpoint ${client.tokenUrl} answered ${answer}`);
    }
  }

  return {
    ratePerSecond,
    mint,
    async mintMany(count, onProgress) {
      const out: string[] = new Array(count);
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          out[i] = await mint();
          if (++done % 1000 === 0) onProgress?.(done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, count) }, worker));
      return out;
    },
  };
}
