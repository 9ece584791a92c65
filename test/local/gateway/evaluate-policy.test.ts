// IAM policy evaluation as API Gateway applies it to authorizer output.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';

const P = 'arn:aws:execute-api:us-east-1:123456789012:api1/prod';
const arn = (rest: string) => `${P}/${rest}`;
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('evaluatePolicy', () => {
  it('allows when an Allow statement matches and nothing denies', () => {
    const policy = doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [arn('GET/products')] });
    expect(evaluatePolicy(policy, arn('GET/products'))).toBe('allow');
    expect(evaluatePolicy(policy, arn('GET/products/1'))).toBe('implicit_deny');
    expect(evaluatePolicy(policy, arn('POST/products'))).toBe('implicit_deny');
  });

  it('gives an explicit Deny precedence over any Allow, in any order', () => {
    const allow = { Effect: 'Allow', Action: '*', Resource: '*' };
    const deny = { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: arn('POST/*') };
    expect(evaluatePolicy(doc(allow, deny), arn('POST/products'))).toBe('explicit_deny');
    expect(evaluatePolicy(doc(deny, allow), arn('POST/products'))).toBe('explicit_deny');
    expect(evaluatePolicy(doc(deny, allow), arn('GET/products'))).toBe('allow');
  });

  it('accepts a single Statement object and string or array Action/Resource', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: ['s3:GetObject', 'execute-api:*'], Resource: arn('*') },
    };
    expect(evaluatePolicy(policy, arn('DELETE/x'))).toBe('allow');
  });

  it.each(['execute-api:invoke', 'EXECUTE-API:INVOKE', 'execute-api:Inv*', 'execute-api:*', '*'])(
    'matches the action %s to Invoke (case-insensitive, wildcards)',
    (Action) => {
      expect(evaluatePolicy(doc({ Effect: 'Allow', Action, Resource: '*' }), arn('GET/products'))).toBe(
        'allow',
      );
    },
  );

  it.each(['execute-api:ManageConnections', 's3:*', 'execute-api:Invoke2'])(
    'does not match the action %s to Invoke',
    (Action) => {
      expect(evaluatePolicy(doc({ Effect: 'Allow', Action, Resource: '*' }), arn('GET/products'))).toBe(
        'implicit_deny',
      );
    },
  );

  it('supports NotAction and NotResource', () => {
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', NotAction: 's3:*', NotResource: arn('POST/*') }),
        arn('GET/products'),
      ),
    ).toBe('allow');
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', NotAction: 's3:*', NotResource: arn('POST/*') }),
        arn('POST/products'),
      ),
    ).toBe('implicit_deny');
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', NotAction: 'execute-api:*', Resource: '*' }),
        arn('GET/products'),
      ),
    ).toBe('implicit_deny');
  });

  it('ignores conditional Allows and applies conditional Denies (fails closed)', () => {
    const cond = { StringEquals: { 'aws:SourceIp': '10.0.0.1' } };
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: cond }),
        arn('GET/products'),
      ),
    ).toBe('implicit_deny');
    expect(
      evaluatePolicy(
        doc(
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*', Condition: cond },
        ),
        arn('GET/products'),
      ),
    ).toBe('explicit_deny');
  });

  it.each([
    ['null', null],
    ['a string', 'Allow'],
    ['no Statement', {}],
    ['no statements', { Statement: [] }],
    ['non-object statements', { Statement: [null, 3, 'x'] }],
    ['a lower-case Effect', doc({ Effect: 'allow', Action: '*', Resource: '*' })],
    ['no Action', doc({ Effect: 'Allow', Resource: '*' })],
    ['no Resource', doc({ Effect: 'Allow', Action: '*' })],
    ['a non-string Resource', doc({ Effect: 'Allow', Action: '*', Resource: [3] })],
    ['an object Action', doc({ Effect: 'Allow', Action: { x: 1 }, Resource: '*' })],
  ])('treats a malformed document (%s) as granting nothing', (_name, policy) => {
    expect(evaluatePolicy(policy, arn('GET/products'))).toBe('implicit_deny');
  });

  it('does not treat regex metacharacters in resources as patterns', () => {
    const policy = doc({ Effect: 'Allow', Action: '*', Resource: `${P}/GET/products.+` });
    expect(evaluatePolicy(policy, arn('GET/productsXX'))).toBe('implicit_deny');
    expect(evaluatePolicy(policy, arn('GET/products.+'))).toBe('allow');
  });
});
