// The bounded JWKS download: one GET over node:https (node:http only for the loopback URIs the key store
// allows), no redirects followed, a whole-request timeout and a byte cap enforced while the body streams.
// node:https rather than the global fetch: fetch loads undici on first use, measured in
// `npm run bench -- cold-start` as the larger part of a cold start's first JWKS request.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { JwksFetchError } from './errors.js';

export interface DownloadLimits {
  /** Whole request, connection and body included. */
  readonly timeoutMs: number;
  /** Response bytes beyond this abort the download (declared or counted). */
  readonly maxBytes: number;
}

/**
 * Fetches `url` and resolves its body, or rejects with a JwksFetchError naming the reason. Tests and
 * callers with their own HTTP stack inject one into the key store.
 */
export type JwksDownloader = (url: string, limits: DownloadLimits) => Promise<Uint8Array>;

/** The default downloader: node:https (or node:http to a loopback host, which the key store checks). */
export const downloadJwks: JwksDownloader = (url, { timeoutMs, maxBytes }) => {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const finish = (err: JwksFetchError | undefined, body?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(body!);
    };
    const req = request(
      target,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        // A fresh connection per download: refreshes are minutes apart, and a kept-alive socket would
        // sit in a frozen Lambda environment until the peer resets it.
        agent: false,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // RFC 9110 §15.4: a 3xx names another location; keys come only from the configured URI.
        if (status >= 300 && status < 400) {
          finish(new JwksFetchError('redirect', `JWKS endpoint redirected (HTTP ${status})`));
          return;
        }
        if (status !== 200) {
          finish(new JwksFetchError('http_status', `JWKS endpoint answered HTTP ${status}`));
          return;
        }
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > maxBytes) {
          finish(new JwksFetchError('too_large', `JWKS response declares ${declared} bytes`));
          return;
        }
        // content-length can lie or be absent (chunked): count the bytes as they arrive.
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total > maxBytes) {
            finish(new JwksFetchError('too_large', `JWKS response exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, Buffer.concat(chunks, total)));
        res.on('error', (err) => finish(networkError(err)));
      },
    );
    const timer = setTimeout(
      () => finish(new JwksFetchError('timeout', `JWKS fetch exceeded ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err) => finish(networkError(err)));
    req.end();
  });
};

function networkError(err: Error): JwksFetchError {
  const code = (err as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? `${code} ` : ''}${err.message}`.slice(0, 200);
  return new JwksFetchError('network', `JWKS fetch failed: ${text}`, { cause: err });
}
