// The JWKS downloader against real servers on 127.0.0.1: the body however it is framed, the byte cap
// (declared and counted while a chunked body streams), refused redirects, HTTP errors, malformed answers,
// the timeout and connection resets.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createRawServer, type Server as RawServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadJwks } from '../../../core/jwt/jwks-download.js';
import { closeNow, listen } from '../../../local/listen.js';
import { selfSignedCert } from '../../support/self-signed-cert.js';
import { testServers } from '../../support/test-servers.js';

const servers = testServers();
afterEach(() => servers.closeAll());
const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) => servers.http(handler);

const listenRaw = (server: RawServer, sockets: Set<Socket>) => servers.listen(server, sockets);

/** A TCP server that answers every connection with `answer` as is, then closes. */
async function serveRaw(answer: string): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createRawServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => socket.end(answer));
  });
  const port = await listenRaw(server, sockets);
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

/**
 * What serveKeepAlive writes for one request: the answer, or its first part after `delayMs` and the others
 * once `release` resolves (an event the test controls, so a later segment is later whatever the load).
 */
type Reply =
  | string
  | { readonly parts: readonly string[]; readonly delayMs?: number; readonly release?: Promise<void> };

/**
 * A TCP server speaking just enough HTTP/1.1 to show connection reuse: each request gets `answer(connection,
 * request)` (both numbered from 1), or the connection is dropped when that is undefined.
 */
async function serveKeepAlive(
  answer: (connection: number, request: number) => Reply | undefined,
): Promise<{ readonly origin: string; readonly connections: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createRawServer((socket) => {
    sockets.add(socket);
    const connection = ++count;
    let request = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        const reply = answer(connection, ++request);
        if (reply === undefined) {
          socket.destroy();
          return;
        }
        if (typeof reply === 'string') socket.write(reply);
        else {
          const [first, ...rest] = reply.parts;
          setTimeout(async () => {
            if (socket.writable) socket.write(first!);
            await reply.release;
            for (const part of rest) if (socket.writable) socket.write(part);
          }, reply.delayMs ?? 0);
        }
      }
    });
  });
  const port = await listenRaw(server, sockets);
  return { origin: `http://127.0.0.1:${port}`, connections: () => count };
}

