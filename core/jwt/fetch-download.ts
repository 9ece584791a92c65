// The bounded document download over a caller's fetch (a proxy agent, a custom CA store, a test double), for
// teams that cannot use the built-in node:tls GET (jwks-download.ts). Same rules: one GET, no redirect
// followed, one deadline for the whole exchange, the byte cap enforced while the body streams.
import { JwksFetchError } from './errors.js';
import type { JwksDownloader } from './jwks-download.js';

/** A JwksDownloader over `fetchImpl` (the WHATWG fetch signature, e.g. globalThis.fetch or undici's). */
export function fetchDownloader(fetchImpl: typeof globalThis.fetch): JwksDownloader {
  return async (url, { timeoutMs, maxBytes }) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const timedOut = () => new JwksFetchError('timeout', `JWKS fetch exceeded ${timeoutMs} ms`);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { accept: 'application/json', 'accept-encoding': 'identity' },
        // RFC 9110 §15.4: a 3xx names another location; keys come only from the configured URI.
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw timedOut();
      const detail = err instanceof Error ? err.message.slice(0, 200) : 'non-error thrown';
      throw new JwksFetchError('network', `JWKS fetch failed: ${detail}`, { cause: err });
    }
    const status = response.status;
    const refuse = (code: 'redirect' | 'http_status' | 'too_large', message: string): never => {
      void response.body?.cancel().catch(() => undefined);
      throw new JwksFetchError(code, message);
    };
    // Browsers report a manual redirect as an opaque response with status 0.
    if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
      refuse('redirect', `JWKS endpoint redirected (HTTP ${status})`);
    }
    if (status !== 200) refuse('http_status', `JWKS endpoint answered HTTP ${status}`);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) refuse('too_large', `JWKS response declares ${declared} bytes`);
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    try {
      for await (const chunk of response.body ?? []) {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) refuse('too_large', `JWKS response exceeds ${maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof JwksFetchError) throw err;
      if (signal.aborted) throw timedOut();
      throw new JwksFetchError('network', 'JWKS connection failed while reading the body', { cause: err });
    }
    return Buffer.concat(chunks, bytes);
  };
}
