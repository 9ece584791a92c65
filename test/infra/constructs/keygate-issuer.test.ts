// KeygateIssuer through `keygate/cdk`: the parts other constructs attach to, and the discovery scopes.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { KeygateIssuer } from 'keygate/cdk';
import { describe, expect, it } from 'vitest';

describe('KeygateIssuer', () => {
  const stack = new Stack(new App(), 'Issuer');
  const issuer = new KeygateIssuer(stack, 'Issuer', {
    audience: 'https://orders.example.com',
    scopes: ['orders/read', 'orders/write'],
  });
  const t = Template.fromStack(stack);

  it('exposes issuer, JWKS and token URLs under one stage URL, and its key, table, API and functions', () => {
    const resolve = (v: string) => JSON.stringify(stack.resolve(v));
    expect(resolve(issuer.jwksUri)).toContain('/.well-known/jwks.json');
    expect(resolve(issuer.tokenUrl)).toContain('/oauth2/token');
    expect(resolve(issuer.issuerUrl)).toContain('/prod');
    expect(issuer.audience).toBe('https://orders.example.com');
    expect([
      issuer.key,
      issuer.table,
      issuer.api,
      issuer.token.function,
      issuer.jwks.function,
      issuer.revocations.function,
    ]).not.toContain(undefined);
    // token, JWKS, discovery and the revocation list.
    t.resourceCountIs('AWS::Lambda::Function', 4);
  });

  it('publishes the given scopes as the discovery function’s SCOPES', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SCOPES: 'orders/read orders/write' }) },
    });
  });
});
