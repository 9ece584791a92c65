// RS256 signing in AWS KMS: hash the JWS signing input locally and send only the 32-byte digest
// (MessageType DIGEST, docs/design.md#kms-signing), so the request stays tiny and the private key never leaves KMS.
import { createHash } from 'node:crypto';
import { SignCommand, type SignCommandOutput } from '@aws-sdk/client-kms';
import type { RsaPublicJwk } from '../../jwk.js';
import { IssuerError } from '../errors.js';
import { withRetry } from '../retry.js';
import type { Signer } from '../types.js';
import {
  getRsaSigningKey,
  KMS_RS256,
  type KmsApi,
  type KmsPublicKey,
  type KmsRetryOptions,
  kmsIssuerError,
  kmsRetryPolicy,
} from './kms.js';

export interface KmsSignerOptions extends KmsRetryOptions {
  readonly kms: KmsApi;
  /** Key id, key ARN, alias name or alias ARN (SIGNING_KEY_ID). */
  readonly keyId: string;
}

export interface KmsSigner extends Signer {
  readonly keyId: string;
  /** The signing key's published JWK (fetched once, with getKid). */
  publicJwk(): Promise<RsaPublicJwk>;
}

/**
 * A Signer backed by KMS. getKid() fetches the public key once (single flight; a failure is not cached)
 * and checks it is an RS256-capable RSA key. sign() retries throttling, 5xx, network errors and
 * per-attempt timeouts with full jitter, then fails with IssuerError dependency_throttled /
 * dependency_unavailable; a disabled or pending-deletion key is dependency_unavailable (an operator state),
 * an unknown key id or a non-RSA key is internal (misconfiguration).
 */
export function createKmsSigner(options: KmsSignerOptions): KmsSigner {
  const { kms, keyId } = options;
  if (typeof keyId !== 'string' || keyId === '') throw new TypeError('keyId is required');
  const policy = kmsRetryPolicy(options);
  let key: Promise<KmsPublicKey> | undefined;

  const publicKey = (): Promise<KmsPublicKey> => {
    if (!key) {
      key = getRsaSigningKey(kms, keyId, policy);
      key.catch(() => {
        key = undefined;
      });
    }
    return key;
  };

  return {
    keyId,
    async getKid() {
      return (await publicKey()).jwk.kid;
    },
    async publicJwk() {
      return (await publicKey()).jwk;
    },
    async sign(signingInput) {
      // Sign with the key ARN that getKid() resolved, never the alias: if SIGNING_KEY_ID is an alias
      // and it moves to a new key, this container keeps signing with the key its `kid` names.
      const { keyArn } = await publicKey();
      const digest = createHash('sha256').update(signingInput).digest();
      let output: SignCommandOutput;
      try {
        output = await withRetry(
          (signal) =>
            kms.send(
              new SignCommand({
                KeyId: keyArn ?? keyId,
                Message: digest,
                MessageType: 'DIGEST',
                SigningAlgorithm: KMS_RS256,
              }),
              signal ? { abortSignal: signal } : {},
            ),
          policy,
        );
      } catch (err) {
        throw kmsIssuerError(err);
      }
      if (!output.Signature || output.Signature.length === 0) {
        throw new IssuerError('dependency_unavailable', 'the signing service returned no signature');
      }
      return Buffer.from(output.Signature);
    },
  };
}
