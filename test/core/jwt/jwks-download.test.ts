// The node:http(s) JWKS downloader against real servers on 127.0.0.1: the body, the byte cap (declared and
// counted while a chunked body streams), refused redirects, HTTP errors, the timeout and connection resets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadJwks } from '../../../core/jwt/index.js';
import { closeNow, listen } from '../../../local/listen.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handler);
  const port = await listen(server, 0, '127.0.0.1');
  close = closeNow(server);
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

const limits = { timeoutMs: 1000, maxBytes: 10_000 };

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

  it('refuses a body whose content-length exceeds the cap before reading it', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '20000' }).end(' '.repeat(20_000));
    });
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ reason: 'too_large' });
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
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ reason: 'too_large' });
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
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ name: 'JwksFetchError', reason });
    expect(requests).toBe(1);
  });

  it('gives up after the timeout when the endpoint never answers', async () => {
    const url = await serve(() => undefined);
    await expect(downloadJwks(url, { ...limits, timeoutMs: 150 })).rejects.toMatchObject({
      reason: 'timeout',
      message: 'JWKS fetch exceeded 150 ms',
    });
  });

  it('reports a reset connection as a network failure', async () => {
    const url = await serve((_req, res) => res.socket?.resetAndDestroy());
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({ reason: 'network' });
  });

  it('reports a refused connection as a network failure', async () => {
    const url = await serve(() => undefined);
    await close?.();
    close = undefined;
    await expect(downloadJwks(url, limits)).rejects.toMatchObject({
      reason: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
