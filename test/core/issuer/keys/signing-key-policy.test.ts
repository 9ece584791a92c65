// The created key's policy read back: the keygate roles a policy names (by Sid), refusals for principals that
// must not be copied onto a new key, and policy equality whatever the formatting.
import { describe, expect, it } from 'vitest';
import { isKeyPolicy, keygatePrincipalsOf, signingKeyPolicy } from '../../../../core/issuer/index.js';

const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const ROLES = { rotator: role('rotation'), signers: [role('t1'), role('t2')], readers: [role('jwks')] };
const withStatements = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('keygatePrincipalsOf', () => {
  it('reads back the roles signingKeyPolicy names', () => {
    expect(keygatePrincipalsOf(JSON.stringify(signingKeyPolicy(ROLES)))).toEqual(ROLES);
  });

  it('reads a single principal written as a string and a statement given as an object', () => {
    const policy = JSON.stringify({
      Statement: { Sid: 'RotateThisKey', Effect: 'Allow', Principal: { AWS: role('r') }, Action: 'kms:*' },
    });
    expect(keygatePrincipalsOf(policy)).toEqual({ rotator: role('r'), signers: [], readers: [] });
  });

  it.each([
    [
      'KMS’s default key policy',
      withStatements({
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'kms:*',
      }),
    ],
    [
      'a Deny named like the rotator statement',
      withStatements({
        Sid: 'RotateThisKey',
        Effect: 'Deny',
        Principal: { AWS: role('r') },
        Action: 'kms:*',
      }),
    ],
    ['no statements', '{}'],
  ])('finds no roles in %s', (_what, policy) => {
    expect(keygatePrincipalsOf(policy)).toBeUndefined();
  });

  it.each([
    ['a policy that is not JSON', '{', 'the key policy is not JSON'],
    [
      'a deleted role shown by its unique id',
      withStatements(
        { Sid: 'SignWithThisKey', Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEID' }, Action: 'kms:Sign' },
        { Sid: 'RotateThisKey', Effect: 'Allow', Principal: { AWS: role('r') }, Action: 'kms:*' },
      ),
      '"AROAEXAMPLEID" is not an IAM role or user ARN',
    ],
    [
      'two rotators',
      withStatements({
        Sid: 'RotateThisKey',
        Effect: 'Allow',
        Principal: { AWS: [role('a'), role('b')] },
        Action: 'kms:*',
      }),
      'statement RotateThisKey names 2 principals',
    ],
    [
      'a principal that is not a string',
      withStatements({ Sid: 'RotateThisKey', Effect: 'Allow', Principal: { AWS: [1] }, Action: 'kms:*' }),
      'statement RotateThisKey names a principal that is not an ARN',
    ],
  ])('refuses %s', (_what, policy, message) => {
    expect(() => keygatePrincipalsOf(policy)).toThrow(new TypeError(message));
  });
});

describe('isKeyPolicy', () => {
  const doc = signingKeyPolicy(ROLES);

  it('matches the same policy whatever its whitespace and key order', () => {
    const reordered = JSON.stringify(
      {
        Statement: doc.Statement.map((st) => Object.fromEntries(Object.entries(st).reverse())),
        Version: doc.Version,
      },
      null,
      2,
    );
    expect(isKeyPolicy(reordered, doc)).toBe(true);
  });

  it.each([
    ['another role', JSON.stringify(signingKeyPolicy({ ...ROLES, readers: [role('other')] }))],
    ['the statements in another order', JSON.stringify({ ...doc, Statement: [...doc.Statement].reverse() })],
    ['text that is not JSON', 'x'],
  ])('does not match %s', (_what, policy) => {
    expect(isKeyPolicy(policy, doc)).toBe(false);
  });
});
