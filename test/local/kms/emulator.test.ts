// The KMS emulator driven by the real @aws-sdk/client-kms: every operation, the error shapes, fault
// injection and persistence across restarts.
import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SignCommandInput,
  TagResourceCommand,
  UpdateAliasCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type KmsEmulator, startKmsEmulator } from '../../../local/kms/index.js';
import { NO_KMS_FAULTS } from '../../support/kms.js';

const client = (url: string) =>
  new KMSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

/** The SDK error's name, message and HTTP status, for exact assertions. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a failure');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

/** Sign of a fixed message as keygate calls it (RS256 over a precomputed digest) unless `extra` says otherwise. */
const signDigest = (KeyId: string, extra: Partial<SignCommandInput> = {}) =>
  kms.send(
    new SignCommand({
      KeyId,
      Message: sha256('x'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      ...extra,
    }),
  );

let emu: KmsEmulator;
let kms: KMSClient;
let keyId: string;
let arn: string;

beforeAll(async () => {
  emu = await startKmsEmulator();
  kms = client(emu.url);
  const created = await kms.send(
    new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Description: 'signing' }),
  );
  keyId = created.KeyMetadata!.KeyId!;
  arn = created.KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/keygate-signing', TargetKeyId: keyId }));
});

afterAll(async () => {
  kms.destroy();
  await emu.close();
});

afterEach(() => {
  Object.assign(emu.faults, NO_KMS_FAULTS);
});

describe('key management', () => {
  it('creates an RSA signing key with full KMS metadata', async () => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(KeyMetadata).toEqual({
      AWSAccountId: '000000000000',
      KeyId: keyId,
      Arn: `arn:aws:kms:us-east-1:000000000000:key/${keyId}`,
      CreationDate: expect.any(Date),
      Enabled: true,
      Description: 'signing',
      KeyUsage: 'SIGN_VERIFY',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'RSA_2048',
      KeySpec: 'RSA_2048',
      // Written out, not RSA_SIGNING_ALGORITHMS: the list real KMS answers for RSA_2048 is the oracle here.
      SigningAlgorithms: [
        'RSASSA_PSS_SHA_256',
        'RSASSA_PSS_SHA_384',
        'RSASSA_PSS_SHA_512',
        'RSASSA_PKCS1_V1_5_SHA_256',
        'RSASSA_PKCS1_V1_5_SHA_384',
        'RSASSA_PKCS1_V1_5_SHA_512',
      ],
      MultiRegion: false,
    });
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    ['key id', () => keyId],
    ['key ARN', () => arn],
    ['alias name', () => 'alias/keygate-signing'],
    ['alias ARN', () => 'arn:aws:kms:us-east-1:000000000000:alias/keygate-signing'],
  ])('addresses a key by its %s', async (_name, ref) => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: ref() }));
    expect(KeyMetadata?.KeyId).toBe(keyId);
  });

  it('answers NotFoundException (400) for unknown keys, aliases and foreign ARNs', async () => {
    expect(
      await failure(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }))),
    ).toEqual({
      name: 'NotFoundException',
      message:
        "Key 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000' does not exist",
      status: 400,
    });
    expect(await failure(kms.send(new GetPublicKeyCommand({ KeyId: 'alias/missing' })))).toEqual({
      name: 'NotFoundException',
      message: 'Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.',
      status: 400,
    });
    const foreign = arn.replace('000000000000', '111111111111');
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: foreign })))).name).toBe(
      'NotFoundException',
    );
  });

  it('creates 3072-bit keys', async () => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'RSA_3072', KeyUsage: 'SIGN_VERIFY' }),
    );
    expect(KeyMetadata?.KeySpec).toBe('RSA_3072');
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }));
    const key = createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('rejects key specs and usages it does not emulate with the KMS error types', async () => {
    expect(
      await failure(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))),
    ).toEqual({
      name: 'UnsupportedOperationException',
      message: 'The emulator supports only RSA signing keys, not ECC_NIST_P256.',
      status: 400,
    });
    expect((await failure(kms.send(new CreateKeyCommand({})))).name).toBe('UnsupportedOperationException');
    expect(
      (await failure(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))))
        .name,
    ).toBe('UnsupportedOperationException');
    expect(await failure(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' })))).toEqual({
      name: 'ValidationException',
      message: 'You must specify a KeyUsage value for an asymmetric KMS key.',
      status: 400,
    });
    const bogus = await failure(
      kms.send(new CreateKeyCommand({ KeySpec: 'RSA_1024' as 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })),
    );
    expect(bogus.name).toBe('ValidationException');
    expect(bogus.message).toMatch(
      /^1 validation error detected: Value at 'keySpec' failed to satisfy constraint/,
    );
  });

  it('lists keys', async () => {
    const { Keys, Truncated } = await kms.send(new ListKeysCommand({}));
    expect(Keys).toContainEqual({ KeyId: keyId, KeyArn: arn });
    expect(Truncated).toBe(false);
  });
});

