// Scope-to-route policies: right for every route under result caching, memoized, bounded.
import { describe, expect, it } from 'vitest';
import { AuthzError } from '../../../core/authz/errors.js';
import { createPolicyBuilder, routeResourcePath } from '../../../core/authz/policy-builder.js';
import type { RouteDef } from '../../../core/routes.js';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';
// The products sample's API: the route table these cases are written against.
const PRODUCTS = { routes: RESOURCE_ROUTES };
const method = (verb: string, path: string, prefix = PREFIX) => `${prefix}/${verb}${path}`;

describe('policy builder', () => {
  it('allows every route a products/read token may call, whatever route triggered it', () => {
    const builder = createPolicyBuilder(PRODUCTS);
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
    const { policyDocument } = createPolicyBuilder(PRODUCTS).policyFor(
      method('POST', '/products'),
      'products/write',
    );
    expect(evaluatePolicy(policyDocument, method('POST', '/products'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/products'))).toBe('implicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/products/1'))).toBe('implicit_deny');
  });

  it('gives a token without a usable scope an explicit Deny for the whole API', () => {
    const builder = createPolicyBuilder(PRODUCTS);
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
    const { policyDocument } = createPolicyBuilder(PRODUCTS).policyFor(
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
    const builder = createPolicyBuilder(PRODUCTS);
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
    const builder = createPolicyBuilder({ ...PRODUCTS, cacheSize: 4 });
    for (let i = 0; i < 50; i++) {
      builder.policyFor(method('GET', `/products/${i}`), i % 2 ? 'products/read' : 'products/write');
    }
    expect(builder.stats().size).toBeLessThanOrEqual(4);
  });

  it('throws AuthzError method_arn for a malformed method ARN (a 500, not a 401)', () => {
    const builder = createPolicyBuilder(PRODUCTS);
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
    const builder = createPolicyBuilder(PRODUCTS);
    const plain = builder.policyFor(method('GET', '/products/1'), 'products/read');
    for (const path of ['/products/*', '/products/a?b', '/products/%2A']) {
      expect(builder.policyFor(method('GET', path), 'products/read')).toBe(plain);
    }
  });
});

describe('no over-grant through wildcards', () => {
  const routes = (extra: RouteDef[]): RouteDef[] => [
    { method: 'GET', path: '/products', handler: 'products', scopes: ['products/read'] },
    { method: 'GET', path: '/products/{id}', handler: 'products', scopes: ['products/read'] },
    ...extra,
  ];
  const audit: RouteDef = {
    method: 'GET',
    path: '/products/{id}/audit',
    handler: 'products',
    scopes: ['audit'],
  };

  it('denies a deeper route needing another scope that the {id} wildcard would reach', () => {
    const { policyDocument } = createPolicyBuilder({ routes: routes([audit]) }).policyFor(
      method('GET', '/products'),
      'products/read',
    );
    expect(policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [`${PREFIX}/GET/products`, `${PREFIX}/GET/products/*`],
      },
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: [
          `${PREFIX}/GET/products/*/audit`,
          `${PREFIX}/GET/products/*/audit/`,
          `${PREFIX}/GET/products/*/audit//*`,
        ],
      },
    ]);
    expect(evaluatePolicy(policyDocument, method('GET', '/products/p-1/audit'))).toBe('explicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/products/p-1'))).toBe('allow');
  });

  // API Gateway routes `/products/p-1/audit/` to the audit route; should its method ARN keep the slash,
  // `GET/products/*` would allow it but for these Denies (docs/security.md#paths).
  it.each(['/products/p-1/audit/', '/products/p-1/audit//', '/products/p-1/audit///'])(
    'denies the nested route spelled with trailing slashes: GET %s',
    (path) => {
      const { policyDocument } = createPolicyBuilder({ routes: routes([audit]) }).policyFor(
        method('GET', '/products'),
        'products/read',
      );
      expect(evaluatePolicy(policyDocument, method('GET', path))).toBe('explicit_deny');
    },
  );

  it('denies a parent route that an Allow reaches only through three trailing slashes: GET /a/// (found by npm run fuzz)', () => {
    const table: RouteDef[] = [
      { method: 'GET', path: '/a/{p1}/{p2}/{proxy+}', handler: 'products', scopes: ['s2'] },
      { method: 'GET', path: '/a', handler: 'products', scopes: ['s3'] },
    ];
    const { policyDocument } = createPolicyBuilder({ routes: table }).policyFor(
      method('GET', '/a/1/2/3'),
      's2',
    );
    // `GET/a/*/*/*` matches `GET/a///` (each `*` empty): a request API Gateway routes to `/a`.
    expect(evaluatePolicy(policyDocument, method('GET', '/a///'))).toBe('explicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/a////'))).toBe('explicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/a/1/2/3'))).toBe('allow');
  });

  it('denies a parent route that a {param} Allow reaches through its trailing slash: GET /orders/', () => {
    const table: RouteDef[] = [
      { method: 'GET', path: '/orders', handler: 'products', scopes: ['orders/admin'] },
      { method: 'GET', path: '/orders/{id}', handler: 'products', scopes: ['orders/read'] },
    ];
    const { policyDocument } = createPolicyBuilder({ routes: table }).policyFor(
      method('GET', '/orders/1'),
      'orders/read',
    );
    expect(policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/GET/orders/*`] },
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: [`${PREFIX}/GET/orders`, `${PREFIX}/GET/orders/`, `${PREFIX}/GET/orders//*`],
      },
    ]);
    expect(evaluatePolicy(policyDocument, method('GET', '/orders/'))).toBe('explicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/orders//'))).toBe('explicit_deny');
    expect(evaluatePolicy(policyDocument, method('GET', '/orders/1'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/orders/1/'))).toBe('allow');
  });

  it('gives an audit-only token the audit route and nothing else, with no Deny needed', () => {
    const { policyDocument } = createPolicyBuilder({ routes: routes([audit]) }).policyFor(
      method('GET', '/products/1/audit'),
      'audit',
    );
    expect(policyDocument.Statement).toHaveLength(1);
    expect(evaluatePolicy(policyDocument, method('GET', '/products/p-1/audit'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/products/p-1'))).toBe('implicit_deny');
  });

  it('needs no Deny for a literal route beside a {param} route the token may not call', () => {
    const table: RouteDef[] = [
      { method: 'GET', path: '/a/{x}', handler: 'products', scopes: ['s1'] },
      { method: 'GET', path: '/a/b', handler: 'products', scopes: ['s2'] },
    ];
    const { policyDocument } = createPolicyBuilder({ routes: table }).policyFor(method('GET', '/a/b'), 's2');
    expect(policyDocument.Statement).toHaveLength(1);
    expect(evaluatePolicy(policyDocument, method('GET', '/a/b'))).toBe('allow');
    expect(evaluatePolicy(policyDocument, method('GET', '/a/c'))).toBe('implicit_deny');
  });

  it('adds no Deny to the default route table policies', () => {
    const b = createPolicyBuilder(PRODUCTS);
    for (const scope of ['products/read', 'products/write', 'products/read products/write']) {
      expect(b.policyFor(method('GET', '/products'), scope).policyDocument.Statement).toHaveLength(1);
    }
  });
});

describe('policy builder with nested routes', () => {
  const routes = [
    { method: 'GET', path: '/orders', scopes: ['orders/read'] },
    { method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] },
    { method: 'GET', path: '/orders/{id}/audit', scopes: ['orders/admin'] },
    { method: 'GET', path: '/files/{proxy+}', scopes: ['files/read'] },
    { method: 'GET', path: '/files/{name}/meta', scopes: ['files/read'] },
  ];

  it.each([
    ['/orders', 'allow'],
    ['/orders/7', 'allow'],
    ['/orders/7/audit', 'explicit_deny'],
  ])(
    'denies explicitly the nested route a wider allowed pattern would cover: GET %s is %s',
    (path, decision) => {
      const { policyDocument } = createPolicyBuilder({ routes }).policyFor(
        method('GET', '/orders'),
        'orders/read',
      );
      expect(evaluatePolicy(policyDocument, method('GET', path))).toBe(decision);
    },
  );

  it('adds no Deny statement when nothing allowed covers a route the token lacks', () => {
    const { policyDocument } = createPolicyBuilder({ routes }).policyFor(
      method('GET', '/files/a'),
      'files/read',
    );
    expect(policyDocument.Statement).toHaveLength(1);
  });

  it('allows the nested route too for a token holding both scopes', () => {
    const { policyDocument } = createPolicyBuilder({ routes }).policyFor(
      method('GET', '/orders'),
      'orders/read orders/admin',
    );
    expect(policyDocument.Statement).toHaveLength(1);
    expect(evaluatePolicy(policyDocument, method('GET', '/orders/7/audit'))).toBe('allow');
  });
});