const ok = (body: string, headers = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

const limits = { timeoutMs: 1000, maxBytes: 10_000 };
const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');

describe('downloadJwks', () => {
  it('resolves the body of a 200 answer and asks for JSON', async () => {
    let accept: string | undefined;
    const url = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    const body = await downloadJwks(url, limits);
    expect(Buffer.from(body).toString('utf8')).toBe('{"keys":[]}');
    expect(accept).toBe('application/json');
  });

  it('sends one GET for the path and query with Host, and reassembles a chunked body', async () => {
    let seen: { method?: string; url?: string; host?: string } = {};
    const url = await serve((req, res) => {
      seen = { method: req.method, url: req.url, host: req.headers.host };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":');
      res.write('[1,2,');
      res.end('3]}');
    });
    const body = await downloadJwks(`${url}?v=2`, limits);
    expect(text(body)).toBe('{"keys":[1,2,3]}');
    expect(seen).toEqual({ method: 'GET', url: '/.well-known/jwks.json?v=2', host: new URL(url).host });
  });

  it.each([
    ['a Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"keys":[]}', '{"keys":[]}'],
    ['a body ended by the close', 'HTTP/1.1 200 OK\r\n\r\n{"keys":[]}', '{"keys":[]}'],
    [
      'chunks with extensions and trailers',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\n{"key\r\n6\r\ns":[]}\r\n0\r\nX-T: 1\r\n\r\n',
      '{"keys":[]}',
    ],
  ])('reads %s', async (_name, answer, body) => {
    expect(text(await downloadJwks(await serveRaw(answer), limits))).toBe(body);
  });

  it.each([
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['a body shorter than its Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"keys":[]}'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a compressed body', 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}'],
    ['a malformed chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n',
    ],
    ['headers that never end', `HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(20_000)}`],
    ['a close before the last chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n'],
  ])('refuses %s as a network failure', async (_name, answer) => {
    await expect(downloadJwks(await serveRaw(answer), limits)).rejects.toMatchObject({
      name: 'JwksFetchError',
      code: 'network',
    });
  });

  it('refuses a chunked body whose chunk sizes add up past the cap', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2710\r\n'; // one 10,000-byte chunk
    const url = await serveRaw(`${answer}${'x'.repeat(10_000)}\r\n1\r\nx\r\n0\r\n\r\n`);
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ code: 'too_large' });
  });

  it('refuses a body whose content-length exceeds the cap before reading it', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '20000' }).end(' '.repeat(20_000));
    });
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ code: 'too_large' });
  });

  it('counts the bytes of a chunked body and stops reading past the cap', async () => {
    let written = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = `${' '.repeat(1023)}\n`;
      const timer = setInterval(() => {
        if (res.destroyed || written >= 1_000_000) {
          clearInterval(timer);
          res.end();
          return;
        }
        written += chunk.length;
        res.write(chunk);
      }, 1);
    });
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ code: 'too_large' });
    expect(written).toBeLessThan(1_000_000);
  });

  it.each([
    [301, 'redirect'],
    [302, 'redirect'],
    [307, 'redirect'],
    [404, 'http_status'],
    [500, 'http_status'],
  ])('answers HTTP %i with reason %s and follows nothing', async (status, reason) => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.writeHead(status, { location: '/elsewhere.json' }).end('{"keys":[]}');
    });
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ name: 'JwksFetchError', code: reason });
    expect(requests).toBe(1);
  });

  it('gives up after the timeout when the endpoint never answers', async () => {
    const url = await serve(() => undefined);
    await expect(downloadJwks(url, { ...limits, timeoutMs: 150 })).rejects.toMatchObject({
      code: 'timeout',
      message: 'JWKS fetch exceeded 150 ms',
    });
  });

  it('reports a reset connection as a network failure', async () => {
    const url = await serve((_req, res) => res.socket?.resetAndDestroy());
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ code: 'network' });
  });

  it('reports a refused connection as a network failure', async () => {
    const url = await serve(() => undefined);
    await servers.closeAll();
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('refuses an HTTPS endpoint whose certificate no trusted CA signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-tls-'));
    try {
      const { key, cert } = selfSignedCert(dir);
      let requests = 0;
      const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
        requests++;
        res.end('{"keys":[]}');
      });
      const port = await listen(server as unknown as Server, 0, '127.0.0.1');
      servers.track(closeNow(server as unknown as Server));
      await expect(downloadJwks(`https://127.0.0.1:${port}/jwks.json`, limits)).rejects.toMatchObject({
        code: 'network',
        message: expect.stringContaining('self-signed certificate'),
      });
      expect(requests).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resumes the TLS session of an earlier connection to the same host instead of a full handshake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-tls-'));
    try {
      const { key, cert } = selfSignedCert(dir);
      // `Connection: close`: no kept connection, so the second download opens a new one.
      const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
        res.writeHead(200, { connection: 'close' }).end('{"keys":[]}'),
      );
      const reused: boolean[] = [];
      server.on('secureConnection', (socket: TLSSocket) => reused.push(socket.isSessionReused()));
      const port = await listen(server as unknown as Server, 0, '127.0.0.1');
      servers.track(closeNow(server as unknown as Server));
      // NODE_EXTRA_CA_CERTS is read at process start: the two downloads run in a child that trusts the cert.
      const module = fileURLToPath(new URL('../../../core/jwt/jwks-download.ts', import.meta.url));
      const script =
        `const { downloadJwks } = await import(${JSON.stringify(module)});` +
        `for (const path of ['/jwks.json', '/revocations']) await downloadJwks('https://127.0.0.1:${port}' + path, ` +
        '{ timeoutMs: 5000, maxBytes: 1000 });';
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script],
          { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert } },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      expect(reused).toEqual([false, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a Content-Length answer leaves the connection open for the next document', ok('{"keys":[]}'), 1],
    ['an answer with Connection: close is not reused', ok('{"keys":[]}', 'connection: close\r\n'), 2],
    [
      'a chunked answer that ends at its last chunk leaves the connection open too',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nb\r\n{"keys":[]}\r\n0\r\n\r\n',
      1,
    ],
    [
      'a chunked answer with a trailer section is not reused',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nb\r\n{"keys":[]}\r\n0\r\nx-t: 1\r\n\r\n',
      2,
    ],
    ['an answer followed by extra bytes is not reused', `${ok('{"keys":[]}')}junk`, 2],
  ])('%s', async (_name, answer, connections) => {
    const server = await serveKeepAlive(() => answer);
    const first = await downloadJwks(`${server.origin}/.well-known/jwks.json`, limits);
    const second = await downloadJwks(`${server.origin}/revocations`, limits);
    expect([text(first), text(second), server.connections()]).toEqual([
      '{"keys":[]}',
      '{"keys":[]}',
      connections,
    ]);
  });

  it('fails the one download whose kept connection the server dropped, without a retry; the next connects anew', async () => {
    const server = await serveKeepAlive((connection, request) =>
      connection === 1 && request === 2 ? undefined : ok(`{"keys":[],"c":${connection}}`),
    );
    await downloadJwks(`${server.origin}/.well-known/jwks.json`, limits);
    await expect(downloadJwks(`${server.origin}/revocations`, limits)).rejects.toMatchObject({
      code: 'network',
    });
    const third = await downloadJwks(`${server.origin}/revocations`, limits);
    expect([text(third), server.connections()]).toEqual(['{"keys":[],"c":2}', 2]);
  });

  it("sends a second document asked for while the first is on its way over the first one's connection", async () => {
    const server = await serveKeepAlive((_connection, request) => ok(`{"keys":[],"r":${request}}`));
    const [first, second] = await Promise.all([
      downloadJwks(`${server.origin}/.well-known/jwks.json`, limits),
      downloadJwks(`${server.origin}/revocations`, limits),
    ]);
    expect([text(first), text(second), server.connections()]).toEqual([
      '{"keys":[],"r":1}',
      '{"keys":[],"r":2}',
      1,
    ]);
  });

  it('connects anew for a waiting document when the first answer closes its connection', async () => {
    const server = await serveKeepAlive((connection) =>
      ok(`{"keys":[],"c":${connection}}`, 'connection: close\r\n'),
    );
    const [first, second] = await Promise.all([
      downloadJwks(`${server.origin}/.well-known/jwks.json`, limits),
      downloadJwks(`${server.origin}/revocations`, limits),
    ]);
    expect([text(first), text(second), server.connections()]).toEqual([
      '{"keys":[],"c":1}',
      '{"keys":[],"c":2}',
      2,
    ]);
  });

  it("gives a document that waited for its origin's connection its whole deadline once it has it", async () => {
    const server = await serveKeepAlive((_connection, request) => {
      const reply = ok(`{"keys":[],"r":${request}}`);
      return request === 1 ? { parts: [reply], delayMs: 200 } : reply;
    });
    const [first, second] = await Promise.all([
      downloadJwks(`${server.origin}/.well-known/jwks.json`, limits),
      downloadJwks(`${server.origin}/revocations`, { ...limits, timeoutMs: 100 }),
    ]);
    expect([text(first), text(second), server.connections()]).toEqual([
      '{"keys":[],"r":1}',
      '{"keys":[],"r":2}',
      1,
    ]);
  });

  it('connects anew for a waiting document when the first request times out, and the origin stays usable', async () => {
    const server = await serveKeepAlive((connection, request) =>
      connection === 1 && request === 1 ? '' : ok(`{"keys":[],"c":${connection}}`),
    );
    const [first, second] = await Promise.allSettled([
      downloadJwks(`${server.origin}/.well-known/jwks.json`, { ...limits, timeoutMs: 100 }),
      downloadJwks(`${server.origin}/revocations`, limits),
    ]);
    const third = await downloadJwks(`${server.origin}/revocations`, limits);
    expect([first, second, text(third), server.connections()]).toMatchObject([
      { status: 'rejected', reason: { code: 'timeout' } },
      { status: 'fulfilled' },
      '{"keys":[],"c":2}',
      2,
    ]);
  });

  it('reads a chunked answer whose last CRLF comes in a later segment, without keeping its connection', async () => {
    // The final CRLF is held back until the first download has returned: it comes in a later segment.
    let firstReturned!: () => void;
    const release = new Promise<void>((resolve) => {
      firstReturned = resolve;
    });
    const server = await serveKeepAlive(() => ({
      parts: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nb\r\n{"keys":[]}\r\n0\r\n', '\r\n'],
      release,
    }));
    const first = await downloadJwks(`${server.origin}/.well-known/jwks.json`, limits);
    firstReturned();
    const second = await downloadJwks(`${server.origin}/revocations`, limits);
    expect([text(first), text(second), server.connections()]).toEqual(['{"keys":[]}', '{"keys":[]}', 2]);
  });
});
