import { describe, expect, it } from 'vitest';
import { IssuerError } from '../../../../core/issuer/errors.js';
import {
  MAX_BODY_BYTES,
  parseBasicAuth,
  parseTokenRequest,
  type TokenHttpRequest,
} from '../../../../core/issuer/tokens/token-request.js';
import { basicAuth } from '../../../support/basic-auth.js';

const FORM = 'application/x-www-form-urlencoded';
const basic = basicAuth;

function req(over: Partial<TokenHttpRequest> = {}): TokenHttpRequest {
  return {
    method: 'POST',
    headers: { 'Content-Type': FORM, Authorization: basic('kg_id', 'secret') },
    body: 'grant_type=client_credentials',
    isBase64Encoded: false,
    ...over,
  };
}

function failure(r: TokenHttpRequest): { code: string; description: string } {
  try {
    parseTokenRequest(r);
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError);
    return { code: (err as IssuerError).code, description: (err as IssuerError).description };
  }
  throw new Error('expected an IssuerError');
}

describe('token request parsing', () => {
  it('reads Basic credentials and the optional scope', () => {
    expect(parseTokenRequest(req())).toEqual({
      clientId: 'kg_id',
      clientSecret: 'secret',
      authMethod: 'client_secret_basic',
      scopes: undefined,
    });
    expect(
      parseTokenRequest(req({ body: 'grant_type=client_credentials&scope=products%2Fread+products/write' })),
    ).toMatchObject({ scopes: ['products/read', 'products/write'] });
  });

  it('reads client_secret_post credentials', () => {
    const r = parseTokenRequest(
      req({
        headers: { 'content-type': FORM },
        body: 'grant_type=client_credentials&client_id=a&client_secret=b%2B',
      }),
    );
    expect(r).toEqual({
      clientId: 'a',
      clientSecret: 'b+',
      authMethod: 'client_secret_post',
      scopes: undefined,
    });
  });

  it('decodes base64 bodies (API Gateway isBase64Encoded)', () => {
    const body = Buffer.from('grant_type=client_credentials&scope=products/read').toString('base64');
    expect(parseTokenRequest(req({ body, isBase64Encoded: true })).scopes).toEqual(['products/read']);
  });

  it('form-decodes Basic id and secret: colons, percent signs and + as space', () => {
    const secret = 'a:b%c+d e/=?&';
    const parsed = parseBasicAuth(basic('id:with:colons', secret));
    expect(parsed).toEqual({ clientId: 'id:with:colons', clientSecret: secret });
    // Split at the first raw colon: an unencoded colon in the secret stays in the secret.
    const raw = `Basic ${Buffer.from('kg_id:p:a:ss').toString('base64')}`;
    expect(parseBasicAuth(raw)).toEqual({ clientId: 'kg_id', clientSecret: 'p:a:ss' });
    expect(parseBasicAuth(`bAsIc   ${Buffer.from('x:y+z').toString('base64')}`)).toEqual({
      clientId: 'x',
      clientSecret: 'y z',
    });
    expect(parseBasicAuth(`Basic ${Buffer.from('é:%C3%A9').toString('base64')}`)).toEqual({
      clientId: 'é',
      clientSecret: 'é',
    });
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
  });

  it.each([
    ['no credentials', 'Basic'],
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('nocolon').toString('base64')}`],
    ['a bad percent escape', `Basic ${Buffer.from('id:%zz').toString('base64')}`],
    ['credentials that are not UTF-8', `Basic ${Buffer.from([0x69, 0x3a, 0xff]).toString('base64')}`],
  ])('rejects malformed Basic credentials (%s) as invalid_request', (_name, value) => {
    expect(failure(req({ headers: { 'content-type': FORM, authorization: value } })).code).toBe(
      'invalid_request',
    );
  });

  it('answers invalid_client when there is no client authentication', () => {
    const noAuth = { headers: { 'content-type': FORM } };
    expect(failure(req(noAuth)).code).toBe('invalid_client');
    expect(failure(req({ ...noAuth, body: 'grant_type=client_credentials&client_id=a' })).code).toBe(
      'invalid_client',
    );
    expect(failure(req({ headers: { 'content-type': FORM, authorization: 'Bearer x' } })).code).toBe(
      'invalid_client',
    );
    expect(failure(req({ headers: { 'content-type': FORM, authorization: basic('', 'x') } })).code).toBe(
      'invalid_client',
    );
  });

  it('rejects two authentication methods and mismatched client_id', () => {
    expect(failure(req({ body: 'grant_type=client_credentials&client_secret=x' })).code).toBe(
      'invalid_request',
    );
    expect(failure(req({ body: 'grant_type=client_credentials&client_id=other' })).code).toBe(
      'invalid_request',
    );
    expect(parseTokenRequest(req({ body: 'grant_type=client_credentials&client_id=kg_id' })).clientId).toBe(
      'kg_id',
    );
    expect(
      failure(
        req({ headers: { 'content-type': FORM }, body: 'grant_type=client_credentials&client_secret=x' }),
      ).code,
    ).toBe('invalid_request');
  });

  it('requires POST', () => {
    expect(failure(req({ method: 'GET' })).code).toBe('invalid_request');
  });

  it.each([undefined, 'application/json', 'text/plain', `${FORM}; charset=iso-8859-1`])(
    'refuses the content type %s as invalid_request',
    (ct) => {
      expect(
        failure(req({ headers: { ...(ct ? { 'content-type': ct } : {}), authorization: basic('a', 'b') } }))
          .code,
      ).toBe('invalid_request');
    },
  );

  it.each([`${FORM};charset=UTF-8`, 'Application/X-WWW-Form-Urlencoded', `${FORM}; charset="utf-8"`])(
    'accepts the content type %s',
    (ct) => {
      expect(
        parseTokenRequest(req({ headers: { 'content-type': ct, authorization: basic('a', 'b') } })).clientId,
      ).toBe('a');
    },
  );

  it('rejects repeated parameters and repeated headers', () => {
    expect(failure(req({ body: 'grant_type=client_credentials&grant_type=client_credentials' })).code).toBe(
      'invalid_request',
    );
    expect(failure(req({ body: 'grant_type=client_credentials&scope=a&scope=b' })).code).toBe(
      'invalid_request',
    );
    expect(
      failure(
        req({
          multiValueHeaders: { Authorization: [basic('a', 'b'), basic('c', 'd')] },
        }),
      ).code,
    ).toBe('invalid_request');
  });

  it('rejects oversized, non-UTF-8 and malformed bodies', () => {
    const big = `grant_type=client_credentials&pad=${'a'.repeat(MAX_BODY_BYTES)}`;
    expect(failure(req({ body: big })).description).toBe('request body is too large');
    expect(failure(req({ body: Buffer.from(big).toString('base64'), isBase64Encoded: true })).code).toBe(
      'invalid_request',
    );
    const latin1 = Buffer.concat([Buffer.from('grant_type=client_credentials&x='), Buffer.from([0xe9])]);
    expect(failure(req({ body: latin1.toString('base64'), isBase64Encoded: true })).description).toBe(
      'request body is not valid UTF-8',
    );
    expect(failure(req({ body: 'grant_type=client_credentials&x=%FF' })).code).toBe('invalid_request');
    expect(failure(req({ body: 'grant_type=client_credentials&x=%G1' })).code).toBe('invalid_request');
    expect(failure(req({ body: 'grant_type=client_credentials&x=\ufffd' })).code).toBe('invalid_request');
    expect(failure(req({ body: '***not base64***', isBase64Encoded: true })).code).toBe('invalid_request');
  });

  it('distinguishes a missing grant_type from an unsupported one', () => {
    expect(failure(req({ body: '' })).code).toBe('invalid_request');
    expect(failure(req({ body: null })).code).toBe('invalid_request');
    expect(failure(req({ body: 'grant_type=' })).code).toBe('invalid_request');
    expect(failure(req({ body: 'grant_type=password' })).code).toBe('unsupported_grant_type');
    expect(failure(req({ body: 'grant_type=Client_Credentials' })).code).toBe('unsupported_grant_type');
  });

  it.each(['a%20%20b', '%20a', 'a%20', 'a%22b', 'a%5Cb', 'a%09b', 'caf%C3%A9'])(
    'refuses the scope %s (RFC 6749 §3.3 syntax) as invalid_scope',
    (scope) => {
      expect(failure(req({ body: `grant_type=client_credentials&scope=${scope}` })).code).toBe(
        'invalid_scope',
      );
    },
  );

  it('treats an empty scope as omitted and collapses repeated scopes', () => {
    expect(parseTokenRequest(req({ body: 'grant_type=client_credentials&scope=' })).scopes).toBeUndefined();
    expect(parseTokenRequest(req({ body: 'grant_type=client_credentials&scope=a+a+b' })).scopes).toEqual([
      'a',
      'b',
    ]);
  });

  it.each(['client_secret', 'client_id', 'grant_type', 'scope'])(
    'refuses %s in the query string as invalid_request',
    (name) => {
      expect(failure(req({ query: { [name]: 'x' } })).code).toBe('invalid_request');
    },
  );

  it('ignores unrelated query parameters', () => {
    expect(parseTokenRequest(req({ query: { unrelated: '1' } })).clientId).toBe('kg_id');
  });

  it('error descriptions stay within the RFC 6749 character set for hostile parameter names', () => {
    const hostile = `grant_type=client_credentials&%22%5C%E2%9C%93=1&%22%5C%E2%9C%93=2`;
    expect(failure(req({ body: hostile })).description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  });
});

describe('token request resource parameter (RFC 8707)', () => {
  const body = (extra: string) => `grant_type=client_credentials&${extra}`;

  it('reads one resource, percent-decoded', () => {
    expect(
      parseTokenRequest(req({ body: body('resource=https%3A%2F%2Forders.example.com%2Fv1') })),
    ).toMatchObject({ resource: 'https://orders.example.com/v1' });
  });

  it('treats an empty resource as omitted (RFC 6749 §3.1)', () => {
    expect(parseTokenRequest(req({ body: body('resource=') }))).not.toHaveProperty('resource');
  });

  it.each([
    [
      'two resources: one audience per client-credentials token',
      'resource=https://a.example&resource=https://b.example',
    ],
    ['the same resource twice', 'resource=https://a.example&resource=https://a.example'],
    ['a fragment', 'resource=https%3A%2F%2Fa.example%23frag'],
    ['a relative reference', 'resource=orders'],
    ['a space', 'resource=https%3A%2F%2Fa.example%2Fa%20b'],
  ])('refuses %s with invalid_target', (_, extra) => {
    expect(failure(req({ body: body(extra) })).code).toBe('invalid_target');
  });

  it('refuses resource in the URL (grant parameters travel in the body)', () => {
    expect(failure(req({ query: { resource: 'https://a.example' } })).code).toBe('invalid_request');
  });
});
