import { describe, expect, it } from 'vitest';
import {
  audienceFor,
  issuerAudiences,
  MAX_CLIENT_RESOURCES,
  MAX_RESOURCE_LENGTH,
  normalizeResources,
  resourceProblem,
} from '../../../../core/issuer/clients/resource-indicator.js';
import { IssuerError, RegistryError } from '../../../../core/issuer/errors.js';

const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com/v1';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError);
    return (err as IssuerError).code;
  }
  throw new Error('expected an IssuerError');
}

describe('resourceProblem (RFC 8707 §2: absolute URI, no fragment)', () => {
  it.each([ORDERS, BILLING, 'urn:example:orders', 'https://api.example.com/v1?tenant=a'])(
    'accepts %s',
    (value) => {
      expect(resourceProblem(value)).toBeUndefined();
    },
  );

  it.each([
    ['orders', 'not an absolute URI'],
    ['/orders', 'not an absolute URI'],
    ['//orders.example.com', 'not an absolute URI'],
    ['https://orders.example.com#x', 'a URI with a fragment'],
    ['https://orders.example.com/#', 'a URI with a fragment'],
    ['https://orders.example.com/a b', 'not a URI'],
    ['https://orders.example.com/\u00e9', 'not a URI'],
    ['https://orders.example.com/\n', 'not a URI'],
    ['https://[::1', 'not an absolute URI'],
    [`https://a.example/${'x'.repeat(MAX_RESOURCE_LENGTH)}`, `longer than ${MAX_RESOURCE_LENGTH} characters`],
  ])('refuses %j: %s', (value, problem) => {
    expect(resourceProblem(value)).toBe(problem);
  });
});

describe('normalizeResources', () => {
  it('deduplicates in order, splits on commas and spaces, and defaults to the first', () => {
    expect(normalizeResources([`${ORDERS},${BILLING}`, ORDERS])).toEqual({
      resources: [ORDERS, BILLING],
      defaultResource: ORDERS,
    });
    expect(normalizeResources([ORDERS, BILLING], BILLING).defaultResource).toBe(BILLING);
  });

  it.each([
    ['no resources', [], undefined],
    [
      'too many',
      Array.from({ length: MAX_CLIENT_RESOURCES + 1 }, (_, i) => `https://a${i}.example`),
      undefined,
    ],
    ['a fragment', ['https://a.example#f'], undefined],
    ['a relative reference', ['orders'], undefined],
    ['a default that is not one of them', [ORDERS], BILLING],
  ])('refuses %s with invalid_resource', (_, resources, defaultResource) => {
    try {
      normalizeResources(resources, defaultResource);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('invalid_resource');
    }
  });
});

describe('audienceFor', () => {
  const served = issuerAudiences(ORDERS, [BILLING]);
  const multi = { resources: [ORDERS, BILLING], defaultResource: BILLING };

  it('gives a client without resources the issuer default, and only that', () => {
    expect(audienceFor({}, undefined, served)).toBe(ORDERS);
    expect(audienceFor({}, ORDERS, served)).toBe(ORDERS);
    expect(codeOf(() => audienceFor({}, BILLING, served))).toBe('invalid_target');
  });

  it('picks the requested resource, else the client default', () => {
    expect(audienceFor(multi, undefined, served)).toBe(BILLING);
    expect(audienceFor(multi, ORDERS, served)).toBe(ORDERS);
  });

  it('refuses a resource the client is not allowed', () => {
    expect(codeOf(() => audienceFor({ resources: [ORDERS], defaultResource: ORDERS }, BILLING, served))).toBe(
      'invalid_target',
    );
  });

  it('refuses a resource the issuer does not serve, even when the record allows it', () => {
    const record = { resources: ['https://other.example'], defaultResource: 'https://other.example' };
    expect(codeOf(() => audienceFor(record, 'https://other.example', served))).toBe('invalid_target');
    expect(codeOf(() => audienceFor(record, undefined, served))).toBe('invalid_target');
  });

  it('compares exactly: a trailing slash or another case is another resource', () => {
    expect(codeOf(() => audienceFor(multi, `${ORDERS}/`, served))).toBe('invalid_target');
    expect(codeOf(() => audienceFor(multi, ORDERS.toUpperCase(), served))).toBe('invalid_target');
  });
});
