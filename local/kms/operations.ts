// The KMS operations the emulator answers, over its key store: request members in, the KMS response shape out
// (CreateKey, DescribeKey, GetPublicKey, Sign, Verify, the alias, key-state and tag operations, Get/PutKeyPolicy,
// ListKeys/Aliases). Key policies are checked for shape and kept, not evaluated: every caller is the account.
// Shapes and error types follow the KMS API reference (docs/design.md#kms-protocol).
import { KmsError } from './errors.js';
import {
  type Body,
  optionalEnum,
  optionalInt,
  optionalString,
  requiredBlob,
  requiredEnum,
  requiredString,
  validation,
} from './members.js';
import {
  algorithmInfo,
  RSA_SIGNING_ALGORITHMS,
  type RsaSigningAlgorithm,
  signRsa,
  verifyRsa,
} from './rsa.js';
import { type AliasRecord, type KeyRecord, type KeyStore, RSA_KEY_SPECS, type RsaKeySpec } from './store.js';

export type Operation = (body: Body) => Promise<unknown> | unknown;

// Every KeySpec value KMS accepts: a known but unsupported spec is UnsupportedOperationException,
// anything else fails enum validation.
const KNOWN_KEY_SPECS = new Set([
  ...RSA_KEY_SPECS,
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
]);
const KNOWN_KEY_USAGES = new Set(['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']);
const KNOWN_SIGNING_ALGORITHMS = new Set<string>([
  ...RSA_SIGNING_ALGORITHMS,
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
]);
const MAX_MESSAGE_BYTES = 4096;
// KMS API Reference: a key policy is at most 32 KiB; a tag key 1-128 characters, a value 0-256; 50 tags.
const MAX_POLICY_CHARS = 32_768;
const MAX_TAGS = 50;

