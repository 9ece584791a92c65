// fetchDownloader: the bounded download over a caller's fetch, against real servers on 127.0.0.1: the body,
// refused redirects and statuses, the byte cap (declared and counted while streaming), the deadline and a
// refused connection, each with its stable code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDownloader } from '../../../core/jwt/index.js';
import { testServers } from '../../support/test-servers.js';

const servers = testServers();
afterEach(() => servers.closeAll());
const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) => servers.http(handler);

const limits = { timeoutMs: 1000, maxBytes: 100 };
const download = fetchDownloader(globalThis.fetch);

describe('fetchDownloader', () => {
  it('resolves the body of a 200 answer and asks for JSON without compression', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(`${req.method} ${req.headers.accept} ${req.headers['accept-encoding']}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    const body = await download(url, limits);
    expect([Buffer.from(body).toString('utf8'), seen]).toEqual([
      '{"keys":[]}',
      ['GET application/json identity'],
    ]);
  });

  it.each([
    ['a redirect', (res: ServerResponse) => res.writeHead(302, { location: '/elsewhere' }).end(), 'redirect'],
    ['an HTTP error', (res: ServerResponse) => res.writeHead(500).end('{}'), 'http_status'],
    [
      'a declared length over the cap',
      (res: ServerResponse) => res.writeHead(200, { 'content-length': '101' }).end('x'.repeat(101)),
      'too_large',
    ],
    [
      'a streamed body over the cap',
      (res: ServerResponse) => {
        res.writeHead(200);
        res.write('x'.repeat(60));
        res.end('x'.repeat(60));
      },
      'too_large',
    ],
  ])('refuses %s', async (_name, answer, code) => {
    const url = await serve((_req, res) => answer(res));
    await expect(download(url, limits)).rejects.toMatchObject({ code });
  });

  it('gives up after the deadline when the endpoint never answers', async () => {
    const url = await serve(() => undefined);
    await expect(download(url, { ...limits, timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reports a refused connection as a network failure', async () => {
    const url = await serve(() => undefined);
    await servers.closeAll();
    await expect(download(url, limits)).rejects.toMatchObject({ code: 'network' });
  });
});
