// The RFC 8725 JWT attack list (docs/design.md#jwt-attacks) end to end through the local stack (startLocalStack: gateway emulator, real
// TOKEN authorizer fetching the JWKS over HTTP), with attack tokens built on the stack's real KMS key
// wherever a genuine signature makes the attack stronger: every one gets 401. Then hostile HTTP on raw
// sockets against the resource API: the right 4xx, never a 5xx, and the server keeps serving.
import { createHmac, createPublicKey } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64url, signRaw, testKey } from '../../fixtures/tokens.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';
import { claimsOf, kidOf, kmsSign } from './support/kms-token.js';
import { basic, record } from './support/load.js';

let stack: LocalStack;
let good: string;
let kid: string;

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(stack.demoClient.clientId, stack.demoClient.clientSecret),
    },
    body: 'grant_type=client_credentials&scope=products/read',
  });
  good = ((await res.json()) as { access_token: string }).access_token;
  kid = kidOf(good);
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

async function status(authorization: string): Promise<number> {
  if (/[\r\n\0]/.test(authorization)) {
    // fetch refuses such header values; a raw client can still send them (the HTTP parser answers).
    const head = `GET ${new URL(stack.apiUrl).pathname}/products HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`;
    return statusOf((await rawExchange(stack.gateways.api.port, head)).reply);
  }
  const res = await fetch(`${stack.apiUrl}/products`, { headers: { authorization } });
  await res.arrayBuffer();
  return res.status;
}

