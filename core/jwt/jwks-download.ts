// The bounded JWKS download: one HTTP/1.1 GET over node:tls (node:net only for the loopback http URIs the
// key store allows), no redirects followed, a whole-request timeout, and a byte cap on headers and body
// enforced while they stream. Not the global fetch (it loads undici on first use) and not node:https
// (it loads and sets up Node's HTTP client stack): both add to a cold start what `npm run bench -- cold-start`
// prints. The request is the smallest HTTP/1.1 exchange: one GET, identity encoding; the answer is read as
// RFC 9112 frames it (Content-Length, chunked, or until close); a self-delimited answer leaves the connection
// for the next document from the same issuer (origin-connections.ts).
import { JwksFetchError, type JwksFetchFailureReason } from './errors.js';
import { acquire, type Origin, release } from './origin-connections.js';

/** The bounds a `JwksDownloader` must enforce on one download. */
export interface DownloadLimits {
  /**
   * The whole request, from the moment it has its connection: connecting and the body included. A second
   * document asked for while another from the same origin is on its way waits for that one first (its wait is
   * bounded by the first request's own limit), so each document gets its full time.
   */
  readonly timeoutMs: number;
  /** Body bytes beyond this abort the download (declared or counted). */
  readonly maxBytes: number;
}

/**
 * Fetches `url` and resolves its body, or rejects with a JwksFetchError naming the reason. Tests and
 * callers with their own HTTP stack inject one into the key store.
 */
export type JwksDownloader = (url: string, limits: DownloadLimits) => Promise<Uint8Array>;

/** Status line and header fields together; real JWKS endpoints send well under 2 KB. */
const MAX_HEADER_BYTES = 16 * 1024;
/** A chunk-size line (RFC 9112 §7.1): hex digits and optional extensions. */
const MAX_CHUNK_LINE_BYTES = 256;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const fail = (reason: JwksFetchFailureReason, message: string) => new JwksFetchError(reason, message);

/** The default downloader: HTTPS (or HTTP to a loopback host, which the key store checks). */
export const downloadJwks: JwksDownloader = (url, { timeoutMs, maxBytes }) => {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const origin: Origin = {
    // URL keeps IPv6 literals bracketed ("[::1]"); sockets want them bare.
    host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(target.port) || (secure ? 443 : 80),
    secure,
  };
  const request =
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    'Accept: application/json\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n' +
    'User-Agent: keygate-authorizer\r\n\r\n';

  return new Promise<Uint8Array>((resolve, reject) => {
    acquire(origin, (socket, reused) => {
      let settled = false;
      const reader = new ResponseReader(maxBytes);
      const timer = setTimeout(
        () => finish(fail('timeout', `JWKS fetch exceeded ${timeoutMs} ms`)),
        timeoutMs,
      );
      function finish(err: JwksFetchError | undefined, body?: Uint8Array): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        release(origin, socket, !err && reader.reusable);
        if (err) reject(err);
        else resolve(body!);
      }
      socket.on('data', (chunk: Buffer) => {
        try {
          const body = reader.push(chunk);
          if (body) finish(undefined, body);
        } catch (err) {
          finish(err as JwksFetchError);
        }
      });
      socket.on('end', () => {
        try {
          finish(undefined, reader.end());
        } catch (err) {
          finish(err as JwksFetchError);
        }
      });
      socket.on('error', (err) => finish(networkError(err)));
      socket.on('close', () => finish(fail('network', 'JWKS connection closed before a complete answer')));
      if (reused) socket.write(request);
      else socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(request));
    });
  });
};

