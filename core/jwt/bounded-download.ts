// The hardened downloader for the authorizer's small JSON documents (the issuer's JWKS, the revocation
// list): one GET with a deadline, no redirects, a byte cap enforced while the body streams (content-length
// can lie or be absent), UTF-8 and JSON checked. Failures carry a stable reason.
import { isUtf8 } from 'node:buffer';
import { isHttpsOrLoopback } from '../net.js';

export type DownloadFailureReason =
  | 'timeout'
  | 'network'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'invalid_json';

export class DownloadError extends Error {
  constructor(
    readonly reason: DownloadFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** Names the document in error messages ("JWKS endpoint answered HTTP 500"). */
  readonly label: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly fetch: typeof globalThis.fetch;
}

/** https always; http only to a loopback host (local stack, tests). Throws a TypeError naming `what`. */
export function checkDocumentUri(uri: string, what: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`${what} is not a valid URL`);
  }
  if (isHttpsOrLoopback(url)) return url.href;
  throw new TypeError(`${what} must use https (http is allowed only for loopback hosts)`);
}

/** GETs `url` and parses it as JSON, or throws DownloadError. */
export async function downloadJson(url: string, options: DownloadOptions): Promise<unknown> {
  const { label, timeoutMs, maxBytes } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  let body: Buffer;
  try {
    const res = await options.fetch(url, {
      signal,
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError('http_status', `${label} endpoint answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError('too_large', `${label} response declares ${declared} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new DownloadError('too_large', `${label} response exceeds ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    }
    body = Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    if (signal.aborted) throw new DownloadError('timeout', `${label} fetch exceeded ${timeoutMs} ms`);
    const cause = (err as { cause?: { message?: unknown } }).cause;
    const text = `${(err as Error).message ?? ''} ${typeof cause?.message === 'string' ? cause.message : ''}`;
    if (/redirect/i.test(text)) throw new DownloadError('redirect', `${label} endpoint redirected`);
    throw new DownloadError('network', `${label} fetch failed: ${text.trim().slice(0, 200)}`);
  }
  if (!isUtf8(body)) throw new DownloadError('invalid_json', `${label} response is not UTF-8`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new DownloadError('invalid_json', `${label} response is not JSON`);
  }
}
