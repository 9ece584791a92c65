// The authorizer's revocation list against a real HTTP server on loopback: parsing, the refresh interval
// on an injected clock, single flight, the bounded download, and the stale limit after which it refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRevocationList,
  MAX_REVOKED_TOKENS_PER_CLIENT,
  parseRevocationDocument,
  parseRevokedJtis,
  RevocationError,
  revocationPropagationSeconds,
  toRevocationDocument,
} from '../../../core/revocation/index.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';

let server: JwksServer;
beforeAll(async () => {
  server = await startJwksServer('{"disabled":[],"revoked_at":{}}');
});
afterAll(() => server.close());

function list(clock: { t: number }, maxStaleMs = 60_000) {
  server.mode = 'ok';
  return createRevocationList({
    uri: server.url,
    refreshMs: 10_000,
    maxStaleMs,
    fetchTimeoutMs: 500,
    clock: () => clock.t,
  });
}

describe('document', () => {
  it('round-trips registry revocations: disabled clients lose every token, others tokens up to revoked_at', () => {
    const doc = toRevocationDocument([
      { clientId: 'b', all: true, revokedAt: 5 },
      { clientId: 'a', all: false, revokedAt: 100 },
    ]);
    expect(doc).toEqual({ disabled: ['b'], revoked_at: { a: 100 } });
    expect([...parseRevocationDocument(doc)]).toEqual([
      ['a', 100],
      ['b', Number.POSITIVE_INFINITY],
    ]);
  });

  it.each([
    ['not an object', '[]'],
    ['disabled not a list', { disabled: 'x', revoked_at: {} }],
    ['a non-string id', { disabled: [1], revoked_at: {} }],
    ['revoked_at missing', { disabled: [] }],
    ['a fractional time', { disabled: [], revoked_at: { a: 1.5 } }],
    ['a string time', { disabled: [], revoked_at: { a: '1' } }],
  ])('refuses a document with %s', (_name, doc) => {
    expect(() => parseRevocationDocument(doc)).toThrow(TypeError);
  });

  it('carries single revoked tokens (RFC 7009) as revoked_jti, only when there are some', () => {
    const doc = toRevocationDocument([
      { clientId: 'a', jti: 'j2', exp: 2000 },
      { clientId: 'b', all: true, revokedAt: 5 },
      { clientId: 'a', jti: 'j1', exp: 3000 },
    ]);
    expect(doc).toEqual({ disabled: ['b'], revoked_at: {}, revoked_jti: ['j1', 'j2'] });
    expect([...parseRevokedJtis(doc)]).toEqual(['j1', 'j2']);
    expect(toRevocationDocument([])).toEqual({ disabled: [], revoked_at: {} });
    expect(parseRevokedJtis({ disabled: [], revoked_at: {} }).size).toBe(0);
  });

  it('turns a client past the per-client cap into a revoked_at cutoff at its newest revoked iat, other clients untouched', () => {
    const many = Array.from({ length: MAX_REVOKED_TOKENS_PER_CLIENT + 1 }, (_, i) => ({
      clientId: 'flood',
      jti: `f${i}`,
      exp: 9000,
      iat: 1000 + i,
    }));
    const doc = toRevocationDocument([
      ...many,
      { clientId: 'flood', all: false, revokedAt: 50 },
      { clientId: 'calm', jti: 'c1', exp: 9000, iat: 10 },
    ]);
    expect(doc).toEqual({
      disabled: [],
      revoked_at: { flood: 1000 + MAX_REVOKED_TOKENS_PER_CLIENT },
      revoked_jti: ['c1'],
    });
    // At the cap exactly, the jtis are listed one by one.
    const atCap = toRevocationDocument(many.slice(1));
    expect([atCap.revoked_jti?.length, atCap.revoked_at]).toEqual([MAX_REVOKED_TOKENS_PER_CLIENT, {}]);
  });

  it.each([
    ['an object', { j1: 2000 }],
    ['null', null],
    ['a string', 'j1'],
    ['a list with a number', ['j1', 2]],
  ])('refuses revoked_jti given as %s', (_name, member) => {
    expect(() => parseRevokedJtis({ disabled: [], revoked_at: {}, revoked_jti: member })).toThrow(TypeError);
  });

  it('states the propagation time from its parts', () => {
    expect(revocationPropagationSeconds()).toBe(21);
    expect(revocationPropagationSeconds(0, 3)).toBe(4);
  });
});

