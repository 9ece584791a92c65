// The published documents (JWKS, revocation list): their object keys and how they are served, whoever serves
// them: the Lambda handlers, the auth API's S3 integration (the publisher stores the headers as object
// metadata) and the local stack. Free of the AWS SDK, so the CDK constructs and every handler may import it.
import { createHash } from 'node:crypto';

/** The published documents and their object keys (the S3 keys the auth API's routes read). */
export const PUBLISHED_DOCUMENTS = {
  jwks: 'jwks.json',
  revocations: 'revocations.json',
} as const;
export type DocumentName = keyof typeof PUBLISHED_DOCUMENTS;
export const DOCUMENT_NAMES = Object.keys(PUBLISHED_DOCUMENTS) as readonly DocumentName[];

/**
 * How late a published document may follow the change it reflects: a DynamoDB stream record reaching the
 * publisher (AWS documents no upper bound: "near-real time"; Lambda polls each shard 4 times a second), a
 * publisher cold start, one Scan, the public keys, one S3 PutObject (after which S3's strong read-after-write
 * consistency serves the new copy). What AWS documents about each part is in docs/design.md; the budget
 * leaves room for a cold start and one throttled retry. Both bounds that depend on it add it: the revocation bound and the key
 * rotation's waits (the publisher's KEY_STATE_CACHE_SECONDS).
 */
export const PUBLISH_LATENCY_BUDGET_SECONDS = 10;

/**
 * application/json rather than RFC 7517 §8.5's application/jwk-set+json: what Cognito, Auth0 and Google
 * serve, and what every JWKS client accepts.
 */
export const DOCUMENT_CONTENT_TYPE = 'application/json';

/** Cache-Control of a published document: public (RFC 9111 §5.2.2.9), reusable for `maxAgeSeconds`. */
export const documentCacheControl = (maxAgeSeconds: number): string => `public, max-age=${maxAgeSeconds}`;

/** Strong entity tag (RFC 9110 §8.8.3): quoted base64url SHA-256 of the body. */
export const strongEtag = (body: string): string =>
  `"${createHash('sha256').update(body).digest('base64url')}"`;
