import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkClientSecret,
  deriveClientId,
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  isAcceptableProvidedSecret,
  MAX_PRESENTED_SECRET_LENGTH,
  sha256Hasher,
} from '../../../../core/issuer/clients/client-secret.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('client secrets', () => {
  it('generates 256-bit base64url secrets and kg_ ids with 128 random bits', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(generateClientId()).toMatch(/^kg_[A-Za-z0-9_-]{22}$/);
    expect(new Set(Array.from({ length: 100 }, generateClientSecret)).size).toBe(100);
  });

  it('stores base64url SHA-256 of the UTF-8 secret', () => {
    expect(hashClientSecret('s3cr:t%')).toBe(createHash('sha256').update('s3cr:t%').digest('base64url'));
  });

  it('accepts the current secret and rejects others', () => {
    const hashes = { secretHash: hashClientSecret('right') };
    expect(checkClientSecret('right', hashes, NOW)).toBe(true);
    expect(checkClientSecret('wrong', hashes, NOW)).toBe(false);
    expect(checkClientSecret('', hashes, NOW)).toBe(false);
  });

  it('accepts the previous secret only until its grace ends', () => {
    const hashes = {
      secretHash: hashClientSecret('new'),
      previousSecretHash: hashClientSecret('old'),
      previousSecretExpiresAt: new Date(NOW + 1000).toISOString(),
    };
    expect(checkClientSecret('old', hashes, NOW)).toBe(true);
    expect(checkClientSecret('old', hashes, NOW + 1000)).toBe(false);
    expect(checkClientSecret('new', hashes, NOW + 1000)).toBe(true);
  });

  it('hashes once and compares against a dummy for unknown clients (equal work)', () => {
    const seen: string[] = [];
    const hasher = (s: string) => {
      seen.push(s);
      return sha256Hasher(s);
    };
    expect(checkClientSecret('guess', undefined, NOW, hasher)).toBe(false);
    expect(seen).toEqual(['guess']);
    expect(checkClientSecret('guess', { secretHash: hashClientSecret('x') }, NOW, hasher)).toBe(false);
    expect(seen).toEqual(['guess', 'guess']);
  });

  it('never matches a malformed stored hash, even the dummy', () => {
    expect(checkClientSecret('a', { secretHash: 'short' }, NOW)).toBe(false);
    expect(checkClientSecret('', { secretHash: '' }, NOW)).toBe(false);
  });

  it('rejects oversized presented secrets without hashing them', () => {
    const long = 'a'.repeat(MAX_PRESENTED_SECRET_LENGTH + 1);
    const seen: string[] = [];
    const hasher = (s: string) => {
      seen.push(s);
      return sha256Hasher(s);
    };
    expect(checkClientSecret(long, { secretHash: hashClientSecret(long) }, NOW, hasher)).toBe(false);
    expect(seen).toEqual(['']);
  });
});

describe('ids and secrets a deployment supplies (KeygateClient)', () => {
  it('derives the same kg_ id from the same seed and another from any other seed', () => {
    const id = deriveClientId('stack/1\nBilling\nclients\narn:secret');
    expect(id).toMatch(/^kg_[A-Za-z0-9_-]{22}$/);
    expect(deriveClientId('stack/1\nBilling\nclients\narn:secret')).toBe(id);
    expect(deriveClientId('stack/1\nBilling\nclients\narn:other')).not.toBe(id);
  });

  it.each([
    ['43 letters and digits (256 bits)', 'a'.repeat(43), true],
    ["Secrets Manager's 64 letters and digits", `${'Ab1'.repeat(21)}x`, true],
    ['a generated base64url secret', generateClientSecret(), true],
    ['42 characters', 'a'.repeat(42), false],
    ['punctuation that needs form-encoding', `${'a'.repeat(43)}+`, false],
    ['a space', `${'a'.repeat(43)} `, false],
    ['more than the longest presented secret', 'a'.repeat(MAX_PRESENTED_SECRET_LENGTH + 1), false],
  ])('accepts %s: %s', (_name, secret, accepted) => {
    expect(isAcceptableProvidedSecret(secret)).toBe(accepted);
  });
});