describe('key policies and tags', () => {
  const POLICY = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:root' },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  const create = (extra: Record<string, unknown> = {}) =>
    kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', ...extra }));
  const tagsOf = async (KeyId: string) => (await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags;

  it('keeps the Policy given to CreateKey and answers it from GetKeyPolicy', async () => {
    const { KeyMetadata } = await create({ Policy: POLICY });
    expect(await kms.send(new GetKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId! }))).toMatchObject({
      Policy: POLICY,
      PolicyName: 'default',
    });
  });

  it('gives a key created without Policy the default key policy that enables IAM policies', async () => {
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    expect(JSON.parse(Policy!)).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });

  it('tags at CreateKey and with TagResource (an existing key is overwritten), listed by ListResourceTags', async () => {
    const { KeyMetadata } = await create({ Tags: [{ TagKey: 'a', TagValue: '1' }] });
    const id = KeyMetadata!.KeyId!;
    expect(await tagsOf(id)).toEqual([{ TagKey: 'a', TagValue: '1' }]);
    await kms.send(
      new TagResourceCommand({
        KeyId: KeyMetadata!.Arn!,
        Tags: [
          { TagKey: 'a', TagValue: '2' },
          { TagKey: 'b', TagValue: '' },
        ],
      }),
    );
    expect(await tagsOf(id)).toEqual([
      { TagKey: 'a', TagValue: '2' },
      { TagKey: 'b', TagValue: '' },
    ]);
  });

  it.each([
    [
      'a policy that is not JSON',
      { Policy: '{' },
      'MalformedPolicyDocumentException',
      'The key policy is not valid JSON.',
    ],
    [
      'a policy without Statement',
      { Policy: '{}' },
      'MalformedPolicyDocumentException',
      'The key policy has no Statement list.',
    ],
    [
      'a policy over 32 KiB',
      { Policy: ' '.repeat(32_769) },
      'ValidationException',
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length between 1 and 32768",
    ],
    [
      'a reserved aws: tag',
      { Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] },
      'TagException',
      'Tag keys beginning with aws: are reserved.',
    ],
  ])('refuses CreateKey with %s', async (_what, extra, name, message) => {
    expect(await failure(create(extra))).toEqual({ name, message, status: 400 });
  });

  it('replaces the policy with PutKeyPolicy in every key state, pending deletion included, and keeps it', async () => {
    const { KeyMetadata } = await create();
    const KeyId = KeyMetadata!.Arn!;
    const other = POLICY.replace('kms:*', 'kms:Sign');
    const put = await kms.send(new PutKeyPolicyCommand({ KeyId, Policy: POLICY }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId }))).Policy).toBe(POLICY);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await kms.send(new PutKeyPolicyCommand({ KeyId, Policy: other, PolicyName: 'default' }));
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId }))).Policy).toBe(other);
  });

  it.each([
    [
      'an alias',
      { KeyId: 'alias/keygate-signing', Policy: POLICY },
      'ValidationException',
      'TargetKeyId cannot be an alias',
    ],
    [
      'a policy name other than default',
      { PolicyName: 'other', Policy: POLICY },
      'NotFoundException',
      'Policy other is not found.',
    ],
    [
      'a policy that is not JSON',
      { Policy: '{' },
      'MalformedPolicyDocumentException',
      'The key policy is not valid JSON.',
    ],
    [
      'no policy',
      {},
      'ValidationException',
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must not be null",
    ],
    [
      'an unknown key',
      { KeyId: '00000000-0000-0000-0000-000000000000', Policy: POLICY },
      'NotFoundException',
      "Key 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000' does not exist",
    ],
  ])('refuses PutKeyPolicy for %s and leaves the policy as it was', async (_what, input, name, message) => {
    const before = (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy;
    const refused = kms.send(new PutKeyPolicyCommand({ KeyId: keyId, ...input } as never));
    expect(await failure(refused)).toEqual({ name, message, status: 400 });
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy).toBe(before);
  });

  it('refuses TagResource on an alias and on a key pending deletion', async () => {
    const { KeyMetadata } = await create();
    const tags = [{ TagKey: 'a', TagValue: '1' }];
    expect(
      await failure(kms.send(new TagResourceCommand({ KeyId: 'alias/keygate-signing', Tags: tags }))),
    ).toEqual({ name: 'ValidationException', message: 'TargetKeyId cannot be an alias', status: 400 });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId!, PendingWindowInDays: 7 }));
    expect(
      await failure(kms.send(new TagResourceCommand({ KeyId: KeyMetadata!.KeyId!, Tags: tags }))),
    ).toEqual({
      name: 'KMSInvalidStateException',
      message: `${KeyMetadata!.Arn!} is pending deletion.`,
      status: 400,
    });
  });

  it('keeps policies and tags across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-kms-'));
    try {
      const first = await startKmsEmulator({ stateDir: dir });
      const firstKms = client(first.url);
      const { KeyMetadata } = await firstKms.send(
        new CreateKeyCommand({
          KeySpec: 'RSA_2048',
          KeyUsage: 'SIGN_VERIFY',
          Policy: POLICY,
          Tags: [{ TagKey: 't', TagValue: 'v' }],
        }),
      );
      firstKms.destroy();
      await first.close();
      const second = await startKmsEmulator({ stateDir: dir });
      const secondKms = client(second.url);
      try {
        const KeyId = KeyMetadata!.KeyId!;
        expect((await secondKms.send(new GetKeyPolicyCommand({ KeyId }))).Policy).toBe(POLICY);
        expect((await secondKms.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([
          { TagKey: 't', TagValue: 'v' },
        ]);
      } finally {
        secondKms.destroy();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('aliases', () => {
  it('CreateAlias answers an empty 200 and ListAliases shows it', async () => {
    const created = await kms.send(new CreateAliasCommand({ AliasName: 'alias/listed', TargetKeyId: arn }));
    expect(created.$metadata.httpStatusCode).toBe(200);
    const { Aliases, Truncated } = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(Truncated).toBe(false);
    expect(Aliases?.map((a) => a.AliasName)).toEqual(['alias/keygate-signing', 'alias/listed']);
    expect(Aliases?.[1]).toEqual({
      AliasName: 'alias/listed',
      AliasArn: 'arn:aws:kms:us-east-1:000000000000:alias/listed',
      TargetKeyId: keyId,
      CreationDate: expect.any(Date),
      LastUpdatedDate: expect.any(Date),
    });
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/listed' }));
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/listed' })))).name).toBe(
      'NotFoundException',
    );
  });

  it('pages ListAliases with Limit and Marker', async () => {
    for (const n of [1, 2, 3]) {
      await kms.send(new CreateAliasCommand({ AliasName: `alias/page-${n}`, TargetKeyId: keyId }));
    }
    const first = await kms.send(new ListAliasesCommand({ Limit: 2 }));
    expect(first.Aliases).toHaveLength(2);
    expect(first.Truncated).toBe(true);
    const rest = await kms.send(new ListAliasesCommand({ Limit: 100, Marker: first.NextMarker }));
    expect(rest.Truncated).toBe(false);
    expect([...first.Aliases!, ...rest.Aliases!].map((a) => a.AliasName)).toContain('alias/page-3');
    expect((await failure(kms.send(new ListAliasesCommand({ Marker: 'bm9wZQ' })))).name).toBe(
      'InvalidMarkerException',
    );
  });

  it('rejects a duplicate alias with AlreadyExistsException', async () => {
    expect(
      await failure(
        kms.send(new CreateAliasCommand({ AliasName: 'alias/keygate-signing', TargetKeyId: keyId })),
      ),
    ).toEqual({
      name: 'AlreadyExistsException',
      message:
        'An alias with the name arn:aws:kms:us-east-1:000000000000:alias/keygate-signing already exists',
      status: 400,
    });
  });

  it('rejects alias names without alias/, reserved or malformed, and alias targets', async () => {
    const attempt = (AliasName: string, TargetKeyId = keyId) =>
      failure(kms.send(new CreateAliasCommand({ AliasName, TargetKeyId })));
    expect((await attempt('keygate')).name).toBe('InvalidAliasNameException');
    expect((await attempt('alias/aws/kms')).name).toBe('InvalidAliasNameException');
    expect((await attempt('alias/has space')).name).toBe('ValidationException');
    expect((await attempt('alias/other', 'alias/keygate-signing')).name).toBe('ValidationException');
  });

  it('UpdateAlias points an alias at another key', async () => {
    const other = await emu.createKey({ alias: 'alias/rotating' });
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/rotating', TargetKeyId: keyId }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/rotating' }));
    expect(KeyMetadata?.KeyId).toBe(keyId);
    expect(other.arn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${other.keyId}`);
  });
});

describe('signing', () => {
  it('GetPublicKey returns DER SPKI and the signing metadata', async () => {
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/keygate-signing' }));
    expect(out.KeyId).toBe(arn);
    expect(out.KeySpec).toBe('RSA_2048');
    expect(out.CustomerMasterKeySpec).toBe('RSA_2048');
    expect(out.KeyUsage).toBe('SIGN_VERIFY');
    expect(out.SigningAlgorithms).toContain('RSASSA_PKCS1_V1_5_SHA_256');
    const key = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it.each([
    ['RSASSA_PKCS1_V1_5_SHA_256', 'sha256'],
    ['RSASSA_PKCS1_V1_5_SHA_384', 'sha384'],
    ['RSASSA_PKCS1_V1_5_SHA_512', 'sha512'],
  ] as const)(
    'signs RAW messages and DIGESTs identically with %s (KMS does not re-hash a digest)',
    async (algorithm, hash) => {
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      const publicKey = createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
      const message = Buffer.from('header.payload');
      const raw = await kms.send(
        new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm }),
      );
      const digest = await kms.send(
        new SignCommand({
          KeyId: 'alias/keygate-signing',
          Message: createHash(hash).update(message).digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: algorithm,
        }),
      );
      expect(raw.KeyId).toBe(arn);
      expect(raw.SigningAlgorithm).toBe(algorithm);
      expect(Buffer.from(digest.Signature!).equals(Buffer.from(raw.Signature!))).toBe(true);
      expect(verify(hash, message, publicKey, Buffer.from(raw.Signature!))).toBe(true);
    },
  );

  it('signs PSS over RAW and DIGEST with a salt as long as the hash', async () => {
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const key = {
      key: createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' }),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    };
    const message = Buffer.from('pss message');
    for (const messageType of ['RAW', 'DIGEST'] as const) {
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: messageType === 'RAW' ? message : sha256(message),
          MessageType: messageType,
          SigningAlgorithm: 'RSASSA_PSS_SHA_256',
        }),
      );
      expect(verify('sha256', message, key, Buffer.from(Signature!))).toBe(true);
      const checked = await kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: sha256(message),
          MessageType: 'DIGEST',
          Signature,
          SigningAlgorithm: 'RSASSA_PSS_SHA_256',
        }),
      );
      expect(checked.SignatureValid).toBe(true);
    }
  });

  it('Verify accepts a good signature and answers KMSInvalidSignatureException for a bad one', async () => {
    const message = sha256('verify me');
    const { Signature } = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: message,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      }),
    );
    const ok = await kms.send(
      new VerifyCommand({
        KeyId: arn,
        Message: message,
        MessageType: 'DIGEST',
        Signature,
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      }),
    );
    expect({
      KeyId: ok.KeyId,
      SignatureValid: ok.SignatureValid,
      SigningAlgorithm: ok.SigningAlgorithm,
    }).toEqual({
      KeyId: arn,
      SignatureValid: true,
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    const tampered = Buffer.from(Signature!);
    tampered[10] = tampered[10]! ^ 1;
    expect(
      await failure(
        kms.send(
          new VerifyCommand({
            KeyId: keyId,
            Message: message,
            MessageType: 'DIGEST',
            Signature: tampered,
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        ),
      ),
    ).toEqual({
      name: 'KMSInvalidSignatureException',
      message: 'The signature verification failed.',
      status: 400,
    });
  });

  it.each([31, 33, 0])('refuses a %i-byte SHA-256 DIGEST (it must be 32 bytes)', async (length) => {
    expect(
      await failure(
        kms.send(
          new SignCommand({
            KeyId: keyId,
            Message: Buffer.alloc(length),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message: 'Digest is invalid length for algorithm RSASSA_PKCS1_V1_5_SHA_256.',
      status: 400,
    });
  });

  it('accepts RAW messages up to 4096 bytes and rejects longer ones', async () => {
    const sign = (length: number) =>
      kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: Buffer.alloc(length, 1),
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      );
    expect((await sign(4096)).Signature).toHaveLength(256);
    const tooLong = await failure(sign(4097));
    expect(tooLong.name).toBe('ValidationException');
    expect(tooLong.message).toContain('4096');
  });

  it('rejects signing algorithms the key does not offer', async () => {
    expect(await failure(signDigest(keyId, { SigningAlgorithm: 'ECDSA_SHA_256' }))).toEqual({
      name: 'InvalidKeyUsageException',
      message: `Signing algorithm ECDSA_SHA_256 is not supported for key '${arn}'.`,
      status: 400,
    });
  });

  it('DryRun answers DryRunOperationException without signing', async () => {
    const result = await failure(signDigest(keyId, { DryRun: true }));
    expect(result.name).toBe('DryRunOperationException');
  });
});

describe('key states', () => {
  it('a disabled key refuses Sign and GetPublicKey with DisabledException until enabled', async () => {
    const key = await emu.createKey();
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).toBe(
      'Disabled',
    );
    const sign = () => signDigest(key.keyId);
    expect(await failure(sign())).toEqual({
      name: 'DisabledException',
      message: `${key.arn} is disabled.`,
      status: 400,
    });
    expect((await failure(kms.send(new GetPublicKeyCommand({ KeyId: key.keyId })))).name).toBe(
      'DisabledException',
    );
    await kms.send(new EnableKeyCommand({ KeyId: key.keyId }));
    expect((await sign()).Signature).toHaveLength(256);
  });

  it('a key pending deletion refuses Sign with KMSInvalidStateException; cancelling leaves it disabled', async () => {
    const key = await emu.createKey();
    const scheduled = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }),
    );
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.PendingWindowInDays).toBe(7);
    expect(scheduled.KeyId).toBe(key.arn);
    expect(await failure(signDigest(key.keyId))).toEqual({
      name: 'KMSInvalidStateException',
      message: `${key.arn} is pending deletion.`,
      status: 400,
    });
    expect((await failure(kms.send(new EnableKeyCommand({ KeyId: key.keyId })))).name).toBe(
      'KMSInvalidStateException',
    );
    await kms.send(new CancelKeyDeletionCommand({ KeyId: key.keyId }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }));
    expect(KeyMetadata?.KeyState).toBe('Disabled');
    expect(KeyMetadata?.DeletionDate).toBeUndefined();
  });
});

describe('protocol', () => {
  const post = (headers: Record<string, string>, body: string) =>
    fetch(emu.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=abcdef',
        ...headers,
      },
      body,
    });

  it('requires a SigV4 Authorization header', async () => {
    const res = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await res.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    const basic = await post({ authorization: 'Basic dTpw', 'x-amz-target': 'TrentService.ListKeys' }, '{}');
    expect(((await basic.json()) as { __type: string }).__type).toBe('IncompleteSignatureException');
  });

  it('answers UnknownOperationException for an unknown target', async () => {
    const res = await post({ 'x-amz-target': 'TrentService.Encrypt' }, '{}');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Unknown operation Encrypt',
    });
    const none = await post({}, '{}');
    expect(((await none.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it.each(['{"KeyId":', '[]', 'null'])(
    'answers SerializationException (400) for the body %s',
    async (body) => {
      const res = await post({ 'x-amz-target': 'TrentService.DescribeKey' }, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
    },
  );

  it('answers SerializationException for a blob that is not base64', async () => {
    const res = await post(
      { 'x-amz-target': 'TrentService.Sign' },
      JSON.stringify({ KeyId: keyId, Message: '***', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }),
    );
    expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('answers ValidationException for a missing required member', async () => {
    const res = await post({ 'x-amz-target': 'TrentService.GetPublicKey' }, '{}');
    expect(await res.json()).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must not be null",
    });
  });

  it('refuses bodies over the size bound with 413', async () => {
    const res = await post(
      { 'x-amz-target': 'TrentService.Sign' },
      JSON.stringify({ Message: 'A'.repeat(70_000) }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { __type: string }).__type).toBe('RequestEntityTooLargeException');
  });
});

describe('fault injection', () => {
  it('throttles every Nth Sign/GetPublicKey call with ThrottlingException (400)', async () => {
    emu.resetCalls();
    emu.faults.throttleEveryN = 3;
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
        outcomes.push('ok');
      } catch (err) {
        const e = err as { name: string; $metadata: { httpStatusCode: number } };
        outcomes.push(`${e.name}/${e.$metadata.httpStatusCode}`);
      }
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ThrottlingException/400', 'ok', 'ok', 'ThrottlingException/400']);
    expect(emu.calls.GetPublicKey).toBe(6);
    // DescribeKey is not a cryptographic call: never throttled.
    await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  });

  it('failAll answers KMSInternalException (500) or resets the connection', async () => {
    emu.faults.failAll = true;
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: keyId })))).toEqual({
      name: 'KMSInternalException',
      message: 'The request was rejected because an internal exception occurred.',
      status: 500,
    });
    emu.faults.failMode = 'reset';
    const reset = await failure(kms.send(new DescribeKeyCommand({ KeyId: keyId })));
    expect(reset.status).toBeUndefined();
    emu.faults.failAll = false;
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyId).toBe(keyId);
  });

  it('delays answers by delayMs', async () => {
    emu.faults.delayMs = 120;
    const started = performance.now();
    await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });
});

describe('persistence', () => {
  it('keeps keys and aliases across a restart, written atomically with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-kms-'));
    try {
      const first = await startKmsEmulator({ stateDir: dir });
      const firstKms = client(first.url);
      const key = await first.createKey({ alias: 'alias/persisted', description: 'kept' });
      const before = await firstKms.send(new GetPublicKeyCommand({ KeyId: 'alias/persisted' }));
      await firstKms.send(new DisableKeyCommand({ KeyId: key.keyId }));
      firstKms.destroy();
      await first.close();

      const file = join(dir, 'kms-state.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');

      const second = await startKmsEmulator({ stateDir: dir });
      const secondKms = client(second.url);
      try {
        const { KeyMetadata } = await secondKms.send(new DescribeKeyCommand({ KeyId: 'alias/persisted' }));
        expect(KeyMetadata?.KeyId).toBe(key.keyId);
        expect(KeyMetadata?.KeyState).toBe('Disabled');
        expect(KeyMetadata?.Description).toBe('kept');
        await secondKms.send(new EnableKeyCommand({ KeyId: key.keyId }));
        const after = await secondKms.send(new GetPublicKeyCommand({ KeyId: 'alias/persisted' }));
        expect(Buffer.from(after.PublicKey!).equals(Buffer.from(before.PublicKey!))).toBe(true);
        const message = Buffer.from('survives restarts');
        const { Signature } = await secondKms.send(
          new SignCommand({
            KeyId: 'alias/persisted',
            Message: message,
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        );
        const publicKey = createPublicKey({
          key: Buffer.from(before.PublicKey!),
          format: 'der',
          type: 'spki',
        });
        expect(verify('sha256', message, publicKey, Buffer.from(Signature!))).toBe(true);
      } finally {
        secondKms.destroy();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
