// The `Authorization: Bearer <token>` parser: scheme case-insensitive, one or more spaces, one token.
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../../handlers/lib/bearer-token.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['BeArEr   abc', 'abc'],
  ])('accepts %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'Bearer',
    'Bearer ',
    'Bearer    ',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    'Bearerabc',
    'Bearer\tabc',
    'Bearer a b',
    'Bearer abc ',
    ' Bearer abc',
    'Bearer abc,Bearer def',
  ])('rejects %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
