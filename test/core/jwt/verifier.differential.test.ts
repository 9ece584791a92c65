// Differential property test: keygate's verifier against jose.jwtVerify configured with the same rules, over
// thousands of valid and mutated tokens (header, claims, signature and encoding mutations).
//
// Where keygate is deliberately stricter than jose (documented below and in core/jwt/verifier.ts), the
// property is one-sided: keygate must reject, and must never accept what jose rejects. Everywhere else both
// accept or both reject.

import fc from 'fast-check';
import { type CryptoKey, errors, importJWK, type JWTHeaderParameters, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createJwksKeyStore, createVerifier, type Verifier } from '../../../core/jwt/index.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import {
  accessTokenParts,
  b64url,
  signRaw,
  TEST_AUDIENCE,
  TEST_ISSUER,
  testKey,
} from '../../../fixtures/tokens.js';

const NOW = 1_800_000_000;
const key = testKey();
const other = testKey('attacker');
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

let server: JwksServer;
let joseKey: CryptoKey;
const verifiers = new Map<number, Verifier>();

beforeAll(async () => {
  server = await startJwksServer({ keys: [key.jwk] });
  const keyStore = createJwksKeyStore({ jwksUri: server.url, now: () => NOW * 1000 });
  await keyStore.prefetch();
  for (const leeway of [0, 30]) {
    verifiers.set(
      leeway,
      createVerifier({
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        keyStore,
        clockLeewaySeconds: leeway,
        tokenCacheSize: 0,
        now: () => NOW * 1000,
      }),
    );
  }
  joseKey = (await importJWK(key.jwk, 'RS256')) as CryptoKey;
});
afterAll(() => server.close());

const absent = undefined;
const headerMutations = fc.record({
  alg: fc.constantFrom('RS256', 'RS256', 'RS256', 'rs256', 'none', 'NONE', 'HS256', 'RS512', absent),
  typ: fc.constantFrom(
    'at+jwt',
    'at+jwt',
    'application/at+jwt',
    'AT+JWT',
    'JWT',
    'jwt',
    'at+jwt ',
    absent,
    7,
  ),
  kid: fc.constantFrom(key.kid, key.kid, key.kid, other.kid, absent, 42, `${key.kid} `),
  extra: fc.constantFrom(
    {},
    {},
    {},
    { jku: 'https://evil.test/jwks' },
    { x5u: 'https://evil.test/c' },
    { jwk: other.jwk },
    { x5c: ['MIIB'] },
    { crit: ['exp'], exp: 1 },
    { crit: ['b64'], b64: true },
    { cty: 'JWT' },
  ),
});

const claimMutations = fc.record({
  iss: fc.constantFrom(TEST_ISSUER, TEST_ISSUER, TEST_ISSUER, `${TEST_ISSUER}/`, absent, 42),
  aud: fc.constantFrom<unknown>(
    TEST_AUDIENCE,
    TEST_AUDIENCE,
    [TEST_AUDIENCE],
    ['x', TEST_AUDIENCE],
    'x',
    [],
    absent,
    5,
    ['x', 5, TEST_AUDIENCE],
  ),
  exp: fc.constantFrom<unknown>(
    NOW + 3600,
    NOW + 3600,
    NOW + 1,
    NOW,
    NOW - 1,
    NOW - 30,
    NOW - 31,
    `${NOW + 3600}`,
    absent,
    null,
    Number.POSITIVE_INFINITY,
  ),
  nbf: fc.constantFrom<unknown>(absent, absent, NOW, NOW + 1, NOW + 30, NOW + 31, 'soon'),
  iat: fc.constantFrom<unknown>(NOW, NOW, absent, NOW - 100, NOW + 100, 'now'),
  sub: fc.constantFrom<unknown>('client-1', 'client-1', '', absent, 5),
  client_id: fc.constantFrom<unknown>('client-1', 'client-1', '', absent, ['client-1']),
  scope: fc.constantFrom<unknown>('products/read', 'a b', absent, '', 'a  b', ' a', 'a"b', 5),
  jti: fc.constantFrom<unknown>('jti-1', absent, 9),
});

