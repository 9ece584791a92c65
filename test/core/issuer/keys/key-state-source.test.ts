// The Lambdas' cached view of the key state: the deployed keys until a state exists, a re-read only after
// the TTL, one read for concurrent callers, the last known keys while the store fails, a 503-class error
// when it fails before any read succeeded.
import { describe, expect, it } from 'vitest';
import { IssuerError, KeyRotationError } from '../../../../core/issuer/errors.js';
import type { KeyState } from '../../../../core/issuer/keys/key-state.js';
import { createKeyStateSource } from '../../../../core/issuer/keys/key-state-source.js';

const INITIAL = { signingKeyId: 'arn:k1', publishedKeyIds: ['arn:k1'] };
const stateWith = (signingKeyId: string): KeyState => ({
  signingKeyId,
  publishedKeyIds: [signingKeyId],
  version: 1,
  updatedAt: 0,
});

function fixture() {
  let clock = 0;
  let reads = 0;
  let next: () => Promise<KeyState | undefined> = async () => undefined;
  const source = createKeyStateSource({
    store: {
      read: () => {
        reads += 1;
        return next();
      },
    },
    initial: INITIAL,
    ttlSeconds: 10,
    now: () => clock,
  });
  return {
    source,
    reads: () => reads,
    advance(ms: number) {
      clock += ms;
    },
    answer(fn: () => Promise<KeyState | undefined>) {
      next = fn;
    },
  };
}

describe('key state source', () => {
  it('answers the deployed keys until a rotation writes a state, then the state', async () => {
    const f = fixture();
    expect(await f.source.current()).toEqual(INITIAL);
    f.answer(async () => stateWith('arn:k2'));
    f.advance(9_999);
    expect(await f.source.current()).toEqual(INITIAL);
    f.advance(1);
    expect(await f.source.current()).toEqual({ signingKeyId: 'arn:k2', publishedKeyIds: ['arn:k2'] });
    expect(f.reads()).toBe(2);
  });

  it('reads once for concurrent callers', async () => {
    const f = fixture();
    await Promise.all([f.source.current(), f.source.current(), f.source.current()]);
    expect(f.reads()).toBe(1);
  });

  it('keeps the last known keys while the store fails', async () => {
    const f = fixture();
    f.answer(async () => stateWith('arn:k2'));
    await f.source.current();
    f.answer(async () => {
      throw new Error('down');
    });
    f.advance(60_000);
    expect((await f.source.current()).signingKeyId).toBe('arn:k2');
  });

  it.each([
    ['an outage', new Error('ECONNREFUSED'), 'dependency_unavailable'],
    ['a corrupt item', new KeyRotationError('corrupt_state', 'bad'), 'internal'],
  ])('fails a cold read during %s with IssuerError %s', async (_what, failure, code) => {
    const f = fixture();
    f.answer(async () => {
      throw failure;
    });
    const err = await f.source.current().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerError);
    expect(err).toMatchObject({ code, cause: failure });
  });
});
