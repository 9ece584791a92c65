// A local AWS KMS speaking the JSON 1.1 protocol (docs/design.md#kms-protocol) well enough that the real @aws-sdk/client-kms
// works unchanged against it: RSA signing keys, aliases, the KMS error shapes, optional persistence and
// fault injection (throttling, failures, delay) for tests and the local stack.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { urlHost } from '../../core/net.js';
import { BodyTooLargeError } from '../errors.js';
import { closeNow, listen } from '../listen.js';
import { readBody } from '../read-body.js';
import { KmsError } from './errors.js';
import {
  algorithmInfo,
  RSA_SIGNING_ALGORITHMS,
  type RsaSigningAlgorithm,
  signRsa,
  verifyRsa,
} from './rsa.js';
import { type AliasRecord, type KeyRecord, KeyStore, RSA_KEY_SPECS, type RsaKeySpec } from './store.js';

export interface KmsEmulatorOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Persist keys and aliases here (created if missing); in memory when unset. */
  readonly stateDir?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Requests with larger bodies get 413 (the largest real request, Verify, is well under 16 KiB). */
  readonly maxBodyBytes?: number;
}

export interface KmsFaults {
  /** Every Nth Sign/GetPublicKey call (counted across both) is answered ThrottlingException; 0 = off. */
  throttleEveryN: number;
  /** Every request fails: KMSInternalException (500), or the connection is destroyed (`failMode: 'reset'`). */
  failAll: boolean;
  failMode: 'internal' | 'reset';
  /** Added latency before every answer, in ms. */
  delayMs: number;
}

export interface KmsEmulator {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly faults: KmsFaults;
  /** Requests received per operation (faulted ones included). */
  readonly calls: Record<string, number>;
  resetCalls(): void;
  /** Creates an RSA SIGN_VERIFY key directly (no HTTP), optionally with an alias. */
  createKey(opts?: { keySpec?: RsaKeySpec; description?: string; alias?: string }): Promise<{
    keyId: string;
    arn: string;
  }>;
  createAlias(aliasName: string, keyId: string): void;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const CRYPTO_OPS = new Set(['Sign', 'GetPublicKey']);
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
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<unknown> | unknown;

export async function startKmsEmulator(options: KmsEmulatorOptions = {}): Promise<KmsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const store = new KeyStore(region, accountId, options.stateDir);
  const faults: KmsFaults = { throttleEveryN: 0, failAll: false, failMode: 'internal', delayMs: 0 };
  const calls: Record<string, number> = {};
  let cryptoCalls = 0;

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

