// Which addresses the local stack listens on: a non-loopback --host needs --allow-remote and warns, and
// the KMS emulator, dynalite and the admin endpoints stay on loopback unless --expose-internals. And the
// request guard every local server runs: which Host, request target, Origin and Sec-Fetch-Site it refuses.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostFlags,
  createRequestGuard,
  guardRequests,
  isLoopbackAddress,
} from '../../local/host-safety.js';
import { closeNow, listen } from '../../local/listen.js';
import { main } from '../../local/start.js';
import { basicAuth } from '../support/basic-auth.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';
import { bodyOf, raw, send } from './gateway/http.js';

describe('checkHostFlags', () => {
  it.each(['127.0.0.1', 'localhost', '::1', '127.1.2.3'])('accepts loopback %s silently', (host) => {
    expect(checkHostFlags({ host })).toEqual({ ok: true, warnings: [] });
  });

  it.each(['0.0.0.0', '::', '192.0.2.10'])('refuses %s without --allow-remote', (host) => {
    expect(checkHostFlags({ host })).toEqual({
      ok: false,
      error: `--host ${host} is reachable from the network; pass --allow-remote to listen there anyway`,
    });
  });

  it('warns with --allow-remote and says the internals stay on loopback', () => {
    const check = checkHostFlags({ host: '0.0.0.0', allowRemote: true });
    expect(check.ok).toBe(true);
    expect(check.ok && check.warnings).toEqual([
      'warning: the auth and resource APIs listen on 0.0.0.0: anyone who reaches it can call them over plain HTTP',
      'the KMS emulator, dynalite and the admin endpoints stay on 127.0.0.1 (--expose-internals to change that)',
    ]);
  });

  it('warns about the KMS emulator, dynalite and admin endpoints with --expose-internals', () => {
    const check = checkHostFlags({ host: '0.0.0.0', allowRemote: true, exposeInternals: true });
    expect(check.ok && check.warnings[1]).toMatch(/^warning: --expose-internals: the KMS emulator/);
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['192.0.2.2', false],
    ['::ffff:192.0.2.2', false],
    [undefined, false],
  ])('%s -> %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});

describe('npm start', () => {
  it('exits 2 for a non-loopback --host without --allow-remote, before starting anything', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await main(['node', 'start', '--in-memory', '--host', '0.0.0.0'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([
      'error: --host 0.0.0.0 is reachable from the network; pass --allow-remote to listen there anyway',
    ]);
  });
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe('a stack on 0.0.0.0', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      inMemory: true,
      host: '0.0.0.0',
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    });
  });
  afterAll(() => stack?.close());

  it('keeps the KMS emulator and dynalite on 127.0.0.1', () => {
    expect(new URL(stack.kmsEndpoint).hostname).toBe('127.0.0.1');
    expect(new URL(stack.dynamodbEndpoint).hostname).toBe('127.0.0.1');
  });

  it('answers admin endpoints to loopback peers', async () => {
    const r = await send(`http://127.0.0.1:${stack.gateways.api.port}`, { path: '/_keygate/health' });
    expect(r.status).toBe(200);
  });

  it.each([
    ['a page served from an IP address (Origin http://203.0.113.5)', '127.0.0.1', 'http://203.0.113.5', 403],
    ['a page on another LAN address', '192.0.2.10', 'http://192.0.2.99:5173', 403],
    ['a loopback front-end', '127.0.0.1', 'http://localhost:5173', 200],
    ['a front-end on the same LAN address as Host', '192.0.2.10', 'http://192.0.2.10:5173', 200],
  ])('answers a POST to the token endpoint from %s %i', async (_, hostAddress, origin, status) => {
    const r = await send(stack.tokenUrl, {
      method: 'POST',
      headers: {
        host: `${hostAddress}:${stack.gateways.auth.port}`,
        origin,
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(stack.demoClient.clientId, stack.demoClient.clientSecret),
      },
      body: 'grant_type=client_credentials',
    });
    expect(r.status).toBe(status);
  });

  it.skipIf(external === undefined)(
    'refuses admin endpoints to a non-loopback peer (403, as an unknown path)',
    async () => {
      const r = await send(`http://${external}:${stack.gateways.api.port}`, {
        method: 'DELETE',
        path: '/_keygate/authorizer-cache',
      });
      expect(r.status).toBe(403);
      expect(r.text).toBe('{"message":"Missing Authentication Token"}');
    },
  );
});

/** A request as the guard reads it: rawHeaders as name/value pairs, the target and the method. */
function request(headers: [string, string][], url = '/', method = 'POST'): IncomingMessage {
  return { rawHeaders: headers.flat(), url, method } as unknown as IncomingMessage;
}

const MISDIRECTED = {
  status: 421,
  message:
    'this server answers only requests addressed to 127.0.0.1 or a loopback name (DNS rebinding guard)',
};
const FOREIGN_ORIGIN = {
  status: 403,
  message: 'requests from a foreign web origin are refused (CSRF guard)',
};

describe('createRequestGuard on 127.0.0.1', () => {
  const guard = createRequestGuard('127.0.0.1');

  it.each([
    'localhost',
    'localhost:4001',
    'LOCALHOST:4001',
    'localhost.:4001',
    'api.localhost:4001',
    'a.b.localhost',
    '127.0.0.1',
    '127.0.0.1:4003',
    '127.1.2.3:80',
    '[::1]:4000',
    '[::1]',
  ])('lets Host %s through', (host) => {
    expect(guard(request([['Host', host]]))).toBeUndefined();
  });

  it.each([
    'evil.com',
    'evil.com:4001',
    '127.0.0.1.evil.com',
    'localhost.evil.com',
    'localhost.evil.com.',
    'evillocalhost',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '127.1',
    '127.000.000.001',
    '127.0.0.1.',
    '[::ffff:127.0.0.1]',
    '[0:0:0:0:0:0:0:1]',
    '192.168.1.10',
    '[fe80::1]',
    '0.0.0.0',
    'xn--lcalhost-7fg',
    'localhost.127.0.0.1.nip.io',
  ])('answers Host %s 421 Misdirected Request', (host) => {
    expect(guard(request([['Host', host]]))).toEqual(MISDIRECTED);
  });

  it.each([
    ['an empty Host', [['Host', '']]],
    ['a Host with a path', [['Host', 'localhost/x']]],
    ['a Host with userinfo', [['Host', 'evil.com@localhost']]],
    ['a Host with a space inside', [['Host', 'local host']]],
    ['a Host with an empty port', [['Host', 'localhost:']]],
    ['an IPv6 Host without brackets', [['Host', '::1']]],
    ['a bracketed non-address', [['Host', '[evil.com]']]],
    ['a Host with userinfo after a loopback address', [['Host', '127.0.0.1@evil.com']]],
    ['an IPv6 zone id', [['Host', '[fe80::1%25lo]']]],
    ['a zone id on ::1', [['Host', '[::1%lo]']]],
    ['a tab inside the name', [['Host', 'local\thost']]],
    ['a Cyrillic о look-alike', [['Host', 'l\u043ecalhost']]],
    ['two ports', [['Host', 'localhost:80:80']]],
  ] as [string, [string, string][]][])('answers %s 400 invalid Host', (_, headers) => {
    expect(guard(request(headers))).toEqual({ status: 400, message: 'invalid Host header' });
  });

  it.each([
    ['no Host', []],
    [
      'two Hosts, the loopback one first',
      [
        ['Host', 'localhost'],
        ['Host', 'evil.com'],
      ],
    ],
    [
      'two Hosts, the loopback one last',
      [
        ['Host', 'evil.com'],
        ['host', 'localhost'],
      ],
    ],
    [
      'two identical Hosts',
      [
        ['Host', 'localhost'],
        ['HOST', 'localhost'],
      ],
    ],
  ] as [string, [string, string][]][])('answers %s 400', (_, headers) => {
    expect(guard(request(headers))).toEqual({
      status: 400,
      message: 'a request needs exactly one Host header',
    });
  });

  it.each([
    'http://evil.com/local/oauth2/token',
    'http://evil.com:4000/local/oauth2/token',
    'https://127.0.0.1.evil.com/',
    'foo://evil.com/local',
    'HTTP://EVIL.COM/local',
  ])('answers an absolute-form target %s 421 even with Host localhost (RFC 9112 §3.2.2)', (target) => {
    expect(guard(request([['Host', 'localhost']], target))).toEqual(MISDIRECTED);
  });

  it.each([
    'http://localhost:4001/local/items',
    'HTTP://LOCALHOST/x',
    'http://127.0.0.1/x',
    'http://[::1]:4000/',
  ])('lets the absolute-form target %s through', (target) => {
    expect(guard(request([['Host', 'localhost']], target))).toBeUndefined();
  });

  it.each(['http://evil.com@localhost/x', 'localhost:4001', 'mailto:x'])(
    'answers the target %s 400 invalid request target',
    (target) => {
      expect(guard(request([['Host', 'localhost']], target))).toEqual({
        status: 400,
        message: 'invalid request target',
      });
    },
  );

  it.each([
    ['localhost', undefined],
    ['evil.com', MISDIRECTED],
  ])('checks a CONNECT (authority-form target, RFC 9112 §3.2.3) by its Host %s only', (host, answer) => {
    expect(guard(request([['Host', host]], 'evil.com:443', 'CONNECT'))).toEqual(answer);
  });

  it('lets the asterisk target through to the server (OPTIONS *)', () => {
    expect(guard(request([['Host', 'localhost']], '*', 'OPTIONS'))).toBeUndefined();
  });

  it.each([
    'http://localhost:5173',
    'http://LOCALHOST:5173',
    'https://app.localhost',
    'http://127.0.0.1:4001',
    'http://[::1]:3000',
    'http://localhost.:5173',
  ])('lets Origin %s through', (origin) => {
    expect(
      guard(
        request([
          ['Host', '127.0.0.1:4001'],
          ['Origin', origin],
        ]),
      ),
    ).toBeUndefined();
  });

  it.each([
    'http://evil.com',
    'https://evil.com',
    'http://127.0.0.1.evil.com:4001',
    'http://localhost.evil.com',
    'null',
    'file://',
    'chrome-extension://abcdef',
    'http://localhost:5173/path',
    'http://user@localhost',
    '',
    'http://localhost:80@evil.com',
    'http://127.0.0.1.evil.com',
    'HTTP://EVIL.COM',
    'http://[::1%25lo]:4001',
    'https://xn--lcalhost-7fg',
    'http://localhost,http://evil.com',
    'http://l\u043ecalhost',
  ])('answers Origin %s 403, on any method', (origin) => {
    for (const method of ['POST', 'GET', 'OPTIONS', 'DELETE']) {
      expect(
        guard(
          request(
            [
              ['Host', 'localhost:4001'],
              ['Origin', origin],
            ],
            '/',
            method,
          ),
        ),
      ).toEqual(FOREIGN_ORIGIN);
    }
  });

  it('answers two Origin headers 403, even both loopback', () => {
    const headers: [string, string][] = [
      ['Host', 'localhost'],
      ['Origin', 'http://localhost'],
      ['origin', 'http://localhost'],
    ];
    expect(guard(request(headers))).toEqual(FOREIGN_ORIGIN);
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])(
    'answers %s with Sec-Fetch-Site: cross-site and no Origin 403',
    (method) => {
      const headers: [string, string][] = [
        ['Host', 'localhost'],
        ['Sec-Fetch-Site', 'Cross-Site'],
      ];
      expect(guard(request(headers, '/', method))).toEqual({
        status: 403,
        message: 'cross-site browser requests are refused (CSRF guard)',
      });
    },
  );

  it.each([
    ['GET, cross-site, no Origin (a link followed)', 'GET', 'cross-site', undefined],
    ['HEAD, cross-site, no Origin', 'HEAD', 'cross-site', undefined],
    ['POST, same-origin, no Origin', 'POST', 'same-origin', undefined],
    ['POST, none (typed in the address bar)', 'POST', 'none', undefined],
    ['POST, cross-site, from a loopback Origin', 'POST', 'cross-site', 'http://localhost:5173'],
  ])('lets %s through', (_, method, site, origin) => {
    const headers: [string, string][] = [
      ['Host', '127.0.0.1:4001'],
      ['Sec-Fetch-Site', site],
    ];
    if (origin) headers.push(['Origin', origin]);
    expect(guard(request(headers, '/', method))).toBeUndefined();
  });
});

describe('createRequestGuard with a configured --host', () => {
  it('accepts the configured name and address, loopback names still, nothing else', () => {
    const named = createRequestGuard('devbox.example');
    expect(named(request([['Host', 'devbox.example:4001']]))).toBeUndefined();
    expect(named(request([['Host', 'DevBox.Example.']]))).toBeUndefined();
    expect(named(request([['Host', 'localhost']]))).toBeUndefined();
    expect(named(request([['Host', 'evil.com']]))?.status).toBe(421);
    const address = createRequestGuard('192.0.2.10');
    expect(address(request([['Host', '192.0.2.10:4001']]))).toBeUndefined();
    expect(address(request([['Host', '192.0.2.11:4001']]))?.status).toBe(421);
    expect(
      address(
        request([
          ['Host', '192.0.2.10:4001'],
          ['Origin', 'http://192.0.2.10:5173'],
        ]),
      ),
    ).toBeUndefined();
  });

  it.each(['0.0.0.0', '::'])(
    'on the wildcard %s accepts any IP literal (never a rebinding name) and loopback names',
    (host) => {
      const guard = createRequestGuard(host);
      for (const ok of ['192.0.2.10:4001', '[2001:db8::1]:4001', 'localhost', '127.0.0.1']) {
        expect(guard(request([['Host', ok]]))).toBeUndefined();
      }
      for (const bad of ['evil.com', 'devbox.example', '0x7f000001']) {
        expect(guard(request([['Host', bad]]))?.status).toBe(421);
      }
    },
  );

  it.each([
    ['0.0.0.0', '127.0.0.1:4001', 'http://203.0.113.5', 'refuses'],
    ['0.0.0.0', '192.0.2.10:4001', 'http://192.0.2.99:5173', 'refuses'],
    ['::', '[2001:db8::1]:4001', 'http://[2001:db8::2]', 'refuses'],
    ['0.0.0.0', '192.0.2.10:4001', 'http://192.0.2.10:5173', 'lets through'],
    ['0.0.0.0', '192.0.2.10:4001', 'http://0.0.0.0:5173', 'lets through'],
    ['0.0.0.0', '127.0.0.1:4001', 'http://[::1]:5173', 'lets through'],
    ['::', '[2001:db8::1]:4001', 'https://[2001:DB8::1]', 'lets through'],
    ['devbox.example', 'devbox.example:4001', 'http://devbox.example.:5173', 'lets through'],
  ])(
    'on %s, with Host %s, Origin %s: %s (an IP-literal page is foreign unless it is Host’s)',
    (host, hostHeader, origin, answer) => {
      const headers: [string, string][] = [
        ['Host', hostHeader],
        ['Origin', origin],
      ];
      expect(createRequestGuard(host)(request(headers))).toEqual(
        answer === 'refuses' ? FOREIGN_ORIGIN : undefined,
      );
    },
  );
});

describe('guardRequests on a real server', () => {
  let server: Server;
  let port: number;
  let reached = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      reached += 1;
      res.end('reached');
    });
    guardRequests(server, '127.0.0.1');
    // Listeners added after the guard, for requests that never raise 'request': guarded all the same.
    for (const event of ['connect', 'upgrade'] as const) {
      server.on(event, (_req: IncomingMessage, socket: Duplex) => {
        reached += 1;
        socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${event.length}\r\nConnection: close\r\n\r\n${event}`);
      });
    }
    port = await listen(server, 0, '127.0.0.1');
  });
  afterAll(() => closeNow(server)());

  const FOREIGN = 'Host: rebind.attacker.example';
  it.each([
    ['CONNECT', `CONNECT localhost:443 HTTP/1.1\r\n${FOREIGN}\r\n\r\n`],
    ['an Upgrade', `GET / HTTP/1.1\r\n${FOREIGN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`],
    [
      'Expect: 100-continue',
      `POST / HTTP/1.1\r\n${FOREIGN}\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n`,
    ],
    [
      'the second of two pipelined requests',
      `GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\n${FOREIGN}\r\n\r\n`,
    ],
    [
      'a second Host behind 2000 other headers',
      `GET / HTTP/1.1\r\nHost: localhost\r\n${'a:\r\n'.repeat(2000)}${FOREIGN}\r\n\r\n`,
    ],
    [
      'an Origin behind 2000 other headers',
      `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n${'a:\r\n'.repeat(2000)}Origin: https://attacker.example\r\n\r\n`,
    ],
  ])('refuses %s from a rebinding page before any listener sees it', async (_, request) => {
    const before = reached;
    const reply = await raw(port, request);
    const statuses = reply.match(/HTTP\/1\.1 \d{3}/g);
    expect(statuses?.at(-1)).toMatch(/ (400|403|421)$/);
    expect(statuses).not.toContain('HTTP/1.1 100');
    expect(reply).toContain('"message"');
    expect(reached - before).toBe(statuses!.length - 1);
  });

  it.each([
    ['CONNECT', 'CONNECT localhost:443 HTTP/1.1\r\nHost: localhost\r\n\r\n', 'connect'],
    [
      'an Upgrade',
      'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      'upgrade',
    ],
    [
      'Expect: 100-continue',
      'POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      'reached',
    ],
  ])('lets %s with a loopback Host reach its listener', async (_, request, answer) => {
    const reply = await raw(port, request);
    expect(reply).toMatch(/HTTP\/1\.1 200 OK/);
    expect(bodyOf(reply).endsWith(answer)).toBe(true);
  });

  it('answers a foreign Host 421 with a JSON message, closes, and never reaches the handler', async () => {
    const before = reached;
    const r = await send(`http://127.0.0.1:${port}`, { headers: { host: 'evil.com' } });
    expect(r.status).toBe(421);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.connection).toBe('close');
    expect(r.json()).toEqual({ message: MISDIRECTED.message });
    expect(reached).toBe(before);
  });

  it('answers duplicate Host lines 400 (node keeps only the first in req.headers)', async () => {
    const reply = await raw(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.com\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('{"message":"a request needs exactly one Host header"}');
  });

  it('answers an HTTP/1.0 request without Host 400', async () => {
    const reply = await raw(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('lets a loopback request reach the handler', async () => {
    const r = await send(`http://127.0.0.1:${port}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('reached');
  });
});
