// The deferred Powertools Logger and Metrics: nothing is loaded until a line or a publish needs it, the load
// runs after the current task, and every line kept meanwhile is written in order by the real Logger.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeferredLogger, DeferredMetrics } from '../../../handlers/lib/deferred-powertools.js';
import { LOG_LEVEL_THRESHOLDS } from '../../../handlers/lib/powertools-config.js';

afterEach(() => vi.restoreAllMocks());

/** Powertools writes through its own Console on stdout and stderr: collect the JSON lines. */
function captureStdout(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const sink = (chunk: unknown) => {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(sink);
  vi.spyOn(process.stderr, 'write').mockImplementation(sink);
  return lines;
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred(level = 'INFO', options: { held?: boolean } = {}) {
  let loads = 0;
  const logger = new DeferredLogger(
    async () => {
      loads++;
      return new Logger({ serviceName: 'test', logLevel: level as 'INFO' });
    },
    LOG_LEVEL_THRESHOLDS.INFO,
    options,
  );
  return { logger, loads: () => loads };
}

describe('DeferredLogger', () => {
  it('loads nothing before a line is logged, then loads after the current task and writes in order', async () => {
    const out = captureStdout();
    const { logger, loads } = deferred();
    await nextTask();
    expect(loads()).toBe(0);
    logger.info('first', { n: 1 });
    logger.debug('below the level', { n: 2 });
    logger.warn('second', { n: 3 });
    expect(loads()).toBe(0);
    expect(out).toEqual([]);
    await nextTask();
    expect(loads()).toBe(1);
    await logger.loaded();
    expect(out.map((l) => [l.level, l.message, l.n])).toEqual([
      ['INFO', 'first', 1],
      ['WARN', 'second', 3],
    ]);
    logger.error('third', { n: 4 }); // loaded: written at once
    expect(out.at(-1)).toMatchObject({ level: 'ERROR', message: 'third', n: 4 });
    expect(loads()).toBe(1);
  });

  it('held: lines before release() load nothing; release() loads after the current task and writes them', async () => {
    const out = captureStdout();
    const { logger, loads } = deferred('INFO', { held: true });
    logger.info('at init', { n: 1 });
    await nextTask();
    await nextTask();
    expect(loads()).toBe(0);
    expect(out).toEqual([]);
    logger.release();
    expect(loads()).toBe(0);
    await nextTask();
    expect(loads()).toBe(1);
    await logger.loaded();
    expect(out.map((l) => [l.level, l.message, l.n])).toEqual([['INFO', 'at init', 1]]);
  });

  it("reports the configured level until loaded, then the Logger's", async () => {
    captureStdout();
    const { logger } = deferred('DEBUG');
    expect(logger.level).toBe(LOG_LEVEL_THRESHOLDS.INFO);
    await logger.loaded();
    expect(logger.level).toBe(LOG_LEVEL_THRESHOLDS.DEBUG);
  });

  it('keeps at most 1000 lines while loading and says how many it dropped', async () => {
    const out = captureStdout();
    const { logger } = deferred();
    for (let i = 0; i < 1005; i++) logger.info('line', { i });
    await logger.loaded();
    expect(out.filter((l) => l.message === 'line')).toHaveLength(1000);
    expect(out.at(-1)).toMatchObject({ level: 'WARN', dropped: 5 });
  });
});

describe('DeferredMetrics', () => {
  const publish = (m: Metrics) => {
    m.addMetric('Things', 'Count', 2);
    m.publishStoredMetrics();
  };

  it('publishes once Metrics is loaded and idle() resolves after the write', async () => {
    const out = captureStdout();
    let loads = 0;
    const metrics = new DeferredMetrics(async () => {
      loads++;
      return new Metrics({ namespace: 'test', serviceName: 'test' });
    });
    expect(loads).toBe(0);
    const published = metrics.use(publish);
    const idle = metrics.idle();
    expect(out).toEqual([]);
    await published;
    await idle;
    expect(out.map((d) => d.Things)).toEqual([2]);
    expect(metrics.use(publish)).toBeUndefined(); // loaded: written at once
    expect(out.map((d) => d.Things)).toEqual([2, 2]);
    expect(loads).toBe(1);
  });

  it('writes at once through a Metrics it was given', () => {
    const out = captureStdout();
    const metrics = new DeferredMetrics(new Metrics({ namespace: 'test', serviceName: 'test' }));
    expect(metrics.use(publish)).toBeUndefined();
    expect(metrics.idle()).toBeUndefined();
    expect(out.map((d) => d.Things)).toEqual([2]);
  });
});