  /** Keys must be Enabled for cryptographic operations. */
  const usable = (k: KeyRecord): KeyRecord => {
    if (k.state === 'Disabled')
      throw new KmsError('DisabledException', `${store.keyArn(k.keyId)} is disabled.`);
    if (k.state === 'PendingDeletion') {
      throw new KmsError('KMSInvalidStateException', `${store.keyArn(k.keyId)} is pending deletion.`);
    }
    return k;
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

  const operations: Record<string, Handler> = {
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
      dryRun(body);
      const key = await store.createKey(spec as RsaKeySpec, description);
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
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      if (key.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.keyArn(key.keyId)} is pending deletion.`);
      }
      key.state = 'Enabled';
      store.persist();
      return undefined;
    },

    DisableKey(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      if (key.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.keyArn(key.keyId)} is pending deletion.`);
      }
      key.state = 'Disabled';
      store.persist();
      return undefined;
    },

    ScheduleKeyDeletion(body) {
      const key = store.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
      const days = optionalInt(body, 'PendingWindowInDays', 7, 30) ?? 30;
      if (key.state === 'PendingDeletion') {
        throw new KmsError('KMSInvalidStateException', `${store.keyArn(key.keyId)} is pending deletion.`);
      }
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

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': JSON_11,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    calls[operation || '(none)'] = (calls[operation || '(none)'] ?? 0) + 1;

    const raw = await readBody(req, maxBodyBytes).catch((err: unknown) => {
      if (!(err instanceof BodyTooLargeError)) throw err;
      throw new KmsError('RequestEntityTooLargeException', `Request body exceeds ${err.limit} bytes.`);
    });
    if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.failAll) {
      if (faults.failMode === 'reset') {
        req.socket.destroy();
        return;
      }
      throw new KmsError(
        'KMSInternalException',
        'The request was rejected because an internal exception occurred.',
      );
    }

    const auth = req.headers.authorization;
    if (auth === undefined || auth === '') {
      throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    if (!/^AWS4-HMAC-SHA256 Credential=[^,]+, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]+$/.test(auth)) {
      throw new KmsError(
        'IncompleteSignatureException',
        'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256).',
      );
    }
    if (req.method !== 'POST' || !Object.hasOwn(operations, operation)) {
      throw new KmsError(
        'UnknownOperationException',
        operation ? `Unknown operation ${operation}` : 'Unknown operation',
      );
    }
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new KmsError('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (CRYPTO_OPS.has(operation)) {
      cryptoCalls++;
      if (faults.throttleEveryN > 0 && cryptoCalls % faults.throttleEveryN === 0) {
        throw new KmsError('ThrottlingException', 'Rate exceeded');
      }
    }
    const result = await operations[operation]!(body as Body);
    send(res, 200, result === undefined ? '' : JSON.stringify(result));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      const error =
        err instanceof KmsError
          ? err
          : new KmsError(
              'KMSInternalException',
              'The request was rejected because an internal exception occurred.',
            );
      send(res, error.status, error.toBody());
      // An oversized body was not read to the end: do not reuse the connection.
      if (error.code === 'RequestEntityTooLargeException') res.once('finish', () => req.socket.destroy());
    });
  });
  server.keepAliveTimeout = 5000;
  const port = await listen(server, options.port ?? 0, host);

  return {
    url: `http://${urlHost(host)}:${port}`,
    region,
    accountId,
    faults,
    calls,
    resetCalls() {
      for (const name of Object.keys(calls)) delete calls[name];
      cryptoCalls = 0;
    },
    async createKey(opts = {}) {
      const key = await store.createKey(opts.keySpec ?? 'RSA_2048', opts.description ?? '');
      if (opts.alias !== undefined) store.createAlias(opts.alias, key.keyId);
      return { keyId: key.keyId, arn: store.keyArn(key.keyId) };
    },
    createAlias(aliasName, keyId) {
      store.createAlias(aliasName, keyId);
    },
    close: closeNow(server),
  };
}

function validation(member: string, constraint: string): KmsError {
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new KmsError('SerializationException', `STRING_VALUE can not be converted to ${name}`);
  }
  return value;
}

function requiredString(body: Body, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value === '') {
    throw validation(lowerFirst(name), 'Member must not be null');
  }
  return value;
}

function optionalEnum(body: Body, name: string, allowed: Iterable<string>): string | undefined {
  const value = optionalString(body, name);
  if (value === undefined) return undefined;
  const set = allowed instanceof Set ? (allowed as Set<string>) : new Set(allowed);
  if (!set.has(value)) {
    throw validation(lowerFirst(name), `Member must satisfy enum value set: [${[...set].join(', ')}]`);
  }
  return value;
}

function requiredEnum(body: Body, name: string, allowed: Iterable<string>): string {
  const value = optionalEnum(body, name, allowed);
  if (value === undefined) throw validation(lowerFirst(name), 'Member must not be null');
  return value;
}

function optionalInt(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new KmsError('SerializationException', `${name} must be an integer`);
  }
  if (value < min || value > max) {
    throw validation(lowerFirst(name), `Member must have value between ${min} and ${max}`);
  }
  return value;
}

function requiredBlob(body: Body, name: string): Buffer {
  const value = body[name];
  if (value === undefined || value === null) throw validation(lowerFirst(name), 'Member must not be null');
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new KmsError('SerializationException', `Invalid base64 in ${name}`);
  }
  return Buffer.from(value, 'base64');
}
