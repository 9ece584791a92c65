// The fault proxy's latency mode (startLatencyProxy) against real servers on 127.0.0.1: bytes relayed
// unchanged and in order both ways, TLS end to end through it, half-closes and resets passed on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LatencyProxy, startLatencyProxy } from '../../local/fault-proxy.js';
import { selfSignedCert } from '../support/self-signed-cert.js';
import { testServers } from '../support/test-servers.js';

const servers = testServers();
afterEach(() => servers.closeAll());

/** A raw TCP server on a free loopback port, closed (its sockets destroyed) by closeAll(). */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    onSocket(socket);
  });
  return `127.0.0.1:${await servers.listen(server, sockets)}`;
}

async function proxyTo(upstream: string, rttMs: number): Promise<LatencyProxy> {
  const proxy = await startLatencyProxy({ upstream, rttMs });
  servers.track(() => proxy.close());
  return proxy;
}

/** Connects through the proxy, writes `chunks` one by one, half-closes, resolves everything read back. */
function exchange(proxy: LatencyProxy, chunks: readonly string[], between?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    let got = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      got += d;
    });
    socket.on('end', () => resolve(got)).on('error', reject);
    socket.on('connect', () => {
      for (const [i, chunk] of chunks.entries()) {
        socket.write(chunk);
        if (i === 0) between?.();
      }
      socket.end();
    });
  });
}

/** Echoes what it receives, then ends once the client has ended. */
const echo = (socket: Socket) => {
  socket.on('data', (d) => socket.write(d)).on('end', () => socket.end());
};

describe('startLatencyProxy', () => {
  it.each([0, 20])('relays every byte unchanged and in order both ways at RTT %i ms', async (rttMs) => {
    const proxy = await proxyTo(await tcpServer(echo), rttMs);
    const chunks = Array.from({ length: 50 }, (_, i) => `chunk-${i};`);
    expect(await exchange(proxy, chunks)).toBe(chunks.join(''));
  });

  it('never lets a later chunk overtake an earlier one when the RTT is lowered mid-stream', async () => {
    const proxy = await proxyTo(await tcpServer(echo), 200);
    const answer = await exchange(proxy, ['first;', 'second;'], () => {
      proxy.rttMs = 0;
    });
    expect(answer).toBe('first;second;');
  });

  it('passes a half-close on after the bytes before it: the server answers a request the client ended', async () => {
    const upstream = await tcpServer((socket) => {
      let request = '';
      socket.setEncoding('utf8').on('data', (d: string) => {
        request += d;
      });
      socket.on('end', () => socket.end(`got ${request.length} bytes`));
    });
    const proxy = await proxyTo(upstream, 10);
    expect(await exchange(proxy, ['a'.repeat(70_000)])).toBe('got 70000 bytes');
  });

  it('closes the client when the upstream resets the connection, and counts connections', async () => {
    const proxy = await proxyTo(await tcpServer((socket) => socket.resetAndDestroy()), 10);
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: proxy.host, port: proxy.port });
      socket.on('error', () => undefined).on('close', () => resolve(true));
    });
    expect([closed, proxy.connections]).toEqual([true, 1]);
  });

  it('carries TLS end to end: the client verifies the upstream certificate through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-latency-proxy-'));
    try {
      const { key, cert } = selfSignedCert(dir);
      const https = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
        res.end('{"keys":[]}'),
      );
      await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
      servers.track(
        () =>
          new Promise<void>((resolve) => {
            https.closeAllConnections();
            https.close(() => resolve());
          }),
      );
      const proxy = await proxyTo(`127.0.0.1:${(https.address() as AddressInfo).port}`, 10);
      const get = (ca?: Buffer) =>
        new Promise<string>((resolve, reject) => {
          request(
            `https://127.0.0.1:${proxy.port}/.well-known/jwks.json`,
            { agent: false, ...(ca ? { ca } : {}) },
            (res) => {
              let text = '';
              res.setEncoding('utf8').on('data', (d: string) => {
                text += d;
              });
              res.on('end', () => resolve(text));
            },
          )
            .on('error', (err: NodeJS.ErrnoException) => reject(err))
            .end();
        });
      // Without the upstream's certificate the handshake through the proxy fails on that certificate: the
      // proxy relays the upstream's handshake, it never answers itself.
      await expect(get()).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(await get(readFileSync(cert))).toBe('{"keys":[]}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
