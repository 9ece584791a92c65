// Method ARN parsing: strict on the parts copied into policies, lenient on the request path.
import { describe, expect, it } from 'vitest';
import { parseMethodArn } from '../../../core/authz/method-arn.js';

describe('parseMethodArn', () => {
  it('splits a method ARN into its parts', () => {
    expect(
      parseMethodArn('arn:aws:execute-api:eu-west-2:123456789012:a1b2c3d4e5/prod/GET/products/42'),
    ).toEqual({
      partition: 'aws',
      region: 'eu-west-2',
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      stage: 'prod',
      method: 'GET',
      resourcePath: '/products/42',
      prefix: 'arn:aws:execute-api:eu-west-2:123456789012:a1b2c3d4e5/prod',
    });
  });

  it('keeps other partitions, the root path, * methods and colons in the path', () => {
    const cn = parseMethodArn('arn:aws-cn:execute-api:cn-north-1:123456789012:api1/dev_v2/POST/');
    expect(cn?.partition).toBe('aws-cn');
    expect(cn?.stage).toBe('dev_v2');
    expect(cn?.resourcePath).toBe('/');
    expect(parseMethodArn('arn:aws:execute-api:us-east-1:123456789012:api1/prod/*/')?.method).toBe('*');
    expect(
      parseMethodArn('arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/a:b/c')?.resourcePath,
    ).toBe('/a:b/c');
  });

  it.each(['/products/*', '/products/a?b', '/products/%2F..%2F', '/products/ü'])(
    'treats the resource path as data: %s after the verb',
    (path) => {
      expect(
        parseMethodArn(`arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET${path}`)?.resourcePath,
      ).toBe(path);
    },
  );

  it.each([
    ['empty', ''],
    ['not an ARN', 'hello'],
    ['wrong service', 'arn:aws:lambda:us-east-1:123456789012:api1/prod/GET/products'],
    ['no stage or method', 'arn:aws:execute-api:us-east-1:123456789012:api1'],
    ['no path', 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET'],
    ['wildcard stage', 'arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/products'],
    ['wildcard in api id', 'arn:aws:execute-api:us-east-1:123456789012:api*/prod/GET/products'],
    ['wildcard in region', 'arn:aws:execute-api:*:123456789012:api1/prod/GET/products'],
    ['short account', 'arn:aws:execute-api:us-east-1:1234:api1/prod/GET/products'],
    ['lowercase verb', 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/get/products'],
    ['over 1600 characters', `arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/${'a'.repeat(1600)}`],
  ])('rejects %s', (_label, arn) => {
    expect(parseMethodArn(arn)).toBeUndefined();
  });
});
