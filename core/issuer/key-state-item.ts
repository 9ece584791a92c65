// Where the signing-key state lives in the clients table: one reserved item id. Free of the AWS SDK, so the
// CDK constructs (IAM conditions on this id) and the client registry (which skips it) import it cheaply.

/** Partition key of the key-state item. Client ids never start with `#` (the registry skips such items). */
export const KEY_STATE_ITEM_ID = '#keygate/signing-keys';

/** Items under this prefix are keygate's own records, not clients. */
export const isReservedItemId = (id: string): boolean => id.startsWith('#');
