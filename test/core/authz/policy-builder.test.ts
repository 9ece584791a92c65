// Scope-to-route policies: right for every route under result caching, memoized, bounded.
import { describe, expect, it } from 'vitest';
import { AuthzError } from '../../../core/authz/errors.js';
import { createPolicyBuilder, routeResourcePath } from '../../../core/authz/policy-builder.js';
import type { RouteDef } from '../../../core/routes.js';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';
const method = (verb: string, path: string, prefix = PREFIX) => `${prefix}/${verb}${path}`;

describe('policy builder', () => {
  it('allows every route a products/read token may call, whatever route triggered it', () => {
    const builder = createPolicyBuilder();
    const { policyDocument, effect } = builder.policyFor(method('GET', '/products'), 'products/read');
    expect(effect).toBe('Allow');
    expect(policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: [`${PREFIX}/GET/products`, `${PREFIX}/GET/products/*`],
        },
      ],
    });
    expect(evaluatePolicy(policyDocument, method('GET', '/products'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/products/p-1001'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('POST', '/products'))).toBe('implicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/productsX'))).toBe('implicit_deny');
    expect(evaluatePolicy(policyDocument, method('DELETE', '/products/1'))).toBe('implicit_deny');
  });

  it('gives a write-only token the reverse', () => {
    const { policyDocument } = createPolicyBuilder().policyFor(method('POST', '/products'), 'products/write');
    expect(evaluatePolicy(policyDocument, method('POST', '/products'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/products'))).toBe('implicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/products/1'))).toBe('implicit_deny');
  });

  it('gives a token without a usable scope an explicit Deny for the whole API', () => {
    const builder = createPolicyBuilder();
    for (const scope of ['', 'openid', 'products/admin PRODUCTS/READ', 'products/readx']) {
      const { policyDocument, effect, allowedRoutes } = builder.policyFor(method('GET', '/products'), scope);
      expect(effect).toBe('Deny');
      expect(allowedRoutes).toEqual([]);
      expect(policyDocument.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${PREFIX}/*/*`] },
      ]);
      for (const [verb, path] of [
        ['GET', '/products'],
        ['GET', '/products/1'],
        ['POST', '/products'],
        ['GET', '/'],
      ] as const) {
        expect(evaluatePolicy(policyDocument, method(verb, path))).toBe('explicit_deny');
      }
    }
  });

  it('takes partition, region, account, api and stage from the method ARN', () => {
    const other = 'arn:aws-cn:execute-api:cn-north-1:210987654321:zz9/staging';
    const { policyDocument } = createPolicyBuilder().policyFor(
      method('GET', '/products/7', other),
      'products/read products/write',
    );
    expect(policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [`${other}/GET/products`, `${other}/GET/products/*`, `${other}/POST/products`],
      },
    ]);
    expect(evaluatePolicy(policyDocument, method('GET', '/products', PREFIX))).toBe('implicit_deny');
  });

  it('returns the same frozen object for the same prefix and scope set, in any order or repetition', () => {
    const builder = createPolicyBuilder();
    const a = builder.policyFor(method('GET', '/products'), 'products/read products/write');
    const b = builder.policyFor(method('POST', '/products'), 'products/write products/read products/write');
    const c = builder.policyFor(method('GET', '/products/9'), 'openid products/write products/read');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(builder.policyFor(method('GET', '/products'), 'products/read products/write')).toBe(a);
    expect(Object.isFrozen(a.policyDocument)).toBe(true);
    expect(Object.isFrozen(a.policyDocument.Statement)).toBe(true);
    expect(builder.policyFor(method('GET', '/products'), 'products/read')).not.toBe(a);
    expect(builder.stats().size).toBe(2);
  });

  it('keeps its caches bounded', () => {
    const builder = createPolicyBuilder({ cacheSize: 4 });
    for (let i = 0; i < 50; i++) {
      builder.policyFor(method('GET', `/products/${i}`), i % 2 ? 'products/read' : 'products/write');
    }
    expect(builder.stats().size).toBeLessThanOrEqual(4);
  });

  it('throws AuthzError method_arn for a malformed method ARN (a 500, not a 401)', () => {
    const builder = createPolicyBuilder();
    for (const arn of ['', 'arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/products', 'nonsense']) {
      expect(() => builder.policyFor(arn, 'products/read')).toThrow(AuthzError);
      try {
        builder.policyFor(arn, 'products/read');
      } catch (err) {
        expect((err as AuthzError).code).toBe('method_arn');
      }
    }
  });

  it('refuses to build a Resource ARN over 512 characters', () => {
    const routes: RouteDef[] = [
      { method: 'GET', path: `/${'x'.repeat(500)}`, handler: 'products', scopes: ['s'] },
    ];
    expect(() => createPolicyBuilder({ routes }).policyFor(method('GET', '/x'), 's')).toThrow(
      expect.objectContaining({ code: 'resource_too_long' }),
    );
  });

  it('turns every path parameter into a wildcard', () => {
    expect(routeResourcePath('/products/{id}')).toBe('/products/*');
    expect(routeResourcePath('/a/{x}/b/{proxy+}')).toBe('/a/*/b/*');
    expect(routeResourcePath('/products')).toBe('/products');
  });
});

describe('policy builder with odd request paths', () => {
  it('builds the same policy whatever characters the triggering path holds', () => {
    const builder = createPolicyBuilder();
    const plain = builder.policyFor(method('GET', '/products/1'), 'products/read');
    for (const path of ['/products/*', '/products/a?b', '/products/%2A']) {
      expect(builder.policyFor(method('GET', path), 'products/read')).toBe(plain);
    }
  });
});
