// Every area's errors share one shape: a KeygateError with a stable code, `name` = its class, and a cause.
import { describe, expect, it } from 'vitest';
import { AuthzError } from '../../core/authz/errors.js';
import { ConfigError, ConfigFieldError, KeygateError } from '../../core/errors.js';
import {
  AttemptTimeoutError,
  IssuerError,
  KeyRotationError,
  RegistryError,
} from '../../core/issuer/errors.js';
import { JwksFetchError, VerifyError } from '../../core/jwt/errors.js';
import { RevocationError } from '../../core/revocation/errors.js';
import { ProductsError } from '../../examples/products/errors.js';
import { AuthorizerFailure, UsageError } from '../../handlers/errors.js';
import { ThresholdSyntaxError } from '../../load/errors.js';
import {
  BodyTooLargeError,
  DemoFileError,
  StackStartError,
  StateDirInUseError,
  UpstreamFlagError,
} from '../../local/errors.js';
import { GatewayError, InvocationTimeout } from '../../local/gateway/errors.js';
import { KmsError } from '../../local/kms/errors.js';

const cause = new Error('underlying');

describe('error shape', () => {
  it.each([
    ['ConfigError', new ConfigError(['A is required'], { cause }), 'config_invalid'],
    ['ConfigFieldError', new ConfigFieldError('A is required', { cause }), 'config_field_invalid'],
    ['JwksFetchError', new JwksFetchError('too_large', 'JWKS response too large', { cause }), 'too_large'],
    ['AuthzError', new AuthzError('method_arn', 'malformed method ARN', { cause }), 'method_arn'],
    ['IssuerError', new IssuerError('invalid_scope', 'unknown scope', { cause }), 'invalid_scope'],
    ['RegistryError', new RegistryError('table_missing', 'no table', { cause }), 'table_missing'],
    ['AttemptTimeoutError', new AttemptTimeoutError(10, { cause }), 'attempt_timeout'],
    ['KeyRotationError', new KeyRotationError('conflict', 'state changed', { cause }), 'conflict'],
    ['VerifyError', new VerifyError('expired', 'token expired', { cause }), 'expired'],
    ['ProductsError', new ProductsError('not_found', 'no such product', { cause }), 'not_found'],
    ['AuthorizerFailure', new AuthorizerFailure('internal', 'InternalError', { cause }), 'internal'],
    ['UsageError', new UsageError('needs --name', { cause }), 'usage'],
    ['ThresholdSyntaxError', new ThresholdSyntaxError('bad threshold', { cause }), 'threshold_syntax'],
    [
      'StackStartError',
      new StackStartError('port_in_use', 'port 1 is in use', 'auth', 1, { cause }),
      'port_in_use',
    ],
    [
      'RevocationError',
      new RevocationError('revocations_unavailable', 'list too stale', { cause }),
      'revocations_unavailable',
    ],
    ['BodyTooLargeError', new BodyTooLargeError(10, { cause }), 'body_too_large'],
    ['DemoFileError', new DemoFileError('cannot read demo.json', { cause }), 'demo_file'],
    ['StateDirInUseError', new StateDirInUseError('/s', 42, { cause }), 'state_in_use'],
    ['UpstreamFlagError', new UpstreamFlagError('--upstream needs a URL', { cause }), 'upstream_flags'],
    ['GatewayError', new GatewayError('gateway_config', 'bad stage', undefined, { cause }), 'gateway_config'],
    ['InvocationTimeout', new InvocationTimeout(29_000, { cause }), 'invocation_timeout'],
    ['KmsError', new KmsError('NotFoundException', 'no such key', { cause }), 'NotFoundException'],
  ] as const)('%s is a KeygateError with code %s, its class name and the cause', (name, error, code) => {
    expect(error).toBeInstanceOf(KeygateError);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.cause]).toEqual([name, code, cause]);
  });

  it('keeps the area-specific fields', () => {
    expect(new ProductsError('catalog_full', 'full').status).toBe(409);
    expect(new KmsError('KMSInternalException', 'boom').toBody()).toBe(
      '{"__type":"KMSInternalException","message":"boom"}',
    );
    expect(new VerifyError('keys_unavailable', 'no keys').isTokenError).toBe(false);
    expect(new VerifyError('signature', 'bad signature').isTokenError).toBe(true);
  });
});