type TokenMutation =
  | 'none'
  | 'other_key'
  | 'flip_signature'
  | 'truncate_signature'
  | 'append_signature'
  | 'pad_signature'
  | 'noncanonical_signature'
  | 'whitespace'
  | 'five_parts'
  | 'plus_in_payload'
  | 'swap_payload_case'
  | 'empty_signature'
  | 'lookalike';
const tokenMutations = fc.constantFrom<TokenMutation>(
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'other_key',
  'flip_signature',
  'truncate_signature',
  'append_signature',
  'pad_signature',
  'noncanonical_signature',
  'whitespace',
  'five_parts',
  'plus_in_payload',
  'swap_payload_case',
  'empty_signature',
  'lookalike',
);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function mutate(token: string, mutation: TokenMutation, position: number): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  switch (mutation) {
    case 'none':
    case 'other_key':
      return token;
    case 'flip_signature': {
      const sig = Buffer.from(s, 'base64url');
      sig[position % sig.length]! ^= 1 << (position % 8);
      return `${h}.${p}.${sig.toString('base64url')}`;
    }
    case 'truncate_signature':
      return `${h}.${p}.${s.slice(0, -1 - (position % 8))}`;
    case 'append_signature':
      return `${h}.${p}.${s}A`;
    case 'pad_signature':
      return `${h}.${p}.${s}==`;
    case 'noncanonical_signature': {
      const last = ALPHABET.indexOf(s.at(-1)!);
      return `${h}.${p}.${s.slice(0, -1)}${ALPHABET[last + 1 + (position % 15)]}`;
    }
    case 'whitespace': {
      const at = position % token.length;
      return `${token.slice(0, at)} ${token.slice(at)}`;
    }
    case 'five_parts':
      return `${h}.${b64url('k')}.${b64url('iv')}.${p}.${s}`;
    case 'plus_in_payload': {
      const at = position % p.length;
      return `${h}.${p.slice(0, at)}+${p.slice(at + 1)}.${s}`;
    }
    case 'swap_payload_case': {
      const at = position % p.length;
      const c = p[at]!;
      const swapped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      return `${h}.${p.slice(0, at)}${swapped}${p.slice(at + 1)}.${s}`;
    }
    case 'empty_signature':
      return `${h}.${p}.`;
    case 'lookalike': {
      // A character whose low byte is the genuine one (U+0141 for 'A'), anywhere in the token.
      const at = position % token.length;
      if (token[at] === '.') return token;
      return `${token.slice(0, at)}${String.fromCharCode(0x100 + token.charCodeAt(at))}${token.slice(at + 1)}`;
    }
  }
}

/** Rules where keygate deliberately rejects what jose (configured as below) accepts. */
function keygateStricter(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  token: string,
): string[] {
  const reasons: string[] = [];
  for (const name of ['jku', 'x5u', 'jwk', 'x5c'])
    if (header[name] !== undefined) reasons.push(`${name} header`);
  // jose understands the b64 extension (RFC 7797); keygate understands none.
  if (header.crit !== undefined) reasons.push('crit');
  for (const name of ['sub', 'client_id']) {
    if (typeof claims[name] !== 'string' || claims[name] === '')
      reasons.push(`${name} not a non-empty string`);
  }
  const scope = claims.scope;
  if (scope !== undefined && (typeof scope !== 'string' || (scope !== '' && !SCOPE.test(scope)))) {
    reasons.push('scope syntax');
  }
  if (claims.jti !== undefined && typeof claims.jti !== 'string') reasons.push('jti type');
  // jose checks iat for the future only with maxTokenAge (which would also make iat required).
  if (typeof claims.iat === 'number' && claims.iat > NOW + 30) reasons.push('iat in the future');
  if (typeof claims.iat === 'number' && claims.iat > NOW && claims.iat <= NOW + 30)
    reasons.push('iat vs leeway');
  if (Array.isArray(claims.aud) && claims.aud.some((a) => typeof a !== 'string'))
    reasons.push('aud member type');
  if (claims.exp === Number.POSITIVE_INFINITY) reasons.push('exp not finite');
  // jose decodes the signature with atob, which accepts padding and non-zero spare bits.
  const s = token.split('.')[2];
  if (s !== undefined && Buffer.from(s, 'base64url').toString('base64url') !== s)
    reasons.push('signature encoding');
  return reasons;
}

