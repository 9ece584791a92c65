// Every keygate command answers a wrong command line the same way: exit 2 with the error and the usage text,
// or (the package's `keygate` commands) one line that points at --help.
import { describe, expect, it } from 'vitest';
import { spawnNpm } from '../../support/npm-process.js';

describe('uniform usage errors', () => {
  it.each([
    ['start', "error: unknown option '--bogus'", '; see npm start --help\n'],
    ['bench', "error: unknown option '--bogus'", 'Usage: bench'],
    ['load:local', "error: unknown option '--bogus'", 'Usage: load:local'],
    ['clients', "error: unknown option '--bogus'", '; see keygate clients --help\n'],
    ['keys', "error: unknown option '--bogus'", '; see keygate keys --help\n'],
    ['load:aws', 'unknown scenario "--bogus"', 'usage: npm run load:aws'],
  ])(
    'npm run %s -- --bogus exits 2 with the error and the usage or --help',
    async (script, error, usage) => {
      const npm = spawnNpm(script, ['--bogus']);
      expect((await npm.exited()).code).toBe(2);
      expect(npm.stderr()).toContain(error);
      expect(npm.stderr()).toContain(usage);
    },
    30_000,
  );
});
