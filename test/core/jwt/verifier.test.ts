// The verifier against a real JWKS server on 127.0.0.1: every RFC 8725 attack of docs/design.md#jwt-attacks rejected with its exact code,
// valid access tokens accepted, clock leeway bounds, and the verified-token cache rules.
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createJwksKeyStore,
  createVerifier,
  type KeyStore,
  type Verifier,
  type VerifierOptions,
  type VerifyErrorCode,
} from '../../../core/jwt/index.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { b64url, signRaw, signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';

const NOW = 1_800_000_000;
const key = testKey();
const attacker = testKey('attacker');

let server: JwksServer;
let clockSec = NOW;
const clock = () => clockSec * 1000;

beforeAll(async () => {
  server = await startJwksServer({ keys: [key.jwk] });
});
afterAll(() => server.close());
afterEach(() => {
  clockSec = NOW;
  server.mode = 'ok';
  server.body = { keys: [key.jwk] };
});

function makeStore(): KeyStore {
  return createJwksKeyStore({ jwksUri: server.url, now: clock });
}

function makeVerifier(options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    keyStore: options.keyStore ?? makeStore(),
    now: clock,
    ...options,
  });
}

const token = (options: Parameters<typeof signToken>[0] = {}) => signToken({ now: NOW, ...options });

async function expectCode(promise: Promise<unknown>, code: VerifyErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'VerifyError', code });
}

describe('valid access tokens', () => {
  it('accepts an RFC 9068 token and returns its claims, kid and cacheHit', async () => {
    const v = makeVerifier();
    const jwt = token({ claims: { jti: 'abc' } });
    const result = await v.verifyDetailed(jwt);
    expect(result.cacheHit).toBe(false);
    expect(result.kid).toBe(key.kid);
    expect(result.claims).toEqual({
      iss: TEST_ISSUER,
      sub: 'client-1',
      aud: TEST_AUDIENCE,
      client_id: 'client-1',
      scope: 'products/read',
      iat: NOW,
      exp: NOW + 3600,
      jti: 'abc',
    });
  });

  it('accepts aud as an array containing the audience', async () => {
    const claims = await makeVerifier().verify(token({ claims: { aud: ['other', TEST_AUDIENCE] } }));
    expect(claims.aud).toEqual(['other', TEST_AUDIENCE]);
  });

  it('accepts any of several configured audiences', async () => {
    const v = makeVerifier({ audience: ['https://a.test', 'https://b.test'] });
    await expect(v.verify(token({ claims: { aud: 'https://b.test' } }))).resolves.toMatchObject({
      aud: 'https://b.test',
    });
    await expectCode(v.verify(token()), 'audience');
  });

  it('accepts typ application/at+jwt and media-type case variants', async () => {
    const v = makeVerifier();
    for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
      await expect(v.verify(token({ header: { typ } }))).resolves.toMatchObject({ sub: 'client-1' });
    }
  });

  it('treats a missing scope as no scopes', async () => {
    const claims = await makeVerifier().verify(token({ claims: { scope: undefined } }));
    expect(claims.scope).toBe('');
  });

  it('accepts several scope-tokens and the full scope-token alphabet', async () => {
    const scope = 'products/read products/write !#[]~ a';
    const claims = await makeVerifier().verify(token({ claims: { scope } }));
    expect(claims.scope).toBe(scope);
  });

  it('returns frozen claims so cached results cannot be altered by callers', async () => {
    const claims = await makeVerifier().verify(token({ claims: { aud: [TEST_AUDIENCE] } }));
    expect(Object.isFrozen(claims)).toBe(true);
    expect(Object.isFrozen(claims.aud)).toBe(true);
  });
});

