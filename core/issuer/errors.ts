// Errors of the authorization-server area. Each has a stable `code`; one table maps codes to the HTTP
// status and the RFC 6749 §5.2 error string. Descriptions never carry secrets or token text.

/** RFC 6749 §5.2 error strings, plus `temporarily_unavailable` (used by many servers for 503). */
export type OAuthErrorString =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error';

export type IssuerErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** KMS or DynamoDB throttled us after bounded retries. */
  | 'dependency_throttled'
  /** KMS or DynamoDB unreachable, timing out or failing. */
  | 'dependency_unavailable'
  /** A bug or misconfiguration on our side (e.g. the signing key is not usable). */
  | 'internal';

export const ISSUER_ERRORS: Readonly<
  Record<IssuerErrorCode, { readonly status: number; readonly error: OAuthErrorString }>
> = {
  invalid_request: { status: 400, error: 'invalid_request' },
  invalid_client: { status: 401, error: 'invalid_client' },
  unauthorized_client: { status: 400, error: 'unauthorized_client' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  dependency_throttled: { status: 503, error: 'temporarily_unavailable' },
  dependency_unavailable: { status: 503, error: 'temporarily_unavailable' },
  internal: { status: 500, error: 'server_error' },
};

/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARS = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

export class IssuerError extends Error {
  constructor(
    readonly code: IssuerErrorCode,
    /** Safe to show the client; must satisfy RFC 6749's character set. */
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = 'IssuerError';
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

/** Client-registry failures (DynamoDB table of clients). The admin CLI shows them; the token service maps them. */
export type RegistryErrorCode =
  | 'unknown_client'
  | 'client_exists'
  | 'invalid_scope'
  | 'invalid_name'
  | 'invalid_lifetime'
  | 'invalid_grace'
  /** The clients table does not exist (wrong CLIENTS_TABLE / region, or the stack is not deployed). */
  | 'table_missing'
  /** An item in the table does not have the shape keygate writes. */
  | 'corrupt_record'
  /** DynamoDB throttled us after the SDK's bounded retries. */
  | 'dependency_throttled'
  /** DynamoDB unreachable, timing out or failing (5xx, network). */
  | 'dependency_unavailable'
  /** DynamoDB refused the call (access denied, validation): a deployment problem, not a client's. */
  | 'dependency_rejected';

/** How the token endpoint answers each registry failure (RFC 6749 §5.2 plus 503 for outages). */
export const REGISTRY_ERRORS: Readonly<Record<RegistryErrorCode, IssuerErrorCode>> = {
  unknown_client: 'invalid_client',
  client_exists: 'internal',
  invalid_scope: 'invalid_scope',
  invalid_name: 'internal',
  invalid_lifetime: 'internal',
  invalid_grace: 'internal',
  table_missing: 'internal',
  corrupt_record: 'internal',
  dependency_throttled: 'dependency_throttled',
  dependency_unavailable: 'dependency_unavailable',
  dependency_rejected: 'internal',
};

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}
