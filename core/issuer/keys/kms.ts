// The KMS seam: signer and JWKS publisher take anything with the SDK client's `send`, so tests and the
// local stack point the real @aws-sdk/client-kms at the emulator. One retry policy (core/issuer/retry.ts)
// wraps every KMS call; the default client therefore has SDK retries off so attempts never multiply
// (why not the SDK's retry strategy: docs/design.md#retries).
import { GetPublicKeyCommand, type GetPublicKeyCommandOutput, KMSClient } from '@aws-sdk/client-kms';
import { type RsaPublicJwk, toRsaPublicJwk } from '../../jwk.js';
import { IssuerError } from '../errors.js';
import { classifyAwsError, type RetryPolicy, withRetry } from '../retry.js';

export type KmsApi = Pick<KMSClient, 'send'>;

/** KMS's name for JWS RS256 (RFC 7518 §3.3): RSASSA-PKCS1-v1_5 with SHA-256. */
export const KMS_RS256 = 'RSASSA_PKCS1_V1_5_SHA_256';

export interface KmsClientOptions {
  readonly region?: string;
  /** e.g. the emulator's URL; otherwise the SDK reads AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  /** Static credentials (tests: dummy ones); otherwise the default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** Deadline of one KMS attempt: a Sign takes ~10-30 ms in-region; 3 of them fit the token Lambda (docs/design.md#retries). */
export const KMS_ATTEMPT_TIMEOUT_MS = 2000;

/**
 * A KMS client for the request path. `maxAttempts: 1`: retries belong to createKmsSigner /
 * createJwksPublisher (full jitter, 50-400 ms), which bound a token request where the SDK's strategy
 * cannot (docs/design.md#retries). Pass a client with SDK retries on and the attempts multiply.
 * `throwOnRequestTimeout`: without it the SDK only logs a warning when requestTimeout passes.
 */
export function createKmsClient(options: KmsClientOptions = {}): KMSClient {
  return new KMSClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 1000,
      requestTimeout: options.requestTimeoutMs ?? KMS_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
}

/** Retry settings shared by the KMS signer and the JWKS publisher. */
export interface KmsRetryOptions {
  /** Attempts per KMS call including the first (default 3). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Deadline per attempt, body included (default KMS_ATTEMPT_TIMEOUT_MS). */
  readonly attemptTimeoutMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: RetryPolicy['onRetry'];
}

export function kmsRetryPolicy(options: KmsRetryOptions): RetryPolicy {
  return {
    maxAttempts: options.maxAttempts ?? 3,
    baseDelayMs: options.baseDelayMs ?? 50,
    maxDelayMs: options.maxDelayMs ?? 400,
    attemptTimeoutMs: options.attemptTimeoutMs ?? KMS_ATTEMPT_TIMEOUT_MS,
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
}

// The key exists but is switched off or being deleted: an operator state, fixed without a deploy, so
// callers get 503 + Retry-After rather than a 500.
const KEY_STATE_ERRORS = new Set([
  'DisabledException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
]);

/**
 * Maps a KMS failure (after retries) onto the issuer's error set: throttling -> dependency_throttled;
 * outages, timeouts, a disabled or pending-deletion key -> dependency_unavailable; anything else
 * (unknown key id, wrong key type, access denied) is our misconfiguration -> internal.
 */
export function kmsIssuerError(err: unknown): IssuerError {
  if (err instanceof IssuerError) return err;
  const kind = classifyAwsError(err);
  if (kind === 'throttled') {
    return new IssuerError('dependency_throttled', 'the signing service is busy, retry later', {
      cause: err,
    });
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (kind === 'transient' || (typeof name === 'string' && KEY_STATE_ERRORS.has(name))) {
    return new IssuerError('dependency_unavailable', 'the signing service is unavailable, retry later', {
      cause: err,
    });
  }
  return new IssuerError('internal', 'the signing key is not usable', { cause: err });
}

export interface KmsPublicKey {
  readonly keyId: string;
  /** The key's ARN as KMS reports it. */
  readonly keyArn: string | undefined;
  readonly der: Buffer;
  readonly jwk: RsaPublicJwk;
}

/**
 * GetPublicKey (with retries) for an RS256 signing key: checks it is an RSA SIGN_VERIFY key that offers
 * RSASSA_PKCS1_V1_5_SHA_256, and converts its SPKI DER to the published JWK. Failures are IssuerErrors.
 */
export async function getRsaSigningKey(
  kms: KmsApi,
  keyId: string,
  policy: RetryPolicy,
): Promise<KmsPublicKey> {
  let output: GetPublicKeyCommandOutput;
  try {
    output = await withRetry(
      (signal) => kms.send(new GetPublicKeyCommand({ KeyId: keyId }), signal ? { abortSignal: signal } : {}),
      policy,
    );
  } catch (err) {
    throw kmsIssuerError(err);
  }
  if (
    !output.KeySpec?.startsWith('RSA_') ||
    output.KeyUsage !== 'SIGN_VERIFY' ||
    !output.SigningAlgorithms?.includes(KMS_RS256) ||
    !output.PublicKey
  ) {
    throw new IssuerError('internal', 'the signing key is not an RSA SIGN_VERIFY key offering RS256');
  }
  const der = Buffer.from(output.PublicKey);
  let jwk: RsaPublicJwk;
  try {
    jwk = toRsaPublicJwk(der);
  } catch (err) {
    throw new IssuerError('internal', 'KMS returned a public key that is not RSA SPKI', { cause: err });
  }
  return { keyId, keyArn: output.KeyId, der, jwk };
}
