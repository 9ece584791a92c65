// The machine record stored with results.
import { describe, expect, it } from 'vitest';
import { environmentRecord, formatEnvironment } from '../../measure/environment.js';

const sources = (git: (args: readonly string[]) => string) => ({
  versions: { node: '20.20.2', v8: '11.3.244.8' },
  cpus: () => [{ model: '  AMD EPYC   7B13  ' }, { model: 'AMD EPYC 7B13' }],
  availableParallelism: () => 2,
  totalmem: () => 8 * 2 ** 30,
  osDescription: () => 'Linux 6.8.0 x64',
  now: () => new Date('2026-03-04T05:06:07.000Z'),
  git,
});

describe('environment record', () => {
  it('records versions, CPU, cores, memory, OS, date and a dirty commit', () => {
    const env = environmentRecord(
      sources((args) => (args[0] === 'rev-parse' ? 'abcdef123456' : ' M bench/run.ts')),
    );
    expect(env).toEqual({
      node: 'v20.20.2',
      v8: '11.3.244.8',
      cpuModel: 'AMD EPYC 7B13',
      cores: 2,
      totalMemoryBytes: 8 * 2 ** 30,
      os: 'Linux 6.8.0 x64',
      date: '2026-03-04T05:06:07.000Z',
      commit: 'abcdef123456-dirty',
    });
    expect(formatEnvironment(env)).toBe(
      'Node v20.20.2 (V8 11.3.244.8) · AMD EPYC 7B13 · 2 cores · 8.0 GiB RAM · Linux 6.8.0 x64 · commit abcdef123456-dirty · 2026-03-04T05:06:07.000Z',
    );
  });

  it('says clean commits plainly and survives a missing git', () => {
    expect(environmentRecord(sources((args) => (args[0] === 'rev-parse' ? 'abc' : ''))).commit).toBe('abc');
    const noGit = environmentRecord(
      sources(() => {
        throw new Error('git: not found');
      }),
    );
    expect(noGit.commit).toBe('unknown');
  });

  it('reads the real machine', () => {
    const env = environmentRecord();
    expect(env.node).toBe(process.version);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.totalMemoryBytes).toBeGreaterThan(0);
    expect(env.commit).toMatch(/^([0-9a-f]{12}(-dirty)?|unknown)$/);
  });
});
