// The JWKS publisher against the emulator: published JWKs, dedupe by kid, strong ETag, single flight,
// failures not cached, retired keys left out; tokens from the KMS signer verify with jose against it.
import { DisableKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IssuerError } from '../../../../core/issuer/errors.js';
import { ifNoneMatchMatches } from '../../../../core/issuer/etag.js';
import { createJwksPublisher } from '../../../../core/issuer/keys/jwks-publisher.js';
import { createKmsSigner } from '../../../../core/issuer/keys/kms-signer.js';
import { createTokenMinter } from '../../../../core/issuer/tokens/token-minter.js';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../../../fixtures/tokens.js';
import type { KmsEmulator } from '../../../../local/kms/index.js';
import { startTestKms, type TestKms } from '../../../support/kms.js';

let testKms: TestKms;
let emu: KmsEmulator;
let kms: KMSClient;
let active: { keyId: string; arn: string };
let next: { keyId: string; arn: string };

beforeAll(async () => {
  testKms = await startTestKms({ alias: 'alias/active' });
  ({ emu, kms } = testKms);
  active = testKms;
  next = await emu.createKey();
});

afterAll(() => testKms.close());

afterEach(() => testKms.reset());

const fast = { sleep: async () => undefined };

describe('createJwksPublisher', () => {
  it('publishes each key once (same key by alias and ARN) with a strong ETag', async () => {
    const publisher = createJwksPublisher({ kms, keyIds: ['alias/active', active.arn, next.keyId], ...fast });
    const doc = await publisher.document();
    expect(doc.keys).toHaveLength(2);
    for (const jwk of doc.keys) {
      expect(Object.keys(jwk)).toEqual(['kty', 'n', 'e', 'use', 'alg', 'kid']);
      expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig', alg: 'RS256' });
      expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(doc.body).toBe(JSON.stringify({ keys: doc.keys }));
    expect(doc.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(ifNoneMatchMatches(doc.etag, doc.etag)).toBe(true);
  });

  it('computes the document once, for concurrent and later callers', async () => {
    const publisher = createJwksPublisher({ kms, keyIds: [active.keyId], ...fast });
    const docs = await Promise.all([publisher.document(), publisher.document(), publisher.document()]);
    expect(await publisher.document()).toBe(docs[0]);
    expect(docs[1]).toBe(docs[0]);
    expect(emu.calls.GetPublicKey).toBe(1);
  });

  it('does not cache a failure: the next call fetches again', async () => {
    emu.faults.failAll = true;
    const publisher = createJwksPublisher({ kms, keyIds: [active.keyId], maxAttempts: 2, ...fast });
    const error = (await publisher.document().catch((e) => e)) as IssuerError;
    expect(error).toBeInstanceOf(IssuerError);
    expect(error.code).toBe('dependency_unavailable');
    expect(emu.calls.GetPublicKey).toBe(2);
    emu.faults.failAll = false;
    expect((await publisher.document()).keys).toHaveLength(1);
  });

  it('fails with dependency_throttled when GetPublicKey stays throttled', async () => {
    emu.faults.throttleEveryN = 1;
    const publisher = createJwksPublisher({ kms, keyIds: [active.keyId], ...fast });
    expect(((await publisher.document().catch((e) => e)) as IssuerError).code).toBe('dependency_throttled');
    expect(emu.calls.GetPublicKey).toBe(3);
  });

  it('leaves out a retired (disabled or missing) key and reports it, but never publishes nothing', async () => {
    const retired = await emu.createKey();
    await kms.send(new DisableKeyCommand({ KeyId: retired.keyId }));
    const skipped: string[] = [];
    const publisher = createJwksPublisher({
      kms,
      keyIds: [active.keyId, retired.keyId, 'alias/gone'],
      onKeySkipped: (keyId) => skipped.push(keyId),
      ...fast,
    });
    expect((await publisher.document()).keys).toHaveLength(1);
    expect(skipped.sort()).toEqual([retired.keyId, 'alias/gone'].sort());
    const none = createJwksPublisher({ kms, keyIds: ['alias/gone'], ...fast });
    const error = (await none.document().catch((e) => e)) as IssuerError;
    expect([error.code, error.description]).toEqual(['internal', 'no published key is usable']);
  });

  it('requires at least one key id', () => {
    expect(() => createJwksPublisher({ kms, keyIds: [] })).toThrow('keyIds');
  });

  it('tokens signed through KMS verify with jose against the published set', async () => {
    const signer = createKmsSigner({ kms, keyId: 'alias/active' });
    const minter = createTokenMinter({ signer, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
    const { accessToken } = await minter.mint({
      clientId: 'svc',
      scopes: ['products/read'],
      lifetimeSeconds: 300,
    });
    const doc = await createJwksPublisher({ kms, keyIds: [next.keyId, active.keyId] }).document();
    const { payload, protectedHeader } = await jwtVerify(
      accessToken,
      createLocalJWKSet(JSON.parse(doc.body)),
      {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        typ: 'at+jwt',
        algorithms: ['RS256'],
      },
    );
    expect(protectedHeader.kid).toBe(await signer.getKid());
    expect(payload.client_id).toBe('svc');
  });
});
