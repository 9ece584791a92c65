// The issuer area's one error code set: every code has an HTTP status and RFC 6749 error string, and a
// registry failure keeps its admin detail while showing clients only generic text.
import { describe, expect, it } from 'vitest';
import { ISSUER_ERRORS, IssuerError, RegistryError } from '../../../core/issuer/errors.js';
import { toIssuerError } from '../../../core/issuer/token-service.js';

describe('issuer errors', () => {
  it('maps every code to a status and an OAuth error string', () => {
    expect(ISSUER_ERRORS.invalid_client).toEqual({ status: 401, error: 'invalid_client' });
    expect(ISSUER_ERRORS.unknown_client).toEqual({ status: 401, error: 'invalid_client' });
    expect(ISSUER_ERRORS.dependency_throttled).toEqual({ status: 503, error: 'temporarily_unavailable' });
    for (const code of ['table_missing', 'corrupt_record', 'dependency_rejected', 'client_exists'] as const) {
      expect(ISSUER_ERRORS[code]).toEqual({ status: 500, error: 'server_error' });
    }
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