describe('RFC 8725 attack list through the gateway', () => {
  it('answers 401 to every attack and 200 to the genuine token', async () => {
    expect(await status(`Bearer ${good}`)).toBe(200);
    const header = { alg: 'RS256', typ: 'at+jwt', kid };
    const claims = claimsOf(good);
    const now = Math.floor(Date.now() / 1000);
    const sign = (h: object | string, c: object | string) =>
      kmsSign(stack.clients.kms, stack.signingKeyId, h, c);
    const [hp, pp, sp] = good.split('.') as [string, string, string];
    const jwk = (await (await fetch(stack.jwksUrl)).json()) as { keys: { n: string; e: string }[] };
    const pubPem = createPublicKey({
      key: { kty: 'RSA', n: jwk.keys[0]!.n, e: jwk.keys[0]!.e },
      format: 'jwk',
    })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hs256 = (secret: string | Buffer) => {
      const input = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid })}.${pp}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const other = testKey('attacks-other-key');

    const attacks: [string, string][] = [
      ['alg none', `${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${pp}.`],
      ['alg None with signature', `${b64url({ alg: 'None', typ: 'at+jwt', kid })}.${pp}.${sp}`],
      ['alg NONE', `${b64url({ alg: 'NONE', typ: 'at+jwt' })}.${pp}.`],
      ['alg nOnE signed by KMS', await sign({ ...header, alg: 'nOnE' }, claims)],
      ['alg rs256 (case)', await sign({ ...header, alg: 'rs256' }, claims)],
      ['HS256 with the PEM public key as secret', hs256(pubPem)],
      ['HS256 with the modulus as secret', hs256(jwk.keys[0]!.n)],
      [
        'HS256 with the DER key as secret',
        hs256(createPublicKey(pubPem).export({ type: 'spki', format: 'der' })),
      ],
      ['kid path traversal', await sign({ ...header, kid: '../../../../../../dev/null' }, claims)],
      ['kid SQL injection', await sign({ ...header, kid: "x' OR '1'='1" }, claims)],
      ['kid very long', await sign({ ...header, kid: 'k'.repeat(5000) }, claims)],
      ['kid with NUL', await sign({ ...header, kid: `${kid}\u0000` }, claims)],
      ['kid missing', await sign({ alg: 'RS256', typ: 'at+jwt' }, claims)],
      ['kid as number', await sign({ ...header, kid: 7 }, claims)],
      ['jku header', await sign({ ...header, jku: 'http://127.0.0.1:1/jwks.json' }, claims)],
      ['x5u header', await sign({ ...header, x5u: 'http://127.0.0.1:1/cert.pem' }, claims)],
      [
        'jwk header (embedded attacker key)',
        signRaw(b64url({ ...header, kid: other.kid, jwk: other.jwk }), pp, other.privateKey),
      ],
      ['x5c header', await sign({ ...header, x5c: ['MIIB'] }, claims)],
      ['unknown crit', await sign({ ...header, crit: ['exp'], exp: 1 }, claims)],
      ['typ JWT (cross-JWT)', await sign({ ...header, typ: 'JWT' }, claims)],
      ['typ missing', await sign({ alg: 'RS256', kid }, claims)],
      [
        'id token from the same issuer',
        await sign(
          { alg: 'RS256', typ: 'JWT', kid },
          { ...claims, aud: stack.demoClient.clientId, nonce: 'n', auth_time: now },
        ),
      ],
      ['another key with the same kid', signRaw(b64url(header), pp, other.privateKey)],
      [
        'JWE (5 parts)',
        `${b64url({ alg: 'RSA-OAEP', enc: 'A256GCM', kid })}.${b64url('k')}.${b64url('iv')}.${b64url('ct')}.${b64url('tag')}`,
      ],
      ['JSON serialization', JSON.stringify({ payload: pp, protected: hp, signature: sp })],
      ['whitespace inside', `${hp}. ${pp}.${sp}`],
      ['newline inside', `${hp}.${pp}\n.${sp}`],
      ['base64 (not url) characters', `${hp}.${pp}.${sp.replace(/-/g, '+').replace(/_/g, '/')}+/`],
      ['padding', `${hp}.${pp}.${sp}==`],
      ['trailing dot', `${good}.`],
      // Over the verifier's 8192-character limit but under the gateway's 10 KiB header quota.
      ['oversized token', await sign(header, { ...claims, pad: 'x'.repeat(6000) })],
      ['exp as string', await sign(header, { ...claims, exp: String(now + 3600) })],
      ['exp missing', await sign(header, { ...claims, exp: undefined })],
      ['expired', await sign(header, { ...claims, iat: now - 7200, exp: now - 3600 })],
      ['nbf in the future', await sign(header, { ...claims, nbf: now + 3600 })],
      ['iat in the future', await sign(header, { ...claims, iat: now + 3600 })],
      ['wrong issuer', await sign(header, { ...claims, iss: `${stack.issuer}/` })],
      ['wrong audience', await sign(header, { ...claims, aud: 'https://elsewhere.example' })],
      ['audience array without ours', await sign(header, { ...claims, aud: ['a', 'b'] })],
      ['sub as number', await sign(header, { ...claims, sub: 42 })],
      ['client_id missing', await sign(header, { ...claims, client_id: undefined })],
      ['scope with a quote', await sign(header, { ...claims, scope: 'products/read "x' })],
      ['payload not JSON', await sign(header, b64url('not json'))],
      ['payload JSON array', await sign(header, b64url('[1,2]'))],
      ['header not JSON', await sign(b64url('{alg:RS256'), pp)],
      ['signature truncated', `${hp}.${pp}.${sp.slice(0, -4)}`],
      ['signature bit flipped', `${hp}.${pp}.${sp.slice(0, 10)}${sp[10] === 'A' ? 'B' : 'A'}${sp.slice(11)}`],
      [
        'payload swapped under a genuine signature',
        `${hp}.${b64url({ ...claims, scope: 'products/read products/write' })}.${sp}`,
      ],
      ['empty token', ''],
      ['Basic scheme', `Basic ${good}`],
      ['two tokens', `${good} ${good}`],
    ];
    expect(attacks.find(([n]) => n === 'oversized token')![1].length).toBeGreaterThan(8192);
    const results: Record<string, number> = {};
    for (const [name, token] of attacks) {
      const auth = name === 'Basic scheme' || name === 'two tokens' ? token : `Bearer ${token}`;
      results[name] = await status(auth);
    }
    // A raw newline in the header value ends the header early: the HTTP parser refuses it (400) before
    // the authorizer; every other attack reaches the TOKEN authorizer step and must be 401.
    const passed = Object.entries(results).filter(
      ([name, s]) => s !== 401 && !(name === 'newline inside' && s === 400),
    );
    expect(passed).toEqual([]);
    expect(await status(`Bearer ${good}`)).toBe(200);

    record('jwt-attacks', {
      scenario: 'RFC 8725 JWT attack list end to end (startLocalStack, real KMS key, JWKS over HTTP)',
      load: 'sequential, one request per attack',
      faults: `${attacks.length} attack tokens`,
      requests: attacks.length + 2,
      failed: 0,
      shouldFail: attacks.length,
      didFail: attacks.length - passed.length,
      details: { statuses: results },
      command: 'npx vitest run test/reliability/attacks.test.ts -t attack',
    });
  });
});

/** Sends raw bytes, returns what comes back until the server closes or `timeoutMs` passes. */
function rawExchange(
  port: number,
  payload: string | Buffer,
  timeoutMs = 3000,
): Promise<{ reply: string; hung: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), hung: true });
    }, timeoutMs);
    socket.on('data', (c) => {
      chunks.push(c);
      // One full response is enough: stop on a complete head + declared body.
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && len !== undefined && text.length >= end + 4 + Number(len)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ reply: text, hung: false });
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), hung: false });
    });
    socket.on('error', () => undefined);
    socket.write(payload);
  });
}
const statusOf = (reply: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0);

