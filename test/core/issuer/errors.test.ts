// The issuer area's one error code set: every code has an HTTP status and RFC 6749 error string, and a
// registry failure keeps its admin detail while showing clients only generic text.
import { describe, expect, it } from 'vitest';
import { ISSUER_ERRORS, IssuerError, RegistryError, toIssuerError } from '../../../core/issuer/errors.js';

describe('issuer errors', () => {
  it.each([
    ['invalid_client', 401, 'invalid_client'],
    ['unknown_client', 401, 'invalid_client'],
    ['dependency_throttled', 503, 'temporarily_unavailable'],
    ['table_missing', 500, 'server_error'],
    ['corrupt_record', 500, 'server_error'],
    ['dependency_rejected', 500, 'server_error'],
    ['client_exists', 500, 'server_error'],
    ['invalid_status', 500, 'server_error'],
    ['concurrent_update', 500, 'server_error'],
  ] as const)('maps %s to %i %s', (code, status, error) => {
    expect(ISSUER_ERRORS[code]).toEqual({ status, error });
  });

  it('a RegistryError is an IssuerError: admin detail in message, generic public description', () => {
    const cause = new Error('ResourceNotFoundException');
    const err = new RegistryError('table_missing', 'DynamoDB table "prod-clients" does not exist', { cause });
    expect(err).toBeInstanceOf(IssuerError);
    expect(err.name).toBe('RegistryError');
    expect(err.message).toBe('DynamoDB table "prod-clients" does not exist');
    expect(err.description).toBe('the server failed to process the request');
    expect([err.status, err.error, err.cause]).toEqual([500, 'server_error', cause]);
    const outage = new RegistryError('dependency_throttled', 'DynamoDB throttled (ThrottlingException)');
    expect(outage.description).toBe('the service is temporarily unavailable, retry later');
    expect(outage.status).toBe(503);
  });

  it('toIssuerError passes issuer and registry errors through and makes anything else internal', () => {
    const registry = new RegistryError('dependency_unavailable', 'DynamoDB unavailable (TimeoutError)');
    expect(toIssuerError(registry)).toBe(registry);
    const other = toIssuerError(new TypeError('secret-bearing message'));
    expect([other.code, other.status, other.description]).toEqual([
      'internal',
      500,
      'the server failed to process the request',
    ]);
  });

  it('refuses a description outside RFC 6749 §5.2 characters', () => {
    expect(() => new IssuerError('invalid_request', 'quote " here')).toThrow(TypeError);
  });
});
