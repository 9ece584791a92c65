// Signing keys whose policies must name the keygate roles: reading those roles back from a key (so a new key
// names the same ones), and adopting the keys a rotation created before keys carried their roles (their token
// and JWKS grants were tags, now gone): the plan, then PutKeyPolicy with signingKeyPolicy on each.
import { DescribeKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { KeyRotationError } from '../errors.js';
import type { KeyStateStore } from './key-state.js';
import type { KmsApi } from './kms.js';
import {
  isKeyPolicy,
  type KeyPolicyDocument,
  keygatePrincipalsOf,
  type SigningKeyPrincipals,
  signingKeyPolicy,
} from './signing-key-policy.js';

/** Where the stack uses a key: the alias target, and what the key state names it as. */
export type SigningKeyUse = 'alias' | 'signing' | 'published' | 'previous' | 'next';

export interface AdoptedKey {
  /** The key ARN. */
  readonly keyId: string;
  readonly uses: readonly SigningKeyUse[];
  /** KMS KeyState (Enabled, Disabled, PendingDeletion, ...). */
  readonly keyState: string;
  /**
   * `put_policy`: created by a rotation, its policy is not signingKeyPolicy yet; `unchanged`: it is already;
   * `skipped`: not created by a rotation (the deployed key, additional published keys), reached through IAM
   * grants on its ARN, so its policy is left to its owner (CloudFormation, or you).
   */
  readonly action: 'put_policy' | 'unchanged' | 'skipped';
}

export interface AdoptionPlan {
  readonly keys: readonly AdoptedKey[];
  /** Undefined when no key needs a policy. */
  readonly principals?: SigningKeyPrincipals;
  /** `configuration`, or the ARN of the key whose policy named the principals. */
  readonly principalsFrom?: string;
  readonly policy?: KeyPolicyDocument;
}

export interface AdoptionOptions {
  readonly kms: KmsApi;
  readonly store: Pick<KeyStateStore, 'read'>;
  /** The signing alias (its target is in use even where the key state does not name it). */
  readonly alias: string;
  /** The roles to name; unset: the ones a key in use already names (the signing key's first). */
  readonly principals?: SigningKeyPrincipals;
}

const kmsFailed = (what: string, keyId: string, cause: unknown) =>
  new KeyRotationError('dependency_failed', `KMS ${what} of ${keyId} failed`, { cause });

async function keyPolicy(kms: KmsApi, keyId: string): Promise<string> {
  try {
    const out = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    return out.Policy ?? '';
  } catch (err) {
    throw kmsFailed('GetKeyPolicy', keyId, err);
  }
}

function principalsIn(policy: string, keyId: string): SigningKeyPrincipals | undefined {
  try {
    return keygatePrincipalsOf(policy);
  } catch (err) {
    throw new KeyRotationError('no_key_principals', `the policy of ${keyId}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

const NAME_THE_ROLES =
  'set SIGNING_KEY_ROTATOR_ARN, SIGNING_KEY_SIGNER_ARNS and SIGNING_KEY_READER_ARNS to the roles of the ' +
  'rotation, token and JWKS functions';

/**
 * The roles the key `signingKeyId` names in its policy, for the key that replaces it (KeyRotatorOptions
 * keyPrincipals). Refuses a key that names none: its replacement would get KMS's default policy, which the
 * token and JWKS roles cannot use.
 */
export function inheritedKeyPrincipals(kms: KmsApi) {
  return async (signingKeyId: string): Promise<SigningKeyPrincipals> => {
    const principals = principalsIn(await keyPolicy(kms, signingKeyId), signingKeyId);
    if (!principals) {
      throw new KeyRotationError(
        'no_key_principals',
        `the policy of the signing key ${signingKeyId} names no keygate roles for the new key: ${NAME_THE_ROLES}, ` +
          'or run `keys adopt` first if this stack rotated before keys named their roles',
      );
    }
    return principals;
  };
}

/**
 * What adoption would do: every key the stack uses (alias target, signing, published, the rotation's previous
 * and next key) with its action. Only keys a rotation created (the key state's `next` and last completed
 * rotation's key) get a policy; the keys are read, nothing is written.
 */
export async function planKeyAdoption(options: AdoptionOptions): Promise<AdoptionPlan> {
  const { kms } = options;
  const state = await options.store.read();
  const uses = new Map<string, Set<SigningKeyUse>>();
  const use = (keyId: string | undefined, how: SigningKeyUse) => {
    if (keyId) uses.set(keyId, (uses.get(keyId) ?? new Set()).add(how));
  };
  use(options.alias, 'alias');
  if (state) {
    use(state.signingKeyId, 'signing');
    for (const k of state.publishedKeyIds) use(k, 'published');
    use(state.rotation?.previousKeyId, 'previous');
    use(state.rotation?.nextKeyId, 'next');
  }
  // One entry per key: ids and the alias resolve to the key ARN.
  const byArn = new Map<string, { uses: Set<SigningKeyUse>; keyState: string }>();
  const arnOf = new Map<string, string>();
  for (const [id, how] of uses) {
    let arn: string | undefined;
    let keyState: string | undefined;
    try {
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata;
      arn = meta?.Arn;
      keyState = meta?.KeyState;
    } catch (err) {
      throw kmsFailed('DescribeKey', id, err);
    }
    if (!arn) throw new KeyRotationError('dependency_failed', `KMS DescribeKey of ${id} returned no key`);
    const entry = byArn.get(arn) ?? { uses: new Set(), keyState: keyState ?? 'Unknown' };
    for (const h of how) entry.uses.add(h);
    byArn.set(arn, entry);
    arnOf.set(id, arn);
  }
  // Keys a rotation created (always in use when the key state names them: its signing or next key).
  const created = new Set(
    [state?.rotation?.nextKeyId, state?.lastRotation?.keyId].map((id) => id && arnOf.get(id)).filter(Boolean),
  );
  const policies = new Map<string, string>();
  for (const arn of byArn.keys()) policies.set(arn, await keyPolicy(kms, arn));

  let principals = options.principals;
  let principalsFrom = principals ? 'configuration' : undefined;
  // The signing key's roles first, then any other key's in use.
  const signingFirst = [...byArn].sort(
    ([, a], [, b]) => Number(b.uses.has('signing')) - Number(a.uses.has('signing')),
  );
  for (const [arn] of signingFirst) {
    if (principals) break;
    principals = principalsIn(policies.get(arn)!, arn);
    if (principals) principalsFrom = arn;
  }
  const needsPolicy = [...byArn.keys()].some((arn) => created.has(arn));
  if (needsPolicy && !principals) {
    throw new KeyRotationError(
      'no_key_principals',
      `no key in use names the keygate roles yet: ${NAME_THE_ROLES}`,
    );
  }
  let policy: KeyPolicyDocument | undefined;
  if (needsPolicy && principals) {
    try {
      policy = signingKeyPolicy(principals);
    } catch (err) {
      throw new KeyRotationError('no_key_principals', `the roles to name: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const keys = [...byArn].map(
    ([keyId, { uses: how, keyState }]): AdoptedKey => ({
      keyId,
      uses: (['alias', 'signing', 'published', 'previous', 'next'] as const).filter((u) => how.has(u)),
      keyState,
      action: !created.has(keyId)
        ? 'skipped'
        : isKeyPolicy(policies.get(keyId)!, policy!)
          ? 'unchanged'
          : 'put_policy',
    }),
  );
  return {
    keys,
    ...(needsPolicy && principals ? { principals, principalsFrom: principalsFrom!, policy: policy! } : {}),
  };
}

/**
 * Puts the plan's policy on each key marked `put_policy`, in order; a failure stops there (run it again: a
 * key already done plans as `unchanged`). PutKeyPolicy works in every key state ("Key states of AWS KMS keys",
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html); the lockout safety check passes
 * because the policy's account statement lets IAM policies, the caller's included, manage the key.
 */
export async function applyKeyAdoption(kms: KmsApi, plan: AdoptionPlan): Promise<void> {
  if (!plan.policy) return;
  const Policy = JSON.stringify(plan.policy);
  for (const key of plan.keys) {
    if (key.action !== 'put_policy') continue;
    try {
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, Policy }));
    } catch (err) {
      throw kmsFailed('PutKeyPolicy', key.keyId, err);
    }
  }
}
