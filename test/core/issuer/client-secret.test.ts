import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkClientSecret,
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  MAX_PRESENTED_SECRET_LENGTH,
  sha256Hasher,
} from '../../../core/issuer/client-secret.js';

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
