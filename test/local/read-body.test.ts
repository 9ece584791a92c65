// The bounded body reader of the local servers, over a real HTTP server on 127.0.0.1.
import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError } from '../../local/errors.js';
import { closeNow, listen } from '../../local/listen.js';
import { readBody } from '../../local/read-body.js';

const LIMIT = 16;
let port: number;
const server = createServer((req, res) => {
  readBody(req, LIMIT).then(
    (body) => res.end(`ok ${body.toString('utf8')}`),
    (err: unknown) => {
      res.statusCode = err instanceof BodyTooLargeError ? 413 : 500;
      res.end(err instanceof BodyTooLargeError ? `limit ${err.limit}` : 'error');
    },
  );
});
const close = closeNow(server);

beforeAll(async () => {
  port = await listen(server, 0, '127.0.0.1');
});
afterAll(() => close());

function post(chunks: readonly string[], headers: Record<string, string> = {}): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve([res.statusCode ?? 0, text]));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody', () => {
  it.each([
    ['an empty body', [], [200, 'ok ']],
    ['one chunk', ['hello'], [200, 'ok hello']],
    ['several chunks', ['he', 'll', 'o'], [200, 'ok hello']],
    ['exactly the limit', ['x'.repeat(LIMIT)], [200, `ok ${'x'.repeat(LIMIT)}`]],
    ['one byte over the limit (chunked)', ['x'.repeat(LIMIT), 'y'], [413, `limit ${LIMIT}`]],
  ] as const)('%s', async (_name, chunks, expected) => {
    expect(await post(chunks)).toEqual(expected);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    expect(await post(['x'.repeat(LIMIT + 1)], { 'content-length': String(LIMIT + 1) })).toEqual([
      413,
      `limit ${LIMIT}`,
    ]);
  });
});
