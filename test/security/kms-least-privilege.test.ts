// Account-wide key takeover by tag, and every other way a keygate role could reach a KMS key or a table it did
// not create: the IAM policies of the synthesized stacks (the products example and a bare KeygateIssuer) are
// evaluated for a foreign key ARN. The evaluator over-approximates: a statement whose Action and Resource
// match counts as granting whatever its Condition says, since tags and request parameters are the caller's to
// choose. Run on the policy keygate used to ship, it finds the takeover; on today's, it finds nothing.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KeygateIssuer } from 'keygate/cdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKeyPolicy } from '../../core/issuer/keys/signing-key-policy.js';
import { CREATE_KEY_CONDITIONS } from '../../infra/lib/constructs/key-rotation.js';
import { arnMatches } from '../../local/gateway/arn-match.js';
import { type CfnTemplate, type Synthesized, synthKeygate } from '../examples/products/synth.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const FOREIGN_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/foreign`;
/** What a takeover needs on someone else's key. */
const TAKEOVER_ACTIONS = [
  'kms:TagResource',
  'kms:UntagResource',
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:PutKeyPolicy',
  'kms:Sign',
  'kms:GetPublicKey',
  'kms:UpdateAlias',
  'kms:EnableKey',
  'kms:CancelKeyDeletion',
  'kms:CreateGrant',
] as const;

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
  readonly Principal?: unknown;
}

/** Every identity-policy statement of a template, by the logical id of the role it is attached to. */
function identityStatements(json: CfnTemplate): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  const add = (role: string, doc: unknown) => {
    const list = byRole.get(role) ?? [];
    list.push(...((doc as { Statement: Statement[] }).Statement ?? []));
    byRole.set(role, list);
  };
  for (const [id, r] of Object.entries(json.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      for (const role of (p.Roles as { Ref: string }[] | undefined) ?? []) add(role.Ref, p.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Role') {
      byRole.set(id, byRole.get(id) ?? []);
      for (const inline of (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        add(id, inline.PolicyDocument);
      }
    }
  }
  return byRole;
}

/** AWS managed policies a role may carry, with what they allow (none touches KMS or DynamoDB). */
const KNOWN_MANAGED = new Map([
  // API Gateway's account-level CloudWatch role: CloudWatch Logs actions only.
  ['service-role/AmazonAPIGatewayPushToCloudWatchLogs', 'logs'],
  ['service-role/AWSLambdaBasicExecutionRole', 'logs'],
]);

/** A CloudFormation value as the concrete text it resolves to in account 111122223333, us-east-1. */
function concrete(value: unknown, json: CfnTemplate): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'Keygate',
    };
    return pseudo[v.Ref] ?? `ref-${v.Ref}`;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    const type = json.Resources[id]?.Type;
    if (attr !== 'Arn') return `${id}.${attr}`;
    // The ARN each of our own resources has: its logical id where the physical id goes.
    if (type === 'AWS::KMS::Key') return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    if (type === 'AWS::DynamoDB::Table') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
    return `arn:aws:${type?.split('::')[1]?.toLowerCase()}:${REGION}:${ACCOUNT}:${id}`;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => concrete(p, json)).join(sep);
  }
  throw new Error(`no concrete value for ${JSON.stringify(value)}`);
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Allow statements whose Action covers `action` and whose Resource covers `resource`, conditions ignored. */
function granting(statements: readonly Statement[], action: string, resource: string, json: CfnTemplate) {
  return statements.filter(
    (st) =>
      st.Effect === 'Allow' &&
      // IAM action names are case-insensitive; resources are not.
      list(st.Action).some((a) => arnMatches(String(a).toLowerCase(), action.toLowerCase())) &&
      list(st.Resource).some((r) => arnMatches(concrete(r, json), resource)),
  );
}