function networkError(err: Error): JwksFetchError {
  const code = (err as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? `${code} ` : ''}${err.message}`.slice(0, 200);
  return new JwksFetchError('network', `JWKS fetch failed: ${text}`, { cause: err });
}

/**
 * Reads one HTTP/1.1 response incrementally (RFC 9112 §2, §6, §7.1): push() returns the body once it is
 * complete, end() when the peer closes; both throw a JwksFetchError for anything but a bounded 200.
 */
class ResponseReader {
  #head: Buffer | undefined = Buffer.alloc(0);
  /** Body framing once the head is read: a declared length, chunked, or until the connection closes. */
  #length: number | 'chunked' | 'close' = 'close';
  /** Chunked framing not consumed yet. */
  #raw: Buffer = Buffer.alloc(0);
  #chunkLeft = -1;
  readonly #body: Buffer[] = [];
  #bodyBytes = 0;
  /** The server asked to close (or spoke HTTP/1.0), or sent more than the framed body. */
  #noReuse = false;
  #complete = false;

  /**
   * Whether the connection can carry the next request: a complete self-delimited answer (Content-Length, or
   * chunked up to the empty trailer section), nothing after it, no `Connection: close`.
   */
  get reusable(): boolean {
    return this.#complete && this.#length !== 'close' && !this.#noReuse;
  }

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Uint8Array | undefined {
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        if (head.length > MAX_HEADER_BYTES) throw fail('network', 'JWKS response headers too large');
        this.#head = head;
        return undefined;
      }
      if (end > MAX_HEADER_BYTES) throw fail('network', 'JWKS response headers too large');
      this.#readHead(head.toString('latin1', 0, end));
      this.#head = undefined;
      chunk = head.subarray(end + HEADER_END.length);
    }
    return this.#length === 'chunked' ? this.#chunked(chunk) : this.#plain(chunk);
  }

  end(): Uint8Array {
    if (this.#head !== undefined) throw fail('network', 'JWKS connection closed before the response headers');
    if (this.#length !== 'close') throw fail('network', 'JWKS connection closed before the body ended');
    return Buffer.concat(this.#body, this.#bodyBytes);
  }

  #readHead(head: string): void {
    const lines = head.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!status) throw fail('network', 'JWKS endpoint did not answer HTTP/1.1');
    const code = Number(status[1]);
    if (lines[0]!.startsWith('HTTP/1.0')) this.#noReuse = true;
    // RFC 9110 §15.4: a 3xx names another location; keys come only from the configured URI.
    if (code >= 300 && code < 400) throw fail('redirect', `JWKS endpoint redirected (HTTP ${code})`);
    if (code !== 200) throw fail('http_status', `JWKS endpoint answered HTTP ${code}`);
    let length: number | undefined;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw fail('network', 'JWKS response has a malformed header line');
      const name = line.slice(0, colon).toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') {
        // RFC 9112 §6.3: a malformed or conflicting length is an unrecoverable framing error.
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && Number(value) !== length)) {
          throw fail('network', 'JWKS response has an invalid Content-Length');
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        if (value !== 'chunked') throw fail('network', `JWKS response uses transfer-encoding ${value}`);
        chunked = true;
      } else if (name === 'connection' && value.split(',').some((t) => t.trim() === 'close')) {
        this.#noReuse = true;
      } else if (name === 'content-encoding' && value !== 'identity') {
        throw fail('network', `JWKS response uses content-encoding ${value}`);
      }
    }
    // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length.
    if (chunked) this.#length = 'chunked';
    else if (length !== undefined) {
      if (length > this.maxBytes) throw fail('too_large', `JWKS response declares ${length} bytes`);
      this.#length = length;
    }
  }

  #append(data: Buffer): void {
    if (data.length === 0) return;
    this.#bodyBytes += data.length;
    if (this.#bodyBytes > this.maxBytes) {
      throw fail('too_large', `JWKS response exceeds ${this.maxBytes} bytes`);
    }
    this.#body.push(data);
  }

  #plain(data: Buffer): Uint8Array | undefined {
    if (typeof this.#length === 'number') {
      const wanted = this.#length - this.#bodyBytes;
      if (data.length > wanted) this.#noReuse = true;
      this.#append(data.subarray(0, wanted));
      if (this.#bodyBytes !== this.#length) return undefined;
      this.#complete = true;
      return Buffer.concat(this.#body, this.#bodyBytes);
    }
    this.#append(data);
    return undefined;
  }

  #chunked(data: Buffer): Uint8Array | undefined {
    let raw = this.#raw.length > 0 ? Buffer.concat([this.#raw, data]) : data;
    for (;;) {
      if (this.#chunkLeft < 0) {
        const eol = raw.indexOf(CRLF);
        if (eol < 0) {
          if (raw.length > MAX_CHUNK_LINE_BYTES) throw fail('network', 'JWKS response has a malformed chunk');
          break;
        }
        const size = /^([0-9a-fA-F]{1,8})(?:;.*)?$/.exec(raw.toString('latin1', 0, eol));
        if (!size) throw fail('network', 'JWKS response has a malformed chunk');
        const bytes = Number.parseInt(size[1]!, 16);
        if (bytes === 0) {
          // The last chunk, then the trailer section and its CRLF (RFC 9112 §7.1). Trailers carry nothing we
          // need; the connection is kept only when the answer ends exactly here (no trailers, no extra bytes).
          this.#complete = true;
          if (!raw.subarray(eol + CRLF.length).equals(CRLF)) this.#noReuse = true;
          return Buffer.concat(this.#body, this.#bodyBytes);
        }
        if (this.#bodyBytes + bytes > this.maxBytes) {
          throw fail('too_large', `JWKS response exceeds ${this.maxBytes} bytes`);
        }
        this.#chunkLeft = bytes;
        raw = raw.subarray(eol + CRLF.length);
      }
      // Chunk data, then its CRLF.
      if (raw.length < this.#chunkLeft + CRLF.length) break;
      if (!raw.subarray(this.#chunkLeft, this.#chunkLeft + CRLF.length).equals(CRLF)) {
        throw fail('network', 'JWKS response has a malformed chunk');
      }
      this.#append(raw.subarray(0, this.#chunkLeft));
      raw = raw.subarray(this.#chunkLeft + CRLF.length);
      this.#chunkLeft = -1;
    }
    this.#raw = raw;
    return undefined;
  }
}