describe('RFC 8725 attacks (docs/design.md#jwt-attacks)', () => {
  it('rejects alg none in any case, signed or unsigned', async () => {
    const v = makeVerifier();
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const h = b64url({ alg, typ: 'at+jwt', kid: key.kid });
      const p = b64url({ iss: TEST_ISSUER, exp: NOW + 60 });
      await expectCode(v.verify(`${h}.${p}.`), 'alg');
      await expectCode(v.verify(signRaw(h, p, key.privateKey)), 'alg');
    }
  });

  it('rejects RS256->HS256 confusion (public key as HMAC secret)', async () => {
    const h = b64url({ alg: 'HS256', typ: 'at+jwt', kid: key.kid });
    const p = b64url({ iss: TEST_ISSUER, sub: 'x', aud: TEST_AUDIENCE, client_id: 'x', exp: NOW + 60 });
    const pem = key.publicKey.export({ format: 'pem', type: 'spki' });
    const sig = createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url');
    await expectCode(makeVerifier().verify(`${h}.${p}.${sig}`), 'alg');
  });

  it('rejects alg in the wrong case or another RSA algorithm', async () => {
    const v = makeVerifier();
    for (const alg of ['rs256', 'Rs256', 'RS512', 'PS256', 'ES256', undefined, 256]) {
      await expectCode(v.verify(token({ header: { alg } })), 'alg');
    }
  });

  it('rejects kid injection: path and SQL payloads are unknown kids, odd syntax is a header error', async () => {
    const store = makeStore();
    const v = makeVerifier({ keyStore: store });
    await v.verify(token());
    await expectCode(v.verify(token({ header: { kid: '../../../../etc/passwd' } })), 'unknown_kid');
    await expectCode(v.verify(token({ header: { kid: "x';DROP_TABLE_keys;--" } })), 'unknown_kid');
    await expectCode(v.verify(token({ header: { kid: "' OR 1=1 --" } })), 'header');
    await expectCode(v.verify(token({ header: { kid: 'k'.repeat(257) } })), 'header');
    await expectCode(v.verify(token({ header: { kid: 'abc\u0000def' } })), 'header');
    await expectCode(v.verify(token({ header: { kid: 'kïd' } })), 'header');
    await expectCode(v.verify(token({ header: { kid: 42 } })), 'header');
    await expectCode(v.verify(token({ header: { kid: '' } })), 'header');
    await expectCode(v.verify(token({ header: { kid: undefined } })), 'header');
    // The two unknown kids within the cooldown cost at most one refetch.
    expect(store.stats().fetches).toBeLessThanOrEqual(2);
  });

  it('rejects jku, x5u, jwk and x5c headers', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ header: { jku: 'https://evil.test/jwks.json' } })), 'header');
    await expectCode(v.verify(token({ header: { x5u: 'https://evil.test/cert.pem' } })), 'header');
    await expectCode(v.verify(token({ header: { jwk: attacker.jwk } })), 'header');
    await expectCode(v.verify(token({ header: { x5c: ['MIIB'] } })), 'header');
  });

  it('rejects any crit header, even one naming a known extension', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ header: { crit: ['exp'], exp: NOW } })), 'crit');
    await expectCode(v.verify(token({ header: { crit: ['b64'], b64: true } })), 'crit');
    await expectCode(v.verify(token({ header: { crit: [] } })), 'crit');
  });

  it('rejects cross-JWT confusion: typ JWT, an id token, missing typ', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ header: { typ: 'JWT' } })), 'typ');
    await expectCode(v.verify(token({ header: { typ: undefined } })), 'typ');
    await expectCode(v.verify(token({ header: { typ: 'application/jwt' } })), 'typ');
    await expectCode(v.verify(token({ header: { typ: 'at+jwt ' } })), 'typ');
    await expectCode(v.verify(token({ header: { typ: ['at+jwt'] } })), 'typ');
    const idToken = token({
      header: { typ: 'JWT' },
      claims: { aud: 'client-1', nonce: 'n', scope: undefined },
    });
    await expectCode(v.verify(idToken), 'typ');
  });

  it('rejects a token signed by another key under the same kid', async () => {
    await expectCode(makeVerifier().verify(token({ key: attacker, header: { kid: key.kid } })), 'signature');
  });

  it('rejects JWE (five parts), non-compact JSON serialization and other part counts', async () => {
    const v = makeVerifier();
    const jwt = token();
    const [h, p, s] = jwt.split('.');
    await expectCode(v.verify(`${h}.${b64url('k')}.${b64url('iv')}.${p}.${s}`), 'malformed');
    await expectCode(v.verify(JSON.stringify({ protected: h, payload: p, signature: s })), 'malformed');
    await expectCode(v.verify(`${h}.${p}`), 'malformed');
    await expectCode(v.verify(`${h}..${s}`), 'malformed');
    await expectCode(v.verify(`.${p}.${s}`), 'malformed');
    await expectCode(v.verify(`${jwt}.`), 'malformed');
    await expectCode(v.verify(''), 'malformed');
    await expectCode(v.verify(undefined as unknown as string), 'malformed');
  });

  it('rejects whitespace anywhere in the token', async () => {
    const v = makeVerifier();
    const jwt = token();
    for (const bad of [` ${jwt}`, `${jwt}\n`, `${jwt.slice(0, 20)} ${jwt.slice(20)}`, `Bearer ${jwt}`]) {
      await expectCode(v.verify(bad), 'malformed');
    }
  });

  it('rejects non-base64url characters: + / = padding and non-ASCII', async () => {
    const v = makeVerifier();
    const jwt = token();
    const [h, p, s] = jwt.split('.') as [string, string, string];
    await expectCode(v.verify(`${h}.${p}.${s.replace(/[-_]/, '+')}`), 'malformed');
    await expectCode(v.verify(`${h}.${p.slice(0, -1)}/.${s}`), 'malformed');
    await expectCode(v.verify(`${h}.${p}.${s}==`), 'malformed');
    await expectCode(v.verify(`${h}=.${p}.${s}`), 'malformed');
    await expectCode(v.verify(`${h}.${p}é.${s}`), 'malformed');
  });

  it.each([
    ['base64 "+" for "-"', (p: string) => p.replace('-', '+').replace('_', '/')],
    ['padding', (p: string) => `${p}${'='.repeat((4 - (p.length % 4)) % 4 || 4)}`],
    ['a length no encoding has (4n + 1)', (p: string) => `${p}${'A'.repeat((1 - p.length) & 3 || 4)}`],
  ])('rejects a payload spelled with %s even when the issuer key signed it', async (_name, respell) => {
    const v = makeVerifier();
    // Claims whose base64url spelling has both '-' and '_', so the respelling changes something.
    const h = b64url({ alg: 'RS256', typ: 'at+jwt', kid: key.kid });
    const claims = { iss: TEST_ISSUER, sub: 'client-1', aud: TEST_AUDIENCE, client_id: 'client-1' };
    const p = b64url({ ...claims, exp: NOW + 60, scope: 'a', jti: '>>>??>' });
    expect(p).toMatch(/-.*_|_.*-/);
    await expect(v.verify(signRaw(h, p, key.privateKey))).resolves.toMatchObject({ sub: 'client-1' });
    const respelled = respell(p);
    expect(respelled).not.toBe(p);
    await expectCode(v.verify(signRaw(h, respelled, key.privateKey)), 'malformed');
  });

  /** A signed token whose `sub` is `client-` followed by these raw bytes. */
  const withSubBytes = (bytes: number[]) => {
    const h = b64url({ alg: 'RS256', typ: 'at+jwt', kid: key.kid });
    const json = (sub: string) =>
      JSON.stringify({ iss: TEST_ISSUER, sub, aud: TEST_AUDIENCE, client_id: 'c', exp: NOW + 60 });
    const [before, after] = json('client-\u0000').split('\\u0000') as [string, string];
    const payload = Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    return signRaw(h, payload.toString('base64url'), key.privateKey);
  };

  it.each([
    ['a UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['an overlong 3-byte form (E0 80 AF)', [0xe0, 0x80, 0xaf]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['a lone continuation byte (80)', [0x80]],
    ['a truncated sequence (E2 82)', [0xe2, 0x82]],
    ['byte FF', [0xff]],
    ['a replacement character next to an invalid byte', [0xef, 0xbf, 0xbd, 0xc3]],
  ])('rejects a signed payload with invalid UTF-8: %s', async (_name, bytes) => {
    await expectCode(makeVerifier().verify(withSubBytes(bytes)), 'malformed');
  });

  it.each([
    ['é (C3 A9)', [0xc3, 0xa9], 'é'],
    ['a literal U+FFFD (EF BF BD)', [0xef, 0xbf, 0xbd], '\uFFFD'],
    ['an emoji (F0 9F 98 80)', [0xf0, 0x9f, 0x98, 0x80], '\u{1F600}'],
  ])('accepts a signed payload with valid UTF-8: %s', async (_name, bytes, text) => {
    await expect(makeVerifier().verify(withSubBytes(bytes))).resolves.toMatchObject({
      sub: `client-${text}`,
    });
  });

  it('rejects non-ASCII look-alikes whose low byte matches the genuine character', async () => {
    // U+0141 truncates to 0x41 ('A') in latin1: the signing input must never be built that way.
    const v = makeVerifier({ tokenCacheSize: 0 });
    const jwt = token();
    await v.verify(jwt);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const swap = (part: string, at: number) =>
      `${part.slice(0, at)}${String.fromCharCode(0x100 + part.charCodeAt(at))}${part.slice(at + 1)}`;
    await expectCode(v.verify(`${h}.${swap(p, p.length - 1)}.${s}`), 'malformed');
    await expectCode(v.verify(`${h}.${swap(p, 3)}.${s}`), 'malformed');
    await expectCode(v.verify(`${swap(h, 3)}.${p}.${s}`), 'malformed');
    await expectCode(v.verify(`${h}.${p}.${swap(s, 5)}`), 'malformed');
  });

  it('rejects a signature with non-zero spare bits in its last character', async () => {
    const jwt = token();
    const last = jwt.at(-1)!;
    // RSA-2048 signatures are 342 characters: the last one carries 2 data bits and 4 spare bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tweaked = alphabet[alphabet.indexOf(last) + 1]!;
    await expectCode(makeVerifier().verify(jwt.slice(0, -1) + tweaked), 'malformed');
  });

  it('rejects oversized tokens before any parsing', async () => {
    const v = makeVerifier({ maxTokenLength: 1000 });
    const big = token({ claims: { pad: 'x'.repeat(1000) } });
    await expectCode(v.verify(big), 'too_long');
    await expectCode(makeVerifier().verify('a'.repeat(8193)), 'too_long');
  });

  it('rejects numbers as strings in exp, nbf and iat', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ claims: { exp: String(NOW + 3600) } })), 'claims');
    await expectCode(v.verify(token({ claims: { nbf: String(NOW) } })), 'claims');
    await expectCode(v.verify(token({ claims: { iat: String(NOW) } })), 'claims');
    await expectCode(v.verify(token({ claims: { exp: undefined } })), 'claims');
    await expectCode(v.verify(token({ claims: { exp: null } })), 'claims');
  });

  it('rejects RSA keys under 2048 bits and JWKs with use enc or alg other than RS256', async () => {
    const weak = testKey('weak-1024', 1024);
    const enc = testKey('enc');
    const rs512 = testKey('rs512');
    const jwks = await startJwksServer({
      keys: [key.jwk, { ...weak.jwk }, { ...enc.jwk, use: 'enc' }, { ...rs512.jwk, alg: 'RS512' }],
    });
    try {
      const v = makeVerifier({ keyStore: createJwksKeyStore({ jwksUri: jwks.url, now: clock }) });
      await expect(v.verify(token())).resolves.toMatchObject({ sub: 'client-1' });
      await expectCode(v.verify(token({ key: weak })), 'unknown_kid');
      await expectCode(v.verify(token({ key: enc })), 'unknown_kid');
      await expectCode(v.verify(token({ key: rs512 })), 'unknown_kid');
    } finally {
      await jwks.close();
    }
  });

  it('rejects a truncated, extended or bit-flipped signature', async () => {
    const v = makeVerifier();
    const jwt = token();
    await expectCode(v.verify(jwt.slice(0, -4)), 'signature');
    await expectCode(v.verify(`${jwt}AAAA`), 'signature');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 1;
    await expectCode(v.verify(`${h}.${p}.${sig.toString('base64url')}`), 'signature');
    // A payload changed after signing.
    const forged = b64url({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'admin' });
    await expectCode(v.verify(`${h}.${forged}.${s}`), 'signature');
  });

  it('rejects headers and payloads that are not JSON objects', async () => {
    const v = makeVerifier();
    const p = b64url({ iss: TEST_ISSUER });
    await expectCode(v.verify(signRaw(b64url('not json'), p, key.privateKey)), 'malformed');
    await expectCode(v.verify(signRaw(b64url('["RS256"]'), p, key.privateKey)), 'malformed');
    await expectCode(v.verify(signRaw(b64url('null'), p, key.privateKey)), 'malformed');
    const h = b64url({ alg: 'RS256', typ: 'at+jwt', kid: key.kid });
    await expectCode(v.verify(signRaw(h, b64url('[1,2]'), key.privateKey)), 'malformed');
    await expectCode(v.verify(signRaw(h, b64url('{"exp":'), key.privateKey)), 'malformed');
    await expectCode(
      v.verify(signRaw(h, Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'), key.privateKey)),
      'malformed',
    );
  });

  it('never puts the token in an error message', async () => {
    const jwt = token({ header: { typ: 'JWT' } });
    const err = await makeVerifier()
      .verify(jwt)
      .catch((e: unknown) => e as Error);
    expect(err.message).not.toContain(jwt.split('.')[1]!.slice(0, 20));
  });
});