async function joseAccepts(token: string, leeway: number): Promise<boolean> {
  try {
    await jwtVerify(
      token,
      async (header: JWTHeaderParameters) => {
        if (header.kid !== key.kid) throw new errors.JWKSNoMatchingKey();
        return joseKey;
      },
      {
        algorithms: ['RS256'],
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub', 'client_id'],
        currentDate: new Date(NOW * 1000),
        clockTolerance: leeway,
      },
    );
    return true;
  } catch {
    return false;
  }
}

async function keygateAccepts(token: string, leeway: number): Promise<boolean> {
  try {
    await verifiers.get(leeway)!.verify(token);
    return true;
  } catch (err) {
    expect(err).toMatchObject({ name: 'VerifyError' });
    return false;
  }
}

it('agrees with jose.jwtVerify on thousands of valid and mutated tokens', async () => {
  const tally = { bothAccept: 0, bothReject: 0, keygateStricter: 0 };
  await fc.assert(
    fc.asyncProperty(
      headerMutations,
      claimMutations,
      fc.nat({ max: 255 }),
      tokenMutations,
      fc.nat(),
      fc.constantFrom(0, 30),
      async (h, c, keepMask, mutation, position, leeway) => {
        // Each group of mutations applies with probability 1/4, so many tokens stay valid.
        const { header: baseHeader, claims: baseClaims } = accessTokenParts({ now: NOW });
        const header: Record<string, unknown> = { ...baseHeader };
        if ((keepMask & 3) === 3) Object.assign(header, { alg: h.alg, typ: h.typ, kid: h.kid });
        if ((keepMask & 12) === 12) Object.assign(header, h.extra);
        const claims: Record<string, unknown> = { ...baseClaims };
        const entries = Object.entries(c);
        for (const [i, [name, value]] of entries.entries()) {
          if (((keepMask & 48) === 48 && i % 2 === 0) || ((keepMask & 192) === 192 && i % 2 === 1))
            claims[name] = value;
        }
        for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
        for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name];
        const signer = mutation === 'other_key' ? other : key;
        // JSON.stringify writes Infinity as null; 1e400 is the JSON text that parses to Infinity.
        const payloadJson = JSON.stringify(claims, (_k, v) => (v === Number.POSITIVE_INFINITY ? '@inf' : v));
        const signed = signRaw(
          b64url(header),
          b64url(payloadJson.replace('"@inf"', '1e400')),
          signer.privateKey,
        );
        const token = mutate(signed, mutation, position);

        const [ours, theirs] = [await keygateAccepts(token, leeway), await joseAccepts(token, leeway)];
        const stricter = keygateStricter(header, claims, token);
        if (ours) expect(theirs, 'keygate accepted what jose rejects').toBe(true);
        if (stricter.length > 0) {
          expect(ours, `keygate must reject (${stricter.join(', ')})`).toBe(false);
          if (theirs) tally.keygateStricter++;
          else tally.bothReject++;
          return;
        }
        expect(ours, `verdicts differ for ${mutation}`).toBe(theirs);
        if (ours) tally.bothAccept++;
        else tally.bothReject++;
      },
    ),
    { numRuns: 2000 },
  );
  // Not vacuous: plenty of tokens on each side.
  expect(tally.bothAccept).toBeGreaterThan(150);
  expect(tally.bothReject).toBeGreaterThan(500);
  expect(tally.keygateStricter).toBeGreaterThan(50);
}, 60_000);
