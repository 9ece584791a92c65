// A fixed environment record for report tests (what bench/lib/environment.ts records on a real run).
import type { EnvironmentRecord } from '../../measure/environment.js';

export const TEST_ENVIRONMENT: EnvironmentRecord = {
  node: 'v20.20.2',
  v8: '11.3',
  cpuModel: 'AMD EPYC',
  cores: 2,
  totalMemoryBytes: 24 * 2 ** 30,
  os: 'Linux 6.8 x64',
  date: '2026-01-02T03:04:05.000Z',
  commit: 'abc123',
};
