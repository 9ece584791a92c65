// Test runner config: tests live under test/, mirroring the source tree. The `keygate-source` condition
// resolves the package's own entry points (`keygate`, `keygate/cdk`, ...) to their TypeScript sources, and
// the global setup prebuilds the Lambda bundles the CDK constructs ship. Why the pool settings below, with
// the measurements: docs/testing.md.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that took longest in the last measurement (docs/testing.md), most of it in child processes (npm,
 * node, tsc, load runs) or CDK synthesis. They start first, so that none of them is the last file left
 * running on one core while the other idles. After a run, vitest's cache orders the rest by duration too.
 */
const LONGEST = [
  'test/load/local-run.test.ts',
  'test/package/pack.test.ts',
  'test/handlers/cli/exit.test.ts',
  'test/local/start.test.ts',
  'test/bench/run.test.ts',
  'test/infra/constructs/key-rotation.test.ts',
  'test/infra/constructs/keygate-issuer.test.ts',
  'test/reliability/jwks-faults.test.ts',
  'test/reliability/token-faults.test.ts',
  'test/security/path-properties.test.ts',
].map((file) => fileURLToPath(new URL(file, import.meta.url)));

/** Vitest's own order (failed first, then longest by the cached durations), the LONGEST files ahead of it. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.indexOf(f.moduleId);
      return i < 0 ? LONGEST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  ssr: { resolve: { conditions: ['keygate-source'], externalConditions: ['keygate-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/temp-root.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Vitest's default is cores - 1, one worker on 2 cores: a file waiting on a child process or a socket
    // left the second core idle. At least two workers keep both busy.
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Each worker keeps its module cache from file to file: the AWS SDK, aws-cdk-lib and the local stack
    // are imported once per worker instead of once per file. Safe here: no test mocks modules or stubs
    // globals it does not restore, and handlers take their env and clients as arguments.
    isolate: false,
    sequence: { sequencer: LongestFirst },
  },
});