/** `Policy` of CreateKey / PutKeyPolicy: a JSON object, or MalformedPolicyDocumentException as KMS answers. */
function policyOf(body: Body, required: boolean): string | undefined {
  const policy = required ? requiredString(body, 'Policy') : optionalString(body, 'Policy');
  if (policy === undefined) return undefined;
  if (policy.length === 0 || policy.length > MAX_POLICY_CHARS) {
    throw validation('policy', `Member must have length between 1 and ${MAX_POLICY_CHARS}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new KmsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { Statement?: unknown }).Statement)) {
    throw new KmsError('MalformedPolicyDocumentException', 'The key policy has no Statement list.');
  }
  return policy;
}

/** `Tags` of CreateKey / TagResource: `[{ TagKey, TagValue }]`, checked the way KMS checks them. */
function tagsOf(body: Body, required: boolean): Map<string, string> {
  const raw = body.Tags;
  if (raw === undefined || raw === null) {
    if (required) throw validation('tags', 'Member must not be null');
    return new Map();
  }
  if (!Array.isArray(raw)) throw new KmsError('SerializationException', 'Tags must be a list');
  const tags = new Map<string, string>();
  for (const tag of raw) {
    const t = (tag ?? {}) as Body;
    const key = requiredString(t, 'TagKey');
    const value = optionalString(t, 'TagValue');
    if (value === undefined) throw validation('tagValue', 'Member must not be null');
    if (key.length > 128) throw validation('tagKey', 'Member must have length less than or equal to 128');
    if (value.length > 256) throw validation('tagValue', 'Member must have length less than or equal to 256');
    if (key.toLowerCase().startsWith('aws:')) {
      throw new KmsError('TagException', 'Tag keys beginning with aws: are reserved.');
    }
    tags.set(key, value);
  }
  if (tags.size > MAX_TAGS)
    throw new KmsError('LimitExceededException', `A KMS key can have at most ${MAX_TAGS} tags.`);
  return tags;
}

/** `PolicyName` of Get/PutKeyPolicy: "The only valid value is default" (KMS API Reference, PutKeyPolicy). */
function policyName(body: Body): void {
  const name = optionalString(body, 'PolicyName') ?? 'default';
  if (name !== 'default') throw new KmsError('NotFoundException', `Policy ${name} is not found.`);
}

/** Every operation by name (the part of `x-amz-target` after `TrentService.`). */
export function createOperations(store: KeyStore, accountId: string): Readonly<Record<string, Operation>> {
  const metadata = (k: KeyRecord) => ({
    AWSAccountId: accountId,
    KeyId: k.keyId,
    Arn: store.keyArn(k.keyId),
    CreationDate: k.creationDate,
    Enabled: k.state === 'Enabled',
    Description: k.description,
    KeyUsage: 'SIGN_VERIFY',
    KeyState: k.state,
    ...(k.deletionDate !== undefined && { DeletionDate: k.deletionDate }),
    ...(k.pendingWindowInDays !== undefined && { PendingDeletionWindowInDays: k.pendingWindowInDays }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: k.keySpec,
    KeySpec: k.keySpec,
    SigningAlgorithms: [...RSA_SIGNING_ALGORITHMS],
    MultiRegion: false,
  });

  /** A key pending deletion refuses every operation but DescribeKey and CancelKeyDeletion. */
  const notPendingDeletion = (k: KeyRecord): KeyRecord => {
    if (k.state === 'PendingDeletion') {
      throw new KmsError('KMSInvalidStateException', `${store.keyArn(k.keyId)} is pending deletion.`);
    }
    return k;
  };

  /** Keys must be Enabled for cryptographic operations. */
  const usable = (k: KeyRecord): KeyRecord => {
    if (k.state === 'Disabled')
      throw new KmsError('DisabledException', `${store.keyArn(k.keyId)} is disabled.`);
    return notPendingDeletion(k);
  };

  const signingParams = (body: Body) => {
    const key = usable(store.resolve(requiredString(body, 'KeyId')));
    const message = requiredBlob(body, 'Message');
    if (message.length > MAX_MESSAGE_BYTES) {
      throw validation('message', 'Member must have length less than or equal to 4096');
    }
    const messageType = optionalEnum(body, 'MessageType', ['RAW', 'DIGEST', 'EXTERNAL_MU']) ?? 'RAW';
    const algorithm = requiredEnum(body, 'SigningAlgorithm', KNOWN_SIGNING_ALGORITHMS);
    if (!(RSA_SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `Signing algorithm ${algorithm} is not supported for key '${store.keyArn(key.keyId)}'.`,
      );
    }
    const rsaAlgorithm = algorithm as RsaSigningAlgorithm;
    if (messageType === 'EXTERNAL_MU') {
      throw new KmsError('InvalidKeyUsageException', 'EXTERNAL_MU is supported only with ML_DSA keys.');
    }
    if (messageType === 'DIGEST' && message.length !== algorithmInfo(rsaAlgorithm).digestBytes) {
      throw new KmsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
    }
    return { key, message, messageType: messageType as 'RAW' | 'DIGEST', algorithm: rsaAlgorithm };
  };

  const dryRun = (body: Body) => {
    if (body.DryRun === true) {
      throw new KmsError(
        'DryRunOperationException',
        'The request would have succeeded, but the DryRun option is set.',
      );
    }
  };

  const aliasEntry = (a: AliasRecord) => ({
    AliasName: a.name,
    AliasArn: store.aliasArn(a.name),
    TargetKeyId: a.targetKeyId,
    CreationDate: a.creationDate,
    LastUpdatedDate: a.lastUpdatedDate,
  });

  // KMS limits: ListAliases 1-100, ListKeys 1-1000, both defaulting to 50.
  const paginate = <T>(items: T[], body: Body, maxLimit: number) => {
    const limit = optionalInt(body, 'Limit', 1, maxLimit) ?? 50;
    const marker = optionalString(body, 'Marker');
    let start = 0;
    if (marker !== undefined) {
      start = Number(Buffer.from(marker, 'base64url').toString());
      if (!Number.isSafeInteger(start) || start < 0 || start > items.length) {
        throw new KmsError(
          'InvalidMarkerException',
          'The request was rejected because the marker is not valid.',
        );
      }
    }
    const page = items.slice(start, start + limit);
    const next = start + page.length;
    return next < items.length
      ? { page, Truncated: true, NextMarker: Buffer.from(String(next)).toString('base64url') }
      : { page, Truncated: false };
  };

  return {
    async CreateKey(body) {
      const spec =
        optionalEnum(body, 'KeySpec', KNOWN_KEY_SPECS) ??
        optionalEnum(body, 'CustomerMasterKeySpec', KNOWN_KEY_SPECS) ??
        'SYMMETRIC_DEFAULT';
      const usage = optionalEnum(body, 'KeyUsage', KNOWN_KEY_USAGES);
      const origin = optionalString(body, 'Origin');
      const description = optionalString(body, 'Description') ?? '';
      if (description.length > 8192)
        throw validation('description', 'Member must have length less than or equal to 8192');
      if (!(RSA_KEY_SPECS as readonly string[]).includes(spec)) {
        throw new KmsError(
          'UnsupportedOperationException',
          `The emulator supports only RSA signing keys, not ${spec}.`,
        );
      }
      if (usage === undefined) {
        throw new KmsError(
          'ValidationException',
          'You must specify a KeyUsage value for an asymmetric KMS key.',
        );
      }
      if (usage !== 'SIGN_VERIFY') {
        throw new KmsError(
          'UnsupportedOperationException',
          `The emulator supports only SIGN_VERIFY keys, not ${usage}.`,
        );
      }
      if (origin !== undefined && origin !== 'AWS_KMS') {
        throw new KmsError('UnsupportedOperationException', `Origin ${origin} is not supported.`);
      }
      const policy = policyOf(body, false);
      const tags = tagsOf(body, false);
      dryRun(body);
      const key = await store.createKey(spec as RsaKeySpec, description, {
        ...(policy !== undefined ? { policy } : {}),
        tags,
      });
      return { KeyMetadata: metadata(key) };
    },

    DescribeKey(body) {
      return { KeyMetadata: metadata(store.resolve(requiredString(body, 'KeyId'))) };
    },

    GetPublicKey(body) {
      const key = usable(store.resolve(requiredString(body, 'KeyId')));
      return {
        KeyId: store.keyArn(key.keyId),
        PublicKey: key.publicKeyDer.toString('base64'),
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: [...RSA_SIGNING_ALGORITHMS],
      };
    },

    Sign(body) {
      const { key, message, messageType, algorithm } = signingParams(body);
      dryRun(body);
      const signature = signRsa(key.privateKey, algorithm, message, messageType);
      return {
        KeyId: store.keyArn(key.keyId),
        Signature: signature.toString('base64'),
        SigningAlgorithm: algorithm,
      };
    },

    Verify(body) {
      const { key, message, messageType, algorithm } = signingParams(body);
      const signature = requiredBlob(body, 'Signature');
      dryRun(body);
      if (!verifyRsa(key.publicKey, algorithm, message, messageType, signature)) {
        throw new KmsError('KMSInvalidSignatureException', 'The signature verification failed.');
      }
      return { KeyId: store.keyArn(key.keyId), SignatureValid: true, SigningAlgorithm: algorithm };
    },

    CreateAlias(body) {
      store.createAlias(requiredString(body, 'AliasName'), requiredString(body, 'TargetKeyId'));
      return undefined;
    },

    UpdateAlias(body) {
      store.updateAlias(requiredString(body, 'AliasName'), requiredString(body, 'TargetKeyId'));
      return undefined;
    },

    DeleteAlias(body) {
      store.deleteAlias(requiredString(body, 'AliasName'));
      return undefined;
    },

    ListAliases(body) {
      const keyIdParam = optionalString(body, 'KeyId');
      const keyId =
        keyIdParam === undefined ? undefined : store.resolve(keyIdParam, { allowAlias: false }).keyId;
      const aliases = store.listAliases().filter((a) => keyId === undefined || a.targetKeyId === keyId);
      const { page, ...rest } = paginate(aliases, body, 100);
      return { Aliases: page.map(aliasEntry), ...rest };
    },

    ListKeys(body) {
      const { page, ...rest } = paginate(store.listKeys(), body, 1000);
      return { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: store.keyArn(k.keyId) })), ...rest };
    },

    EnableKey(body) {
      const key = notPendingDeletion(store.resolve(requiredString(body, 'KeyId'), { allowAlias: false }));
      key.state = 'Enabled';
      store.persist();
      return undefined;
    },

    DisableKey(body) {
      const key = notPendingDeletion(store.resolve(requiredString(body, 'KeyId'), { allowAlias: false }));
      key.state = 'Disabled';
      store.persist();
      return undefined;
    },

    ScheduleKeyDeletion(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      const days = optionalInt(body, 'PendingWindowInDays', 7, 30) ?? 30;
      notPendingDeletion(key);
      key.state = 'PendingDeletion';
      key.pendingWindowInDays = days;
      key.deletionDate = Math.floor(Date.now() / 1000) + days * 86400;
      store.persist();
      return {
        KeyId: store.keyArn(key.keyId),
        DeletionDate: key.deletionDate,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: days,
      };
    },

    TagResource(body) {
      const key = notPendingDeletion(store.resolve(requiredString(body, 'KeyId'), { allowAlias: false }));
      const tags = tagsOf(body, true);
      const merged = new Map([...key.tags, ...tags]);
      if (merged.size > MAX_TAGS) {
        throw new KmsError('LimitExceededException', `A KMS key can have at most ${MAX_TAGS} tags.`);
      }
      for (const [k, v] of tags) key.tags.set(k, v);
      store.persist();
      return undefined;
    },

    ListResourceTags(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      const { page, ...rest } = paginate([...key.tags], body, 50);
      return { Tags: page.map(([TagKey, TagValue]) => ({ TagKey, TagValue })), ...rest };
    },

    GetKeyPolicy(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      policyName(body);
      return { Policy: key.policy, PolicyName: 'default' };
    },

    // Answers an empty 200. KMS allows it in every key state, pending deletion included (AWS KMS Developer
    // Guide, "Key states of AWS KMS keys", https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
    PutKeyPolicy(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      policyName(body);
      key.policy = policyOf(body, true)!;
      store.persist();
      return undefined;
    },

    CancelKeyDeletion(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      if (key.state !== 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.keyArn(key.keyId)} is not pending deletion.`);
      }
      // KMS leaves a key whose deletion was cancelled Disabled.
      key.state = 'Disabled';
      delete key.deletionDate;
      delete key.pendingWindowInDays;
      store.persist();
      return { KeyId: store.keyArn(key.keyId) };
    },
  };
}
