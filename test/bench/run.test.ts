// `npm run bench` as a process: a signal to the npm PID mid-suite ends the suite's child, keeps a summary
// and report marked interrupted, and leaves no keygate-bench-* folder in the temp dir.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnNpm } from '../support/npm-process.js';

describe('npm run bench interrupted', () => {
  let tmp: string;
  let results: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'keygate-bench-test-tmp-'));
    results = await mkdtemp(join(tmpdir(), 'keygate-bench-test-results-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
    await rm(results, { recursive: true, force: true });
  });

  const benchFolders = async () => (await readdir(tmp)).filter((f) => f.startsWith('keygate-bench-'));

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s to the npm PID: exit %d, partial summary and report, temp dir clean',
    async (signal, code) => {
      const npm = spawnNpm('bench', ['verify', '--quick', '--results-dir', results], { TMPDIR: tmp });
      await npm.waitFor(/## verify:/);
      expect(await benchFolders()).toHaveLength(1);

      npm.child.kill(signal);
      const exit = await npm.exited();

      expect(exit.code).toBe(code);
      expect(npm.stderr()).toContain(`INTERRUPTED by ${signal}: 0 suite(s) measured; not measured: verify`);
      // (tsx keeps its compile cache, tsx-<uid>, in the temp dir on purpose.)
      expect(await benchFolders()).toEqual([]);
      expect(await readFile(join(results, 'summary.md'), 'utf8')).toContain(
        '**Interrupted**: this run did not finish. Not measured: verify.',
      );
      expect(await readFile(join(results, 'report.html'), 'utf8')).toContain(
        '<p class="interrupted">Interrupted: this run did not finish. Not measured: verify.</p>',
      );
    },
    60_000,
  );
});
