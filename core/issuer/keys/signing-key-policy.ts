// The key policy of a signing key that a rotation creates, and the actions each keygate role gets in a
// signing key's policy. A key policy is that one key's resource policy, so these grants reach no other key:
// no role needs a KMS permission on `*` but kms:CreateKey (docs/operations-rotation.md#iam).

/**
 * What the rotation role may do on a signing key: move the alias off it and retire it. Also in the deployed
 * key's policy (infra), which CloudFormation owns.
 */
export const KEY_ROTATOR_ACTIONS = ['kms:UpdateAlias', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'] as const;

/**
 * Only on the keys the rotation creates, on top of KEY_ROTATOR_ACTIONS. kms:TagResource: the key is created
 * without tags and tagged afterwards, since tagging inside CreateKey needs kms:TagResource in an IAM policy
 * "that isn't restricted to particular KMS keys" (AWS KMS Developer Guide, "Controlling access to tags",
 * https://docs.aws.amazon.com/kms/latest/developerguide/tag-permissions.html). kms:PutKeyPolicy: without
 * BypassPolicyLockoutSafetyCheck "the key policy must allow the principal that is making the CreateKey
 * request to make a subsequent PutKeyPolicy request on the KMS key" (AWS KMS API Reference, CreateKey).
 */
export const CREATED_KEY_ROTATOR_ACTIONS = [
  ...KEY_ROTATOR_ACTIONS,
  'kms:TagResource',
  'kms:PutKeyPolicy',
] as const;

/** The token function signs; the JWKS function reads the public key. Nothing else. */
export const KEY_SIGNER_ACTIONS = ['kms:Sign'] as const;
export const KEY_READER_ACTIONS = ['kms:GetPublicKey'] as const;

/** Who gets what on a key the rotation creates (IAM principal ARNs). */
export interface SigningKeyPrincipals {
  /** The rotation role: the principal calling CreateKey. Its partition and account name the account root. */
  readonly rotator: string;
  readonly signers: readonly string[];
  readonly readers: readonly string[];
}

/**
 * The Sid of each statement signingKeyPolicy writes: how a key's policy is read back (keygatePrincipalsOf), so
 * a new key can name the same roles as the key it replaces.
 */
export const KEY_POLICY_SIDS = {
  account: 'EnableIamPolicies',
  rotator: 'RotateThisKey',
  signers: 'SignWithThisKey',
  readers: 'PublishThisKey',
} as const;

interface KeyPolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal: { readonly AWS: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: '*';
}

export interface KeyPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly KeyPolicyStatement[];
}

const IAM_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(?:role|user)\/\S+$/;

/** Throws TypeError unless `arn` is an IAM role or user ARN (what a key policy principal may name here). */
export function checkPrincipalArn(arn: string): { readonly partition: string; readonly account: string } {
  const m = IAM_ARN.exec(arn);
  if (!m) throw new TypeError(`${JSON.stringify(arn)} is not an IAM role or user ARN`);
  return { partition: m[1]!, account: m[2]! };
}

/**
 * The policy a created signing key carries. The first statement is the default key policy's "allows access
 * to the AWS account and enables IAM policies": the account's administrators keep the key manageable (AWS
 * KMS Developer Guide, "Default key policy",
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). The others name the
 * keygate roles, each with its own actions on this key only.
 */
export function signingKeyPolicy(p: SigningKeyPrincipals): KeyPolicyDocument {
  const { partition, account } = checkPrincipalArn(p.rotator);
  for (const arn of [...p.signers, ...p.readers]) {
    if (checkPrincipalArn(arn).account !== account) {
      throw new TypeError(`${arn} is not in account ${account}`);
    }
  }
  const statement = (Sid: string, principals: readonly string[], actions: readonly string[]) =>
    principals.length === 0
      ? []
      : [
          {
            Sid,
            Effect: 'Allow' as const,
            Principal: { AWS: [...principals] },
            Action: [...actions],
            Resource: '*' as const,
          },
        ];
  return {
    Version: '2012-10-17',
    Statement: [
      ...statement(KEY_POLICY_SIDS.account, [`arn:${partition}:iam::${account}:root`], ['kms:*']),
      ...statement(KEY_POLICY_SIDS.rotator, [p.rotator], CREATED_KEY_ROTATOR_ACTIONS),
      ...statement(KEY_POLICY_SIDS.signers, p.signers, KEY_SIGNER_ACTIONS),
      ...statement(KEY_POLICY_SIDS.readers, p.readers, KEY_READER_ACTIONS),
    ],
  };
}

/**
 * The keygate roles a key policy names, read back from the statements signingKeyPolicy writes (by Sid), or
 * undefined when it names no rotator (KMS's default key policy, for one). Throws TypeError for a document that
 * is not a policy, or a keygate statement naming something other than IAM role or user ARNs: a resource
 * policy shows a deleted role by its unique id instead of its ARN (IAM User Guide, "AWS JSON policy elements:
 * Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html),
 * and such a principal must not be copied onto a new key.
 */
export function keygatePrincipalsOf(policy: string): SigningKeyPrincipals | undefined {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    throw new TypeError('the key policy is not JSON');
  }
  const raw = doc?.Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as {
    Sid?: unknown;
    Effect?: unknown;
    Principal?: { AWS?: unknown };
  }[];
  const principalsOf = (sid: string): string[] => {
    const found = statements.filter((st) => st?.Sid === sid && st.Effect === 'Allow');
    const arns = found.flatMap((st) => {
      const aws = st.Principal?.AWS;
      return Array.isArray(aws) ? aws : [aws];
    });
    for (const arn of arns) {
      if (typeof arn !== 'string')
        throw new TypeError(`statement ${sid} names a principal that is not an ARN`);
      checkPrincipalArn(arn);
    }
    return [...new Set(arns as string[])];
  };
  const rotators = principalsOf(KEY_POLICY_SIDS.rotator);
  if (rotators.length === 0) return undefined;
  if (rotators.length > 1)
    throw new TypeError(`statement ${KEY_POLICY_SIDS.rotator} names ${rotators.length} principals`);
  return {
    rotator: rotators[0]!,
    signers: principalsOf(KEY_POLICY_SIDS.signers),
    readers: principalsOf(KEY_POLICY_SIDS.readers),
  };
}

/** Whether a key's policy (as GetKeyPolicy returns it) is `doc`, whatever its formatting and key order. */
export function isKeyPolicy(policy: string, doc: KeyPolicyDocument): boolean {
  try {
    return canonical(JSON.parse(policy)) === canonical(doc);
  } catch {
    return false;
  }
}

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