describe('hostile HTTP against the gateway', () => {
  it('answers malformed requests with a 4xx and keeps serving', async () => {
    const port = stack.gateways.api.port;
    const p = `/${stack.gateways.api.stage}/products`;
    const cases: [string, string, number[]][] = [
      ['garbage request line', 'GARBAGE\r\n\r\n', [400]],
      ['HTTP/0.9 style', `GET ${p}\r\n\r\n`, [400, 401]],
      ['header without colon', `GET ${p} HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n`, [400]],
      ['NUL in the path', `GET ${p}\u0000 HTTP/1.1\r\nHost: localhost\r\n\r\n`, [400]],
      [
        'negative content-length',
        `POST ${p} HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n`,
        [400],
      ],
      [
        'CL and TE together',
        `POST ${p} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        [400],
      ],
      [
        'bad chunk size',
        `POST ${p} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`,
        [400],
      ],
      [
        'header block over 10 KiB',
        `GET ${p} HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        [431],
      ],
      [
        'request line of 100 KiB',
        `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
        [414, 431],
      ],
      ['invalid method token', `G(T ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`, [400]],
      ['unknown method', `FROB ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`, [400, 403, 405]],
      [
        'path traversal',
        `GET /${stack.gateways.api.stage}/../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n`,
        [403, 404],
      ],
      [
        'encoded traversal',
        `GET ${p}/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: localhost\r\n\r\n`,
        [401, 403, 404],
      ],
      ['encoded slash in id', `GET ${p}/a%2Fb HTTP/1.1\r\nHost: localhost\r\n\r\n`, [401, 403, 404]],
      ['asterisk target', `GET * HTTP/1.1\r\nHost: localhost\r\n\r\n`, [400, 403, 404]],
      ['no token', `GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`, [401]],
      [
        'declared 20 MB body',
        `POST ${p} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20000000\r\nAuthorization: Bearer ${good}\r\n\r\n`,
        [413],
      ],
      [
        'authorization of 9000 chars',
        `GET ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${'a'.repeat(9000)}\r\n\r\n`,
        [401],
      ],
      // Repeated Authorization headers: the gateway refuses before the authorizer (400), so the authorizer
      // and the integration can never see different tokens.
      [
        'two authorization headers',
        `GET ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${good}\r\nAuthorization: Bearer x\r\n\r\n`,
        [400],
      ],
      [
        'forged then genuine authorization',
        `GET ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer x.y.z\r\nAuthorization: Bearer ${good}\r\n\r\n`,
        [400],
      ],
      [
        'genuine twice',
        `GET ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${good}\r\nauthorization: Bearer ${good}\r\n\r\n`,
        [400],
      ],
    ];
    const results: Record<string, number> = {};
    const wrong: string[] = [];
    for (const [name, payload, expected] of cases) {
      const { reply, hung } = await rawExchange(port, payload);
      const s = statusOf(reply);
      results[name] = hung ? -1 : s;
      if (!expected.includes(s)) wrong.push(`${name}: ${hung ? 'hung' : s} (want ${expected.join('/')})`);
      expect(await status(`Bearer ${good}`), `serving after ${name}`).toBe(200);
    }

    // Random request heads: whatever the parser makes of them, never a 5xx and never a hang.
    let fuzzed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 200 }),
        fc.array(fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 200 })), { maxLength: 6 }),
        async (method, path, headers) => {
          fuzzed++;
          const head = `${method} /${stack.gateways.api.stage}/${path} HTTP/1.1\r\nHost: localhost\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`;
          const { reply, hung } = await rawExchange(port, head, 2000);
          const s = statusOf(reply);
          expect(hung).toBe(false);
          expect(s === 0 || (s >= 400 && s < 500) || s === 200).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect(await status(`Bearer ${good}`)).toBe(200);
    expect(wrong).toEqual([]);

    record('gateway-http', {
      scenario: 'Hostile HTTP on raw sockets against the resource API gateway',
      load: 'sequential raw sockets; a genuine request after each',
      faults: `${cases.length} hand-written malformed requests + ${fuzzed} fast-check request heads`,
      requests: cases.length * 2 + fuzzed + 1,
      failed: 0,
      shouldFail: cases.length,
      didFail: cases.length - wrong.length,
      details: { statuses: results },
      command: 'npx vitest run test/reliability/attacks.test.ts -t hostile',
    });
  }, 60_000);
});
