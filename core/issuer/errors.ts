// Errors of the authorization-server area. Each has a stable `code`; one table maps codes to the HTTP
// status and the RFC 6749 §5.2 error string. Descriptions never carry secrets or token text.
import { KeygateError } from '../errors.js';
import { SERVER_ERROR_DESCRIPTION } from './tokens/token-endpoint-answers.js';

/** RFC 6749 §5.2 error strings, plus `temporarily_unavailable` (used by many servers for 503). */
export type OAuthErrorString =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** RFC 8707 §2: the requested resource is invalid, unknown, or not allowed for this client. */
  | 'invalid_target'
  | 'temporarily_unavailable'
  | 'server_error';

/**
 * One code set for the whole area. The token endpoint answers every code through ISSUER_ERRORS; the
 * registry-only codes (admin CLI) also say what the endpoint answers should one ever reach it.
 */
export type IssuerErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** RFC 8707 §2: a `resource` the client may not have a token for (or several: one audience per token). */
  | 'invalid_target'
  /** This client asked for tokens faster than its issuance rate (RFC 6585 §4: 429 + Retry-After). */
  | 'rate_limited'
  /** An authenticated client without the introspection permission called POST /oauth2/introspect. */
  | 'introspection_forbidden'
  /** KMS or DynamoDB throttled us after bounded retries. */
  | 'dependency_throttled'
  /** KMS or DynamoDB unreachable, timing out or failing. */
  | 'dependency_unavailable'
  /** A bug or misconfiguration on our side (e.g. the signing key is not usable). */
  | 'internal'
  | RegistryOnlyCode;

/** Codes only the client registry raises (see RegistryError). */
type RegistryOnlyCode =
  | 'unknown_client'
  | 'client_exists'
  | 'invalid_name'
  | 'invalid_lifetime'
  | 'invalid_grace'
  | 'invalid_rate'
  /** A client's resources (RFC 8707 absolute URIs, no fragment) or default resource break the rules. */
  | 'invalid_resource'
  /** A client's static claims use a registered name, a bad value, or exceed the size bound. */
  | 'invalid_claims'
  /** A secret supplied from outside (KeygateClient's Secrets Manager value) is too short or has other characters. */
  | 'invalid_secret'
  /** A client id supplied from outside is not of the form keygate makes (`kg_` + 22 base64url characters). */
  | 'invalid_client_id'
  /** A JWK Set that is not public keys of a supported type, or a secret asked of a key client. */
  | 'invalid_keys'
  /** A client's usage tier name breaks core/usage-tiers.ts TIER_NAME. */
  | 'invalid_tier'
  /** A client status other than `active` or `disabled` was asked for. */
  | 'invalid_status'
  /** The client changed between our read and our conditional write (e.g. two rotations at once); retry. */
  | 'concurrent_update'
  /** The clients table does not exist (wrong CLIENTS_TABLE / region, or the stack is not deployed). */
  | 'table_missing'
  /** An item in the table does not have the shape keygate writes. */
  | 'corrupt_record'
  /** DynamoDB refused the call (access denied, validation): a deployment problem, not a client's. */
  | 'dependency_rejected';

const SERVER_ERROR = { status: 500, error: 'server_error' } as const;

export const ISSUER_ERRORS: Readonly<
  Record<IssuerErrorCode, { readonly status: number; readonly error: OAuthErrorString }>