describe('claims', () => {
  it('rejects a wrong or missing issuer', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ claims: { iss: `${TEST_ISSUER}/` } })), 'issuer');
    await expectCode(v.verify(token({ claims: { iss: undefined } })), 'issuer');
  });

  it('rejects a wrong, missing or mistyped audience', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ claims: { aud: 'https://other.test' } })), 'audience');
    await expectCode(v.verify(token({ claims: { aud: ['a', 'b'] } })), 'audience');
    await expectCode(v.verify(token({ claims: { aud: [] } })), 'audience');
    await expectCode(v.verify(token({ claims: { aud: undefined } })), 'audience');
    await expectCode(v.verify(token({ claims: { aud: [TEST_AUDIENCE, 7] } })), 'claims');
  });

  it('requires client_id and sub as non-empty strings', async () => {
    const v = makeVerifier();
    for (const claims of [
      { client_id: undefined },
      { client_id: '' },
      { client_id: 7 },
      { sub: undefined },
      { sub: 1 },
    ]) {
      await expectCode(v.verify(token({ claims })), 'claims');
    }
  });

  it('rejects scope values outside RFC 6749 §3.3 syntax', async () => {
    const v = makeVerifier();
    for (const scope of ['a  b', ' a', 'a ', 'a\tb', 'a"b', 'a\\b', 'é', 7, ['a']]) {
      await expectCode(v.verify(token({ claims: { scope } })), 'claims');
    }
  });

  it('rejects a non-string jti', async () => {
    await expectCode(makeVerifier().verify(token({ claims: { jti: 5 } })), 'claims');
  });

  it('rejects expired tokens at exactly exp', async () => {
    const v = makeVerifier({ tokenCacheSize: 0 });
    const jwt = token({ claims: { exp: NOW + 10 } });
    clockSec = NOW + 9;
    await expect(v.verify(jwt)).resolves.toBeDefined();
    clockSec = NOW + 10;
    await expectCode(v.verify(jwt), 'expired');
  });

  it('rejects nbf and iat in the future', async () => {
    const v = makeVerifier();
    await expectCode(v.verify(token({ claims: { nbf: NOW + 1 } })), 'not_yet_valid');
    await expectCode(v.verify(token({ claims: { iat: NOW + 1 } })), 'not_yet_valid');
    await expect(v.verify(token({ claims: { nbf: NOW } }))).resolves.toBeDefined();
  });

  it('honours the clock leeway exactly at its bounds', async () => {
    const v = makeVerifier({ clockLeewaySeconds: 60, tokenCacheSize: 0 });
    await expect(v.verify(token({ claims: { exp: NOW - 59 } }))).resolves.toBeDefined();
    await expectCode(v.verify(token({ claims: { exp: NOW - 60 } })), 'expired');
    await expect(v.verify(token({ claims: { nbf: NOW + 60, iat: NOW + 60 } }))).resolves.toBeDefined();
    await expectCode(v.verify(token({ claims: { nbf: NOW + 61 } })), 'not_yet_valid');
    await expectCode(v.verify(token({ claims: { iat: NOW + 61 } })), 'not_yet_valid');
  });

  it('refuses a leeway above 300 s and bad options at construction', () => {
    const keyStore = makeStore();
    const base = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore };
    expect(() => createVerifier({ ...base, clockLeewaySeconds: 301 })).toThrow(RangeError);
    expect(() => createVerifier({ ...base, clockLeewaySeconds: -1 })).toThrow(RangeError);
    expect(() => createVerifier({ ...base, audience: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, issuer: '' })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, tokenCacheSize: -1 })).toThrow(RangeError);
    expect(() => createVerifier({ ...base, tokenCacheSize: 2 ** 22 + 1 })).toThrow(
      'tokenCacheSize must be an integer from 0 to 2^22',
    );
    expect(createVerifier({ ...base, tokenCacheSize: 1_000_000 }).stats().tokenCacheSize).toBe(0);
  });
});

