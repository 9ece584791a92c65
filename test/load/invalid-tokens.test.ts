// The invalid set the `invalid` and `mixed` scenarios send: every member must really be invalid, and the
// ones built from a real token must differ from it only where intended.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken } from '../../fixtures/tokens.js';
import { invalidAuthorizations } from '../../load/invalid-tokens.js';
import { nodeTokenTools } from '../../load/local/tokens.js';

const valid = signToken();
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('invalid authorizations', () => {
  const set = invalidAuthorizations(
    { validToken: valid, jwksText: '{"keys":[]}', expiredToken: 'a.b.c' },
    nodeTokenTools,
  );
  const byLabel = new Map(set.map((x) => [x.label, x.header]));

  it('never contains the valid bearer token itself and has no duplicates', () => {
    expect(set.map((x) => x.header)).not.toContain(`Bearer ${valid}`);
    expect(new Set(set.map((x) => x.header)).size).toBe(set.length);
    expect(set.length).toBe(18);
  });

  it('escalates scope while keeping the original signature', () => {
    const [h, p, s] = byLabel.get('scope escalated, original signature')!.slice(7).split('.');
    const [vh, , vs] = valid.split('.');
    expect([h, s]).toEqual([vh, vs]);
    expect(decode(p!).scope).toBe('products/read products/write');
  });

  it('builds alg none with an empty signature and an HS256 token keyed by the JWKS text', () => {
    const none = byLabel.get('alg none')!.slice(7).split('.');
    expect(decode(none[0]!).alg).toBe('none');
    expect(none[2]).toBe('');
    const [h, p, s] = byLabel.get('RS256 -> HS256 key confusion')!.slice(7).split('.');
    expect(decode(h!).alg).toBe('HS256');
    expect(s).toBe(createHmac('sha256', '{"keys":[]}').update(`${h}.${p}`).digest('base64url'));
  });

  it('includes the caller-provided expired token and header-level garbage', () => {
    expect(byLabel.get('expired, valid signature')).toBe('Bearer a.b.c');
    expect(byLabel.get('no Bearer prefix')).toBe(valid);
    expect(byLabel.get('oversized')!.length).toBeGreaterThan(9000);
  });

  it('rejects a non-JWS input token', () => {
    expect(() => invalidAuthorizations({ validToken: 'nope' }, nodeTokenTools)).toThrow('not a compact JWS');
  });
});
