// Attacks on the form and headers of the client-authenticated endpoints (/oauth2/token, /oauth2/revoke,
// /oauth2/introspect) through the real local gateway: repeated headers and parameters, a parameter name
// spelt with escapes, look-alike names. RFC 6749 §3.2 (no parameter twice), §2.3 (one authentication method).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../support/basic-auth.js';
import { mintToken } from '../support/client-token.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

let stack: LocalStack;
let caller: { id: string; secret: string };
let other: { id: string; secret: string };
let token: string;

/** A raw POST: `headers` as [name, value] pairs, so a header can be sent twice. */
function rawPost(path: string, headers: [string, string][], body: string) {
  const target = new URL(`${stack.issuer}${path}`);
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        // Raw pairs: Node adds no default header (Host) to an array.
        headers: [
          ['host', target.host],
          ...headers,
          ['content-length', String(Buffer.byteLength(body))],
        ].flat(),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const FORM: [string, string] = ['content-type', 'application/x-www-form-urlencoded'];
const auth = (c: { id: string; secret: string }): [string, string] => [
  'authorization',
  basicAuth(c.id, c.secret),
];

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  const a = await stack.registry.create({ name: 'rs', scopes: ['products/read'], introspect: true });
  const b = await stack.registry.create({ name: 'other', scopes: ['products/read'] });
  caller = { id: a.record.clientId, secret: a.clientSecret };
  other = { id: b.record.clientId, secret: b.clientSecret };
  token = await mintToken(stack.tokenUrl, caller);
}, 60_000);
afterAll(() => stack?.close());

const PATHS = ['/oauth2/token', '/oauth2/revoke', '/oauth2/introspect'] as const;
const bodyFor = (path: string, extra = '') =>
  `${path === '/oauth2/token' ? 'grant_type=client_credentials' : `token=${token}`}${extra}`;

describe.each(PATHS)('%s', (path) => {
  it('two Authorization headers (the caller’s and another client’s) are 400 invalid_request', async () => {
    const res = await rawPost(path, [FORM, auth(caller), auth(other)], bodyFor(path));
    expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
  });

  it('two Content-Type headers are 400 invalid_request', async () => {
    const res = await rawPost(path, [FORM, ['content-type', 'text/plain'], auth(caller)], bodyFor(path));
    expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
  });

  it('Basic credentials and a client_secret in the body (two methods) are 400 invalid_request', async () => {
    const res = await rawPost(
      path,
      [FORM, auth(caller)],
      bodyFor(path, `&client_id=${other.id}&client_secret=${other.secret}`),
    );
    expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
  });

  it('client_id repeated, the second spelt with escapes (%63lient_id), is 400 invalid_request', async () => {
    const res = await rawPost(
      path,
      [FORM],
      bodyFor(path, `&client_id=${caller.id}&client_secret=${caller.secret}&%63lient_id=${other.id}`),
    );
    expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a look-alike parameter name (Cyrillic е in client_sеcret) is not a credential: 401 invalid_client', async () => {
    const res = await rawPost(
      path,
      [FORM],
      bodyFor(path, `&client_id=${caller.id}&client_s%D0%B5cret=${caller.secret}`),
    );
    expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
  });

  it('a Basic client id spelt with escapes of another client’s id bytes is that client and needs its secret: 401', async () => {
    // RFC 6749 §2.3.1: the id is form-encoded inside Basic; %6B%67 is "kg", so this names `other`.
    const escaped = `%6B%67${other.id.slice(2)}`;
    const res = await rawPost(
      path,
      [FORM, ['authorization', basicAuth(escaped, caller.secret)]],
      bodyFor(path),
    );
    expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
  });
});

describe('the token parameter', () => {
  it.each(['/oauth2/revoke', '/oauth2/introspect'])(
    '%s: token twice (one spelt %74oken) is 400 invalid_request',
    async (path) => {
      const res = await rawPost(path, [FORM, auth(caller)], `token=${token}&%74oken=garbage`);
      expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
    },
  );
});
