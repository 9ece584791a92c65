// The admin CLIs' one error line and the exit code of a refused command line.
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { errorLine, usageExit } from '../../../handlers/cli/error-line.js';
import { UsageError } from '../../../handlers/errors.js';

describe('errorLine', () => {
  it.each([
    [false, undefined, 'error: no table\n'],
    [false, 'create it first', 'error: no table; create it first\n'],
    [true, undefined, '{"error":{"code":"table_missing","message":"no table"}}\n'],
    [
      true,
      'create it first',
      '{"error":{"code":"table_missing","message":"no table","hint":"create it first"}}\n',
    ],
  ])('json %s, hint %s: %j', (json, hint, line) => {
    expect(errorLine(json, 'table_missing', 'no table', hint)).toBe(line);
  });
});

describe('usageExit', () => {
  const calls: unknown[][] = [];
  const fail = (...args: unknown[]) => void calls.push(args);

  it.each([
    ['--help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), false, 0, []],
    [
      'an unknown option, --json',
      new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"),
      true,
      2,
      [['usage', "unknown option '--x'", 'see keygate keys --help']],
    ],
    [
      'an unknown option (commander printed the text)',
      new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"),
      false,
      2,
      [],
    ],
    ['a UsageError', new UsageError('needs --name'), false, 2, [['usage', 'needs --name']]],
    ['any other error', new Error('boom'), true, undefined, []],
  ] as const)('%s: exit %s', (_, error, json, code, reported) => {
    calls.length = 0;
    expect(usageExit(error, json, 'keygate keys', fail)).toBe(code);
    expect(calls).toEqual(reported);
  });
});
