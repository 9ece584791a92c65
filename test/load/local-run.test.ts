// `npm run load:local` as a process: usage errors exit 2 with the usage text; a signal to the npm PID
// mid-measurement stops the run, writes the results so far marked interrupted and stops the stack; every
// scenario passes its thresholds in a short run (so a broken scenario cannot land); a failed preparation
// is one line.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../load/scenarios.js';
import { portIsFree, spawnNpm } from '../support/npm-process.js';

/** At most `n` holders at once: `await lanes()` waits for a lane and returns its release. */
function lanesOf(n: number): () => Promise<() => void> {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    return release;
  };
}

describe('npm run load:local', () => {
  it.each([
    [[], "error: missing required argument 'scenario'"],
    [['nope'], 'error: unknown scenario "nope"; known: '],
  ])(
    'with arguments %j prints the usage and exits 2',
    async (args, message) => {
      const npm = spawnNpm('load:local', args);
      expect((await npm.exited()).code).toBe(2);
      expect(npm.stderr()).toContain(message);
      expect(npm.stderr()).toContain('Usage: load:local [options] <scenario>');
    },
    30_000,
  );

  it.each([
    [['noisy-client', '--no-start'], {}, 'error: noisy-client creates its own clients'],
    [['cache-hit', '--no-start'], { CLIENT_ID: '', CLIENT_SECRET: '' }, 'error: --no-start needs CLIENT_ID'],
  ])(
    'with arguments %j and env %j exits 2 before starting anything',
    async (args, env, message) => {
      const npm = spawnNpm('load:local', args, env);
      expect((await npm.exited()).code).toBe(2);
      expect(npm.stderr()).toContain(message);
      expect(npm.stdout()).toBe('');
    },
    30_000,
  );

  describe('interrupted', () => {
    let results: string;
    beforeEach(async () => {
      results = await mkdtemp(join(tmpdir(), 'keygate-load-test-'));
    });
    afterEach(async () => {
      await rm(results, { recursive: true, force: true });
    });

    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)(
      '%s to the npm PID: exit %d, partial JSON and HTML marked interrupted, stack stopped',
      async (signal, code) => {
        const npm = spawnNpm('load:local', [
          'cache-hit',
          '--no-compare',
          '--duration',
          '60',
          '--warmup',
          '0',
          '--connections',
          '2',
          '--results-dir',
          results,
        ]);
        const [, apiPort, authPort] = (
          await npm.waitFor(/stack: api http:\/\/127\.0\.0\.1:(\d+)\/\S+, auth http:\/\/127\.0\.0\.1:(\d+)/)
        ).map(Number);
        // The first per-second progress line: the measurement is running.
        await npm.waitFor(/measuring for 60 s\.\.\.\n\s+1s /);

        npm.child.kill(signal);
        const exit = await npm.exited();

        expect(exit.code).toBe(code);
        expect(npm.stdout()).toContain(
          `INTERRUPTED by ${signal}: partial results in ${join(results, 'cache-hit.json')}`,
        );
        const json = JSON.parse(await readFile(join(results, 'cache-hit.json'), 'utf8'));
        expect(json.interrupted).toBe(signal);
        expect(json.phases[0].perSecond.length).toBeGreaterThanOrEqual(1);
        const html = await readFile(join(results, 'cache-hit.html'), 'utf8');
        expect(html).toContain(
          `<p class="interrupted">Interrupted by ${signal}: the figures cover the run until then.</p>`,
        );
        expect(html.match(/<svg /g)).toHaveLength(2);
        expect(await portIsFree(apiPort!)).toBe(true);
        expect(await portIsFree(authPort!)).toBe(true);
      },
      90_000,
    );
  });

  describe('short runs', () => {
    let results: string;
    beforeEach(async () => {
      results = await mkdtemp(join(tmpdir(), 'keygate-load-test-'));
    });
    afterEach(async () => {
      await rm(results, { recursive: true, force: true });
    });

    // 2 s per run (a comparison: 1 s per side and round), no warm-up, 2 connections, 20 distinct tokens:
    // seconds per scenario, with its stacks, its minting and its thresholds all real. Two at a time: one
    // after the other took 80 s on a loaded 2-core machine, all eight at once starved noisy-client's
    // latency thresholds.
    const lanes = lanesOf(2);
    it.concurrent.each(SCENARIO_NAMES)(
      '%s passes its thresholds and writes a passing record',
      async (name) => {
        // Its own folder: concurrent tests do not share the describe's beforeEach folder.
        const dir = await mkdtemp(join(tmpdir(), `keygate-load-${name}-`));
        const release = await lanes();
        try {
          const npm = spawnNpm('load:local', [
            name,
            '--duration',
            '2',
            '--warmup',
            '0',
            '--connections',
            '2',
            '--distinct-tokens',
            '20',
            '--results-dir',
            dir,
          ]);
          const exit = await npm.exited();
          const record = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8').catch(() => '{}'));
          // On failure the diff names the missed thresholds and the statuses behind them.
          const missed = (record.phases ?? []).flatMap(
            (p: { summary: { statuses: unknown }; thresholds: { pass: boolean }[] }) =>
              p.thresholds.filter((t) => !t.pass).map((t) => ({ ...t, statuses: p.summary.statuses })),
          );
          expect({ code: exit.code, stderr: npm.stderr(), missed }).toEqual({
            code: 0,
            stderr: '',
            missed: [],
          });
          expect(npm.stdout()).toContain(`PASS: results in ${join(dir, `${name}.json`)}`);
          expect(record.pass).toBe(true);
        } finally {
          release();
          await rm(dir, { recursive: true, force: true });
        }
      },
      // Waiting for a lane counts too.
      120_000,
    );

    it('a stack whose token endpoint nobody answers ends in one line and exit 1, no stack trace', async () => {
      const probe = await import('node:net').then((net) => net.createServer());
      const port = await new Promise<number>((resolve) =>
        probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
      );
      await new Promise((resolve) => probe.close(resolve));
      const authUrl = `http://127.0.0.1:${port}/local`;
      const npm = spawnNpm(
        'load:local',
        ['cache-hit', '--no-start', '--auth-url', authUrl, '--api-url', authUrl, '--results-dir', results],
        { CLIENT_ID: 'kg_load', CLIENT_SECRET: 'secret' },
      );
      expect((await npm.exited()).code).toBe(1);
      expect(npm.stderr()).toBe(
        `error: cache-hit: cannot reach the token endpoint ${authUrl}/oauth2/token: ECONNREFUSED\n`,
      );
    }, 30_000);
  });
});
