// The env field parsers: one integer-range message for every integer setting, syntax checked where text is
// read and the range where the typed value is checked.
import { describe, expect, it } from 'vitest';
import { ConfigError, int, intProblem, oneOf, optionalInt, readConfig } from '../../core/config.js';

const RANGE = { default: 5, min: 1, max: 10 };

describe('int', () => {
  it.each([
    [undefined, 5],
    ['  7 ', 7],
    ['10', 10],
  ])('reads %j as %s', (raw, expected) => {
    expect(int(RANGE).parse(raw, 'N')).toBe(expected);
  });

  it.each(['0', '11', '1.5', '1e1', 'seven', '-'])('refuses %j, naming the range', (raw) => {
    expect(() => int(RANGE).parse(raw, 'N')).toThrow(`N must be an integer from 1 to 10 (got "${raw}")`);
  });
});

describe('optionalInt', () => {
  it('leaves an unset variable undefined and the range to the typed check', () => {
    expect(optionalInt(RANGE).parse(undefined, 'N')).toBeUndefined();
    expect(optionalInt(RANGE).parse('99', 'N')).toBe(99);
  });

  it('refuses text that is not an integer, with the range in the message', () => {
    expect(() => optionalInt(RANGE).parse('soon', 'N')).toThrow(
      'N must be an integer from 1 to 10 (got "soon")',
    );
  });
});

describe('intProblem', () => {
  it.each([
    [1, undefined],
    [10, undefined],
    [11, 'n must be an integer from 1 to 10 (got "11")'],
    [2.5, 'n must be an integer from 1 to 10 (got "2.5")'],
  ])('%s -> %s', (value, expected) => {
    expect(intProblem('n', value, RANGE)).toBe(expected);
  });
});

describe('oneOf', () => {
  it('reads a listed value and refuses another, listing the choices', () => {
    const field = oneOf(['keygate', 'default'] as const, { default: 'keygate' });
    expect(field.parse(undefined, 'P')).toBe('keygate');
    expect(field.parse(' default ', 'P')).toBe('default');
    expect(() => field.parse('other', 'P')).toThrow('P must be one of keygate, default');
  });
});

describe('readConfig', () => {
  it('lists every field problem in one ConfigError', () => {
    expect(() => readConfig({ A: int(RANGE), B: int(RANGE) }, { A: '0', B: 'x' })).toThrow(
      new ConfigError([
        'A must be an integer from 1 to 10 (got "0")',
        'B must be an integer from 1 to 10 (got "x")',
      ]),
    );
  });
});