function minimalIssuer(): CfnTemplate {
  const stack = new Stack(new App(), 'Issuer');
  new KeygateIssuer(stack, 'Issuer', { audience: 'https://orders.example' });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

let products: Synthesized;
const STACKS = ['the products example', 'a minimal KeygateIssuer'] as const;
const templates = new Map<(typeof STACKS)[number], CfnTemplate>();
beforeAll(() => {
  products = synthKeygate();
  templates.set('the products example', products.json);
  templates.set('a minimal KeygateIssuer', minimalIssuer());
}, 180_000);
afterAll(() => products?.cleanup());

describe('the evaluator', () => {
  it('finds the account-wide takeover in the tag-scoped policy keygate used to ship', () => {
    // The rotation role's statements before the fix: TagResource on `*` limited by the request's tag, and
    // DisableKey / ScheduleKeyDeletion on any key carrying that tag.
    const tag = 'keygate:signing-key';
    const old: Statement[] = [
      {
        Effect: 'Allow',
        Action: 'kms:TagResource',
        Resource: '*',
        Condition: { StringEquals: { [`aws:RequestTag/${tag}`]: 'Keygate' } },
      },
      {
        Effect: 'Allow',
        Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:UpdateAlias'],
        Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
        Condition: { StringEquals: { [`aws:ResourceTag/${tag}`]: 'Keygate' } },
      },
    ];
    const json = { Resources: {} } as CfnTemplate;
    expect(
      ['kms:TagResource', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'].map(
        (a) => granting(old, a, FOREIGN_KEY, json).length,
      ),
    ).toEqual([1, 1, 1]);
  });
});

describe.each(STACKS)('IAM policies of %s', (name) => {
  const template = () => templates.get(name)!;

  it('use no NotAction or NotResource, and only AWS managed policies known not to touch KMS or DynamoDB', () => {
    const json = template();
    for (const statements of identityStatements(json).values()) {
      for (const st of statements) {
        expect(st.NotAction).toBeUndefined();
        expect(st.NotResource).toBeUndefined();
      }
    }
    for (const [id, r] of Object.entries(json.Resources)) {
      if (r.Type !== 'AWS::IAM::Role') continue;
      for (const arn of list(r.Properties?.ManagedPolicyArns)) {
        const name = concrete(arn, json).replace(/^arn:aws:iam::aws:policy\//, '');
        expect(KNOWN_MANAGED.has(name), `${id}: ${name}`).toBe(true);
      }
    }
  });

  it('grant no KMS or DynamoDB action on a wildcard resource but kms:CreateKey, pinned by the request', () => {
    const json = template();
    const wildcards: unknown[] = [];
    for (const [role, statements] of identityStatements(json)) {
      for (const st of statements) {
        const actions = list(st.Action).map(String);
        if (!actions.some((a) => /^(kms|dynamodb):/i.test(a) || a === '*')) continue;
        const resources = list(st.Resource).map((r) => concrete(r, json));
        if (!resources.some((r) => r.includes('*') || r.includes('?'))) continue;
        wildcards.push({
          role,
          Effect: st.Effect,
          Action: st.Action,
          Resource: st.Resource,
          Condition: st.Condition,
        });
      }
    }
    const rotationRoles = [...identityStatements(json).keys()].filter((r) => r.includes('RotationFunction'));
    expect(rotationRoles).toHaveLength(1);
    expect(wildcards).toEqual([
      {
        role: rotationRoles[0],
        Effect: 'Allow',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: CREATE_KEY_CONDITIONS,
      },
    ]);
  });

  it.each(TAKEOVER_ACTIONS)('let no role call %s on a foreign key', (action) => {
    const json = template();
    for (const [role, statements] of identityStatements(json)) {
      expect(granting(statements, action, FOREIGN_KEY, json), role).toEqual([]);
    }
  });

  it('let the rotation role retire only the deployed key through IAM, and tag or re-policy no key through IAM', () => {
    const json = template();
    const [role, statements] = [...identityStatements(json)].find(([r]) => r.includes('RotationFunction'))!;
    const ownKeys = Object.entries(json.Resources)
      .filter(([, r]) => r.Type === 'AWS::KMS::Key')
      .map(([id]) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`);
    expect(ownKeys).toHaveLength(1);
    const grants = (action: string, key: string) => granting(statements, action, key, json).length;
    for (const action of ['kms:DisableKey', 'kms:ScheduleKeyDeletion']) {
      expect([grants(action, ownKeys[0]!), grants(action, FOREIGN_KEY)], `${role} ${action}`).toEqual([1, 0]);
    }
    for (const key of [...ownKeys, FOREIGN_KEY]) {
      for (const action of ['kms:TagResource', 'kms:PutKeyPolicy']) {
        expect(grants(action, key), `${role} ${action} ${key}`).toBe(0);
      }
    }
    // The deployed key's policy stays CDK's default (the account statement): a deploy after the first rotation
    // retired the key must not update it (test/infra/constructs/key-rotation.test.ts).
    const keyPolicy = Object.values(json.Resources).find((r) => r.Type === 'AWS::KMS::Key')!.Properties!
      .KeyPolicy as { Statement: Statement[] };
    expect(keyPolicy.Statement.map((st) => st.Action)).toEqual(['kms:*']);
  });
});

describe('the policy of a key the rotation creates', () => {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const policy = signingKeyPolicy({
    rotator: role('rotation'),
    signers: [role('token')],
    readers: [role('jwks')],
  });

  it('names each keygate role with its own actions only, and no destructive action for the token or JWKS role', () => {
    const by = (principal: string) =>
      policy.Statement.filter((st) => JSON.stringify(st.Principal).includes(principal)).flatMap(
        (st) => st.Action,
      );
    expect(by(role('token'))).toEqual(['kms:Sign']);
    expect(by(role('jwks'))).toEqual(['kms:GetPublicKey']);
    // The rotation role's exact grant on the key: test/core/issuer/keys/key-rotation.test.ts (read back from KMS).
    expect(by(role('rotation'))).toContain('kms:TagResource');
    // The account keeps the key manageable through IAM (the default key policy's first statement).
    expect(by(`arn:aws:iam::${ACCOUNT}:root`)).toEqual(['kms:*']);
    expect(policy.Statement.every((st) => st.Resource === '*' && st.Effect === 'Allow')).toBe(true);
  });
});
