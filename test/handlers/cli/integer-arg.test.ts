import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerArg } from '../../../handlers/cli/integer-arg.js';

describe('integerArg', () => {
  it.each([
    ['0', 0, 65_535, 0],
    ['65535', 0, 65_535, 65_535],
    ['1', 1, undefined, 1],
    ['007', 0, 10, 7],
  ] as const)('accepts %s in [%i, %s]', (raw, min, max, expected) => {
    expect(integerArg(min, max)(raw)).toBe(expected);
  });

  it.each([
    ['65536', 0, 65_535, 'must be an integer from 0 to 65535'],
    ['0', 1, undefined, 'must be an integer 1 or more'],
    ['-1', 0, 10, 'must be an integer from 0 to 10'],
    ['1.5', 0, 10, 'must be an integer from 0 to 10'],
    ['1e3', 0, 10_000, 'must be an integer from 0 to 10000'],
    [' 5', 0, 10, 'must be an integer from 0 to 10'],
    ['', 0, 10, 'must be an integer from 0 to 10'],
  ] as const)('refuses %j in [%i, %s]', (raw, min, max, message) => {
    expect(() => integerArg(min, max)(raw)).toThrow(new InvalidArgumentError(message));
  });
});
