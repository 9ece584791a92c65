// The bench runner's pure parts: ratios, target verdicts, number formatting, tables and the summary.
import { describe, expect, it } from 'vitest';
import {
  applyFloor,
  evaluateTargets,
  formatExtra,
  formatNs,
  formatOps,
  missedTargets,
  rowsTable,
  type SuiteResult,
  summaryMarkdown,
} from '../../measure/results.js';
import { type BenchRow, row } from '../../measure/suite.js';
import { TEST_ENVIRONMENT } from '../support/environment.js';

const rows = (): BenchRow[] => [
  { name: 'floor', opsPerSec: 50_000, p50Ns: 19_000, p99Ns: 40_000, samples: 1000 },
  { name: 'keygate', opsPerSec: 48_000, p50Ns: 20_500, p99Ns: 45_000, samples: 1000 },
  {
    name: 'cold',
    opsPerSec: 5.5,
    p50Ns: 181_818_181,
    p99Ns: 250_000_000,
    samples: 5,
    extra: { medianMs: 181.8, bundleBytes: 75_000 },
  },
];

const env = TEST_ENVIRONMENT;

describe('bench results', () => {
  it('sets every ratio against the floor row', () => {
    const r = applyFloor(rows(), 'floor');
    expect(r.map((x) => x.ratio)).toEqual([1, 0.96, 5.5 / 50_000]);
    expect(applyFloor(rows(), undefined).every((x) => x.ratio === undefined)).toBe(true);
    expect(() => applyFloor(rows(), 'nope')).toThrow('floor row "nope"');
  });

  it('evaluates targets, turning a throwing check into a miss', () => {
    const verdicts = evaluateTargets(
      {
        targets: [
          {
            description: 'keygate >= 0.95x floor',
            check: (r) => {
              const ratio = row(r, 'keygate').opsPerSec / row(r, 'floor').opsPerSec;
              return { pass: ratio >= 0.95, actual: `${ratio.toFixed(2)}x` };
            },
          },
          {
            description: 'needs a missing row',
            check: (r) => ({ pass: row(r, 'absent').opsPerSec > 0, actual: '' }),
          },
        ],
      },
      rows(),
    );
    expect(verdicts).toEqual([
      { description: 'keygate >= 0.95x floor', pass: true, actual: '0.96x' },
      {
        description: 'needs a missing row',
        pass: false,
        actual: 'check failed: no bench row named "absent"',
      },
    ]);
    const result = { suite: 'verify', targets: verdicts } as unknown as SuiteResult;
    expect(missedTargets([result])).toEqual([
      {
        suite: 'verify',
        description: 'needs a missing row',
        actual: 'check failed: no bench row named "absent"',
      },
    ]);
  });

  it('formats durations, rates and extra figures by unit', () => {
    expect([formatNs(850), formatNs(20_500), formatNs(181_818_181), formatNs(Number.NaN)]).toEqual([
      '850 ns',
      '20.5 µs',
      '181.82 ms',
      '-',
    ]);
    expect([formatOps(48_000.4), formatOps(5.5)]).toEqual(['48,000', '5.50']);
    expect(formatExtra('medianMs', 181.83)).toBe('181.8 ms');
    expect(formatExtra('bundleBytes', 75_000)).toBe('73.2 KiB');
    expect(formatExtra('bundleBytes', 216)).toBe('216 B');
    expect(formatExtra('samples', 3)).toBe('3');
    expect(formatExtra('note', 'x')).toBe('x');
    expect(formatExtra('x', undefined)).toBe('');
  });

  it('renders a Markdown table with a column per extra key', () => {
    const table = rowsTable(applyFloor(rows(), 'floor')).split('\n');
    expect(table[0]).toBe(
      '| task    |  ops/s |       p50 |       p99 | ratio | samples | medianMs | bundleBytes |',
    );
    expect(table[1]).toBe(
      '|:--------|-------:|----------:|----------:|------:|--------:|---------:|------------:|',
    );
    expect(table[3]).toBe(
      '| keygate | 48,000 |   20.5 µs |   45.0 µs | 0.96x |    1000 |          |             |',
    );
    expect(table[4]).toBe(
      '| cold    |   5.50 | 181.82 ms | 250.00 ms | 0.00x |       5 | 181.8 ms |    73.2 KiB |',
    );
  });

  it('writes a summary with the environment, each suite, its command and its verdicts', () => {
    const result: SuiteResult = {
      suite: 'verify',
      description: 'RS256 verification',
      floor: 'floor',
      environment: env,
      options: { quick: true, timeMs: 200, warmupMs: 50 },
      durationMs: 1000,
      rows: applyFloor(rows(), 'floor'),
      targets: [{ description: 'cache miss >= 0.95x', pass: false, actual: '0.90x' }],
    };
    const older: SuiteResult = {
      ...result,
      suite: 'authorizer',
      targets: [],
      environment: { ...env, commit: 'old999' },
    };
    const md = summaryMarkdown(env, [result, older]);
    expect(md).toContain(
      'Environment: Node v20.20.2 (V8 11.3) · AMD EPYC · 2 cores · 24.0 GiB RAM · Linux 6.8 x64 · commit abc123',
    );
    expect(md).toContain('Targets: 0/1 met.');
    expect(md).toContain('## verify\n\nRS256 verification\n\nCommand: `npm run bench -- verify --quick`');
    expect(md).toContain('- **MISS** cache miss >= 0.95x: 0.90x');
    expect(md).toContain('(measured 2026-01-02T03:04:05.000Z, commit old999)');
    expect(md.endsWith('\n')).toBe(true);
  });
});
