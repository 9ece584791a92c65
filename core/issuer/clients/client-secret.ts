// Client identifiers and secrets: generation, hashing and the constant-time check the token endpoint runs.
// SHA-256 is sound here: secrets are 256-bit random values, so brute force over the hash is impossible,
// and a fast hash keeps the token endpoint fast. Slow KDFs (scrypt, argon2) defend low-entropy passwords,
// which keygate never accepts because it generates every secret itself.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits: the secret's entropy is what makes a plain SHA-256 hash safe to store. */
export const CLIENT_SECRET_BYTES = 32;
/** Longest secret worth hashing; anything longer is not one of ours and fails without more work. */
export const MAX_PRESENTED_SECRET_LENGTH = 512;

/** `kg_` + 128-bit random, base64url: unguessable, URL- and header-safe, needs no form-encoding. */
export function generateClientId(): string {
  return `kg_${randomBytes(16).toString('base64url')}`;
}

/**
 * A stable client id from `seed` (KeygateClient: the stack id, the resource, the table and the secret's
 * ARN), in generateClientId's form: the same seed gives the same id, so a retried create finds its client.
 */
export function deriveClientId(seed: string): string {
  return `kg_${createHash('sha256').update(seed, 'utf8').digest().subarray(0, 16).toString('base64url')}`;
}

/**
 * Shortest secret keygate accepts from a deployment (KeygateClient's Secrets Manager secret): 43 characters
 * of 62 letters and digits carry 43 * log2(62) = 256.03 bits when drawn at random, as much as the 32 random
 * bytes generateClientSecret makes.
 */
export const MIN_PROVIDED_SECRET_LENGTH = 43;
/** What a supplied secret may hold: base64url's alphabet, so no form- or header-encoding is ever needed. */
const PROVIDED_SECRET = /^[A-Za-z0-9_-]+$/;

/** Whether a secret supplied from outside (not generateClientSecret's) has the length and alphabet required. */
export function isAcceptableProvidedSecret(secret: string): boolean {
  return (
    secret.length >= MIN_PROVIDED_SECRET_LENGTH &&
    secret.length <= MAX_PRESENTED_SECRET_LENGTH &&
    PROVIDED_SECRET.test(secret)
  );
}

/** 43 base64url characters (256 bits). */
export function generateClientSecret(): string {
  return randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

export type SecretHasher = (secret: string) => Buffer;

export const sha256Hasher: SecretHasher = (secret) => createHash('sha256').update(secret, 'utf8').digest();

/** The stored form: base64url SHA-256 of the UTF-8 secret. */
export function hashClientSecret(secret: string, hasher: SecretHasher = sha256Hasher): string {
  return hasher(secret).toString('base64url');
}

/** A hash no secret matches in practice, compared against when there is no real one so timing is equal. */
const DUMMY_HASH = sha256Hasher(randomBytes(CLIENT_SECRET_BYTES).toString('base64url'));

/** What the secret check needs from a client record (the hashes, never the secret). */
export interface SecretHashes {
  readonly secretHash?: string;
  readonly previousSecretHash?: string;
  readonly previousSecretExpiresAt?: string;
}

/** The dummy hash in its stored (base64url) form, decoded like a real one so both paths do the same work. */
const DUMMY_HASH_STORED = DUMMY_HASH.toString('base64url');

function storedDigest(hash: string | undefined): { digest: Buffer; real: boolean } {
  // Decoding the dummy too: skipping the base64url decode made unknown ids measurably faster in-process,
  // which test/reliability/timing.test.ts detects (Mann-Whitney over a few hundred requests per side).
  const digest = Buffer.from(hash ?? DUMMY_HASH_STORED, 'base64url');
  if (hash === undefined) return { digest, real: false };
  return digest.length === DUMMY_HASH.length ? { digest, real: true } : { digest: DUMMY_HASH, real: false };
}

/**
 * Whether `presented` matches the current secret, or the previous one while its rotation grace lasts.
 * The work is the same whatever the record: one hash of the presented secret and two constant-time
 * comparisons, against a dummy hash when a client is unknown, disabled or has no previous secret,
 * so response timing does not tell those cases apart (RFC 6749 §10.2/§5.2: indistinguishable).
 */
export function checkClientSecret(
  presented: string,
  hashes: SecretHashes | undefined,
  nowMs: number,
  hasher: SecretHasher = sha256Hasher,
): boolean {
  const tooLong = presented.length > MAX_PRESENTED_SECRET_LENGTH;
  const digest = hasher(tooLong ? '' : presented);
  const current = storedDigest(hashes?.secretHash);
  const previousLive =
    hashes?.previousSecretExpiresAt !== undefined && Date.parse(hashes.previousSecretExpiresAt) > nowMs;
  const previous = storedDigest(previousLive ? hashes?.previousSecretHash : undefined);
  // Both comparisons always run (no short-circuit) so the previous-secret path costs no extra time.
  const matchesCurrent = timingSafeEqual(digest, current.digest) && current.real;
  const matchesPrevious = timingSafeEqual(digest, previous.digest) && previous.real;
  return !tooLong && (matchesCurrent || matchesPrevious);
}
