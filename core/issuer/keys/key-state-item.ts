// keygate's reserved items in the clients table: the signing-key state's id, and the id prefixes of used
// client-assertion jtis and revoked tokens. Free of the AWS SDK, so the CDK constructs (IAM conditions on
// these ids) and the client registry (which skips them) import it cheaply.

/** Partition key of the key-state item. Client ids never start with `#` (the registry skips such items). */
export const KEY_STATE_ITEM_ID = '#keygate/signing-keys';

/** Items under this prefix are keygate's own records, not clients. */
export const isReservedItemId = (id: string): boolean => id.startsWith('#');

/** Used client assertion jtis (assertion-replay.ts): `#assertion-jti/<client id>/<jti>`. */
export const ASSERTION_JTI_PREFIX = '#assertion-jti/';

/** Tokens revoked by their client (token-revocation.ts, RFC 7009): `#revoked-jti/<jti>`. */
export const REVOKED_JTI_PREFIX = '#revoked-jti/';
/** A revoked token's client, exp and iat (epoch s) on its item; the revocation Scan reads them. */
export const REVOKED_CLIENT_ATTRIBUTE = 'revoked_client_id';
export const REVOKED_EXP_ATTRIBUTE = 'token_exp';
export const REVOKED_IAT_ATTRIBUTE = 'token_iat';