describe('createRevocationList', () => {
  it('is due before its first load and for refreshMs after each load', async () => {
    const clock = { t: 1000 };
    const l = list(clock);
    expect(l.due()).toBe(true);
    await l.refresh();
    expect(l.due()).toBe(false);
    clock.t += 9_999;
    expect(l.due()).toBe(false);
    clock.t += 1;
    expect(l.due()).toBe(true);
  });

  it('revokes tokens issued at or before revoked_at, every token of a disabled client, and tokens without iat', async () => {
    server.body = { disabled: ['gone'], revoked_at: { leaked: 1000 } };
    const l = list({ t: 0 });
    await l.refresh();
    expect(l.isRevoked('leaked', 999)).toBe(true);
    expect(l.isRevoked('leaked', 1000)).toBe(true);
    expect(l.isRevoked('leaked', 1001)).toBe(false);
    expect(l.isRevoked('leaked', undefined)).toBe(true);
    expect(l.isRevoked('gone', 9_999_999_999)).toBe(true);
    expect(l.isRevoked('other', 1)).toBe(false);
    expect(l.stats()).toEqual({ loads: 1, loadFailures: 0, entries: 2 });
  });

  it('revokes a listed jti whatever its client and iat, and no other token of that client', async () => {
    server.body = { disabled: [], revoked_at: {}, revoked_jti: ['j1'] };
    const l = list({ t: 0 });
    await l.refresh();
    expect(l.isRevoked('a', 4000, 'j1')).toBe(true);
    expect(l.isRevoked('a', 4000, 'j2')).toBe(false);
    expect(l.isRevoked('a', 4000, undefined)).toBe(false);
    expect(l.stats().entries).toBe(1);
  });

  it('shares one download between concurrent refreshes', async () => {
    server.body = { disabled: [], revoked_at: {} };
    const before = server.requests;
    const l = list({ t: 0 });
    await Promise.all([l.refresh(), l.refresh(), l.refresh()]);
    expect(server.requests - before).toBe(1);
  });

  it('keeps the last list through failures until maxStale, then refuses with RevocationError', async () => {
    server.body = { disabled: [], revoked_at: { leaked: 1000 } };
    const clock = { t: 0 };
    const l = list(clock, 30_000);
    await l.refresh();
    server.mode = 'error500';
    clock.t = 10_000;
    await l.refresh();
    expect(l.isRevoked('leaked', 1000)).toBe(true);
    expect(l.stats().loadFailures).toBe(1);
    // A failed load backs off for a second: calls meanwhile decide on the old list without waiting.
    expect(l.due()).toBe(false);
    clock.t = 30_001;
    await expect(l.refresh()).rejects.toBeInstanceOf(RevocationError);
    server.mode = 'ok';
    clock.t = 31_002;
    await l.refresh();
    expect(l.due()).toBe(false);
  });

  it("stays due while it has no copy, through a failed first load's backoff, and refuses each refresh", async () => {
    server.mode = 'error500';
    const clock = { t: 0 };
    const l = createRevocationList({
      uri: server.url,
      refreshMs: 10_000,
      maxStaleMs: 30_000,
      fetchTimeoutMs: 500,
      clock: () => clock.t,
    });
    await expect(l.refresh()).rejects.toBeInstanceOf(RevocationError);
    clock.t = 500;
    const requests = server.requests;
    expect(l.due()).toBe(true);
    // Within the backoff: no new download, and still no copy to decide with.
    await expect(l.refresh()).rejects.toBeInstanceOf(RevocationError);
    expect([server.requests - requests, l.stats().loadFailures]).toEqual([0, 1]);
    server.mode = 'ok';
  });

  it.each([
    ['an oversized body', 'x'.repeat(1_000_001)],
    ['HTML', '<html>'],
    ['a malformed document', '{"disabled":{}}'],
  ])('counts %s as a failed load', async (_name, body) => {
    server.body = body;
    const l = list({ t: 0 });
    await expect(l.refresh()).rejects.toBeInstanceOf(RevocationError);
    expect(l.stats().loadFailures).toBe(1);
  });

  it('refuses a plain-http URI that is not loopback', () => {
    expect(() =>
      createRevocationList({
        uri: 'http://auth.example/revocations',
        refreshMs: 1,
        maxStaleMs: 1,
        fetchTimeoutMs: 1,
      }),
    ).toThrow('revocationsUri must use https (http is allowed only for loopback hosts)');
  });
});