describe('verified-token cache', () => {
  it('serves a repeated token from the cache with one prebuilt result', async () => {
    const v = makeVerifier();
    const jwt = token();
    const first = await v.verifyDetailed(jwt);
    const second = await v.verifyDetailed(jwt);
    const third = await v.verifyDetailed(jwt);
    expect(first.cacheHit).toBe(false);
    expect(second.cacheHit).toBe(true);
    expect(third).toBe(second);
    expect(second.claims).toBe(first.claims);
    expect(await v.verify(jwt)).toBe(first.claims);
    expect(v.stats()).toEqual({ tokenCacheHits: 3, tokenCacheMisses: 1, tokenCacheSize: 1 });
  });

  it('serves a cached entry only to the very token it holds: a forgery reusing its signature is verified', async () => {
    const v = makeVerifier();
    const jwt = token({ claims: { scope: 'products/read' } });
    await v.verify(jwt);
    const [header, , signature] = jwt.split('.');
    const forged = `${header}.${b64url(JSON.stringify({ sub: 'admin', scope: 'products/write' }))}.${signature}`;
    await expectCode(v.verify(forged), 'signature');
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(true);
    expect(v.stats()).toMatchObject({ tokenCacheHits: 1, tokenCacheMisses: 2, tokenCacheSize: 1 });
  });

  it('never serves a token past its exp (token without iat)', async () => {
    const v = makeVerifier();
    const jwt = token({ claims: { iat: undefined, exp: NOW + 30 } });
    await v.verify(jwt);
    clockSec = NOW + 29;
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(true);
    clockSec = NOW + 30;
    await expectCode(v.verify(jwt), 'expired');
    expect(v.stats().tokenCacheSize).toBe(0);
  });

  it('never serves a token past its exp (token with iat), even with a clock leeway', async () => {
    const v = makeVerifier({ clockLeewaySeconds: 120 });
    const jwt = token({ claims: { iat: NOW - 100, exp: NOW + 30 } });
    await v.verify(jwt);
    clockSec = NOW + 31;
    // Still accepted thanks to the leeway, but re-verified: the cache entry ended at exp.
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(false);
  });

  it('caps an entry at the configured max TTL', async () => {
    const v = makeVerifier({ tokenCacheMaxTtlSeconds: 5 });
    const jwt = token();
    await v.verify(jwt);
    clockSec = NOW + 4;
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(true);
    clockSec = NOW + 5;
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(false);
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(true);
  });

  it('does not serve a hit whose kid has left the JWKS', async () => {
    const other = testKey('rotated');
    const store = createJwksKeyStore({ jwksUri: server.url, now: clock, softMaxAgeMs: 60_000 });
    const v = makeVerifier({ keyStore: store });
    const jwt = token();
    await v.verify(jwt);
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(true);
    server.body = { keys: [other.jwk] };
    clockSec = NOW + 61;
    await store.prefetch();
    expect(store.getCachedKey(key.kid)).toBeUndefined();
    await expectCode(v.verify(jwt), 'unknown_kid');
    expect(v.stats().tokenCacheSize).toBe(0);
  });

  it('is bounded in size', async () => {
    const v = makeVerifier({ tokenCacheSize: 3 });
    for (let i = 0; i < 5; i++) await v.verify(token({ claims: { jti: `t${i}` } }));
    expect(v.stats().tokenCacheSize).toBe(3);
  });

  it('can be disabled', async () => {
    const v = makeVerifier({ tokenCacheSize: 0 });
    const jwt = token();
    await v.verify(jwt);
    expect((await v.verifyDetailed(jwt)).cacheHit).toBe(false);
    expect(v.stats().tokenCacheSize).toBe(0);
  });

  it('does not cache rejected tokens', async () => {
    const v = makeVerifier();
    const jwt = token({ claims: { iss: 'https://evil.test' } });
    await expectCode(v.verify(jwt), 'issuer');
    await expectCode(v.verify(jwt), 'issuer');
    expect(v.stats().tokenCacheSize).toBe(0);
  });
});
