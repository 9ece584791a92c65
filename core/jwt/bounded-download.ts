// The bounded download of the authorizer's small JSON documents (the issuer's JWKS, the revocation list).
// The transport is jwks-download.ts (one GET over node:tls, no redirects, a deadline, a byte cap enforced
// while the body streams); this adds the URL rule and the size, UTF-8 and JSON checks. Every failure is a
// JwksFetchError with a stable code.
import { isUtf8 } from 'node:buffer';
import { isHttpsOrLoopback } from '../net.js';
import { JwksFetchError } from './errors.js';
import { downloadJwks, type JwksDownloader } from './jwks-download.js';

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

export interface DownloadOptions {
  /** Names the document in error messages ("revocations endpoint answered HTTP 500"). */
  readonly label: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** The transport; default the bounded node:tls GET. Tests inject their own. */
  readonly download?: JwksDownloader;
}

/** GETs `url` and parses it as JSON, or throws JwksFetchError. */
export async function downloadJson(url: string, options: DownloadOptions): Promise<unknown> {
  const { label, timeoutMs, maxBytes } = options;
  let body: Uint8Array;
  try {
    body = await (options.download ?? downloadJwks)(url, { timeoutMs, maxBytes });
  } catch (err) {
    // The transport names the JWKS; the same failure of another document names that document.
    if (err instanceof JwksFetchError) {
      throw new JwksFetchError(err.code, err.message.replace(/^JWKS\b/, label), { cause: err });
    }
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'non-error thrown';
    throw new JwksFetchError('network', `${label} download failed: ${detail}`, { cause: err });
  }
  // The default transport stops at the cap while streaming; this also bounds an injected one.
  if (body.byteLength > maxBytes) {
    throw new JwksFetchError('too_large', `${label} response exceeds ${maxBytes} bytes`);
  }
  if (!isUtf8(body)) throw new JwksFetchError('invalid_json', `${label} response is not UTF-8`);
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new JwksFetchError('invalid_json', `${label} response is not JSON`);
  }
}