> = {
  invalid_request: { status: 400, error: 'invalid_request' },
  invalid_client: { status: 401, error: 'invalid_client' },
  unauthorized_client: { status: 400, error: 'unauthorized_client' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  invalid_target: { status: 400, error: 'invalid_target' },
  rate_limited: { status: 429, error: 'temporarily_unavailable' },
  // RFC 6749 §5.2's "authenticated client is not authorized", with RFC 9110 §15.5.4's 403 (token-introspection.ts).
  introspection_forbidden: { status: 403, error: 'unauthorized_client' },
  dependency_throttled: { status: 503, error: 'temporarily_unavailable' },
  dependency_unavailable: { status: 503, error: 'temporarily_unavailable' },
  internal: SERVER_ERROR,
  unknown_client: { status: 401, error: 'invalid_client' },
  client_exists: SERVER_ERROR,
  invalid_name: SERVER_ERROR,
  invalid_lifetime: SERVER_ERROR,
  invalid_grace: SERVER_ERROR,
  invalid_rate: SERVER_ERROR,
  invalid_resource: SERVER_ERROR,
  invalid_claims: SERVER_ERROR,
  invalid_secret: SERVER_ERROR,
  invalid_client_id: SERVER_ERROR,
  invalid_keys: SERVER_ERROR,
  invalid_tier: SERVER_ERROR,
  invalid_status: SERVER_ERROR,
  concurrent_update: SERVER_ERROR,
  table_missing: SERVER_ERROR,
  corrupt_record: SERVER_ERROR,
  dependency_rejected: SERVER_ERROR,
};

/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARS = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

export class IssuerError extends KeygateError<IssuerErrorCode> {
  constructor(
    code: IssuerErrorCode,
    /** Safe to show the client; must satisfy RFC 6749's character set. */
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(code, description, options);
    if (!DESCRIPTION_CHARS.test(description))
      throw new TypeError('error_description has characters RFC 6749 forbids');
  }

  get status(): number {
    return ISSUER_ERRORS[this.code].status;
  }

  get error(): OAuthErrorString {
    return ISSUER_ERRORS[this.code].error;
  }
}

/** The codes the client registry raises: its own plus the shared dependency and scope codes. */
export type RegistryErrorCode =
  | RegistryOnlyCode
  | Extract<IssuerErrorCode, 'invalid_scope' | 'dependency_throttled' | 'dependency_unavailable'>;

/**
 * A client-registry failure (DynamoDB table of clients). `message` is for the admin (names the table and
 * client id); the inherited `description` is the generic text a token client would see, since the
 * endpoint must not reveal table names or which ids exist.
 */
export class RegistryError extends IssuerError {
  declare readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string, options?: ErrorOptions) {
    super(
      code,
      ISSUER_ERRORS[code].status === 503
        ? 'the service is temporarily unavailable, retry later'
        : SERVER_ERROR_DESCRIPTION,
      options,
    );
    this.message = message;
  }
}

/**
 * The token endpoint's view of any failure: IssuerErrors (RegistryErrors included, whose description is
 * already the generic public text) pass through; anything else is internal.
 */
export function toIssuerError(err: unknown): IssuerError {
  if (err instanceof IssuerError) return err;
  return new IssuerError('internal', SERVER_ERROR_DESCRIPTION, { cause: err });
}

/** Too many token requests from one client (RFC 6585 §4): the endpoint answers 429 with Retry-After. */
export class RateLimitedError extends IssuerError {
  constructor(
    readonly retryAfterSeconds: number,
    description = 'too many token requests for this client; retry later',
  ) {
    super('rate_limited', description);
  }
}

/** Thrown into a KMS or DynamoDB attempt that ran past its time limit (core/issuer/retry.ts). */
export class AttemptTimeoutError extends KeygateError<'attempt_timeout'> {
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super('attempt_timeout', `attempt timed out after ${timeoutMs} ms`, options);
  }
}

/** Codes of signing-key rotation (the rotation engine, its state item, the `keys` CLI). */
export type KeyRotationErrorCode =
  /** Another run changed the key state between our read and our write: re-read and continue. */
  | 'conflict'
  /** The key-state item does not have the shape keygate writes. */
  | 'corrupt_state'
  /** No key state and no initial signing key to start from. */
  | 'no_signing_key'
  /** No keygate roles to name in a signing key's policy: none configured, and the current key's policy names none. */
  | 'no_key_principals'
  /** KMS or DynamoDB failed (after retries) during a rotation step. */
  | 'dependency_failed';

/** A signing-key rotation failure; `message` is for the operator (names keys and tables, never secrets). */
export class KeyRotationError extends KeygateError<KeyRotationErrorCode> {}
