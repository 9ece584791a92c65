// The authorizer's first download of its two issuer documents as one GET: the JWKS request is answered from
// the keys the revocation document carries (keyed-document.ts) when the issuer publishes them there, so a
// cold start waits for one TCP connect, one TLS handshake and one GET (docs/performance.md). Every later
// download, and the JWKS whenever the list carries no keys, goes to its own URI as before.
import { JwksFetchError } from '../jwt/errors.js';
import type { DownloadLimits, JwksDownloader } from '../jwt/jwks-download.js';
import { signingKeysOf } from './keyed-document.js';

export interface FirstDownloadOptions {
  readonly jwksUri: string;
  readonly revocationsUri: string;
  /** The limits the revocation list downloads with (its byte cap is larger than the JWKS's). */
  readonly revocationsLimits: DownloadLimits;
  /** The transport both documents use. */
  readonly download: JwksDownloader;
}

/**
 * A downloader that serves the first JWKS download from the first revocation-list download, which it shares
 * with the revocation list. Keys are taken only from a list on the JWKS's own origin (scheme, host, port): a
 * list URI elsewhere never gains the power to supply signing keys. Any failure or absence of keys there falls
 * back to downloading the JWKS itself, with its own limits.
 */
export function firstDownloadShared(options: FirstDownloadOptions): JwksDownloader {
  const { revocationsLimits, download } = options;
  // The key store and the list ask for their URIs normalized (checkDocumentUri): compare like with like.
  const jwksUri = new URL(options.jwksUri);
  const revocationsUri = new URL(options.revocationsUri);
  if (jwksUri.origin !== revocationsUri.origin) return download;
  let list: Promise<Uint8Array> | undefined;
  let jwksServed = false;
  let listServed = false;
  const firstList = () => {
    list ??= download(revocationsUri.href, revocationsLimits);
    return list;
  };

  async function jwksFromList(limits: DownloadLimits): Promise<Uint8Array> {
    let keys: ReturnType<typeof signingKeysOf>;
    try {
      const body = await firstList();
      keys = signingKeysOf(JSON.parse(Buffer.from(body).toString('utf8')));
    } catch {
      keys = undefined;
    }
    if (!keys) return download(jwksUri.href, limits);
    const jwks = Buffer.from(JSON.stringify(keys));
    // The JWKS's own cap holds for keys that came another way too.
    if (jwks.byteLength > limits.maxBytes) {
      throw new JwksFetchError(
        'too_large',
        `JWKS in the revocation document exceeds ${limits.maxBytes} bytes`,
      );
    }
    return jwks;
  }

  return (url, limits) => {
    // Once both have had the first body, let it go (up to a revocation document's cap, kept for nothing).
    const release = <T>(served: T): T => {
      if (jwksServed && listServed) list = undefined;
      return served;
    };
    if (url === jwksUri.href && !jwksServed) {
      jwksServed = true;
      return release(jwksFromList(limits));
    }
    if (url === revocationsUri.href && !listServed) {
      listServed = true;
      return release(firstList());
    }
    return download(url, limits);
  };
}
