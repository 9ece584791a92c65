// The local stack's signing keys: the KMS key tokens are signed with (found again by its alias after a
// restart) and the rotation runbook (docs/operations.md) as calls: create a key, publish it, sign with it,
// retire the old one. The token, JWKS and revocations Lambdas read the result from their env at (re)deploy.

import { DescribeKeyCommand, type KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { DEFAULT_SIGNING_KEY_ALIAS } from '../core/contract.js';
import type { KmsEmulator } from './kms/index.js';

export const SIGNING_KEY_ALIAS = DEFAULT_SIGNING_KEY_ALIAS;

/** The rotation calls the local stack exposes. */
export interface SigningKeyRotation {
  /** The KMS key id tokens are signed with now (changes with rotateSigningKey). */
  readonly signingKeyId: string;
  /** Key ids whose public keys the JWKS endpoint publishes. */
  readonly publishedKeyIds: readonly string[];
  /**
   * The rotation runbook (docs/operations.md) in one call: create a new KMS key, publish it beside the
   * current one, switch signing to it (and move the signing alias, so a restart keeps it). The previous key
   * stays published until retireKey(); verifiers pick the new kid up through their unknown-kid refetch.
   */
  rotateSigningKey(): Promise<{ readonly keyId: string; readonly previousKeyId: string }>;
  /** Stops publishing a key (after the longest token lifetime has passed). Refuses the signing key. */
  retireKey(keyId: string): Promise<void>;
  /** Creates an RSA signing key in the KMS emulator (not yet published nor signing). */
  createKey(): Promise<string>;
}

export interface SigningKeys extends SigningKeyRotation {
  /** The issuer Lambdas' key settings, read at every (re)deploy. */
  env(): { readonly SIGNING_KEY_ID: string; readonly PUBLISHED_KEY_IDS: string };
}

// Straight into the emulator's store, not over the SDK: RSA key generation on a loaded machine can
// outlast the KMS client's 2 s request timeout.
async function createSigningKey(kms: KmsEmulator, alias?: string): Promise<string> {
  const { keyId } = await kms.createKey({
    description: 'keygate local signing key',
    ...(alias ? { alias } : {}),
  });
  return keyId;
}

/** The key SIGNING_KEY_ALIAS names, created (with the alias) on the first start. */
export async function ensureSigningKey(kms: KmsEmulator, kmsClient: KMSClient): Promise<string> {
  try {
    const out = await kmsClient.send(new DescribeKeyCommand({ KeyId: SIGNING_KEY_ALIAS }));
    return out.KeyMetadata!.KeyId!;
  } catch (err) {
    if ((err as { name?: string }).name !== 'NotFoundException') throw err;
  }
  return createSigningKey(kms, SIGNING_KEY_ALIAS);
}

/**
 * Signing with `signingKeyId`, publishing only it. `redeployIssuer` runs after every change: the token and
 * JWKS Lambdas read their keys from config at init, so a key change means new "containers", as on AWS.
 */
export function createSigningKeys(
  kms: KmsEmulator,
  kmsClient: KMSClient,
  signingKeyId: string,
  redeployIssuer: () => void,
): SigningKeys {
  let signing = signingKeyId;
  let published = [signingKeyId];
  return {
    get signingKeyId() {
      return signing;
    },
    get publishedKeyIds() {
      return [...published];
    },
    env: () => ({ SIGNING_KEY_ID: signing, PUBLISHED_KEY_IDS: published.join(',') }),
    async rotateSigningKey() {
      const previousKeyId = signing;
      const keyId = await createSigningKey(kms);
      published = [...published, keyId];
      signing = keyId;
      redeployIssuer();
      await kmsClient.send(new UpdateAliasCommand({ AliasName: SIGNING_KEY_ALIAS, TargetKeyId: keyId }));
      return { keyId, previousKeyId };
    },
    async retireKey(keyId: string) {
      if (keyId === signing) throw new Error('cannot retire the key tokens are signed with');
      if (!published.includes(keyId)) throw new Error(`key ${keyId} is not published`);
      published = published.filter((k) => k !== keyId);
      redeployIssuer();
    },
    createKey: () => createSigningKey(kms),
  };
}
