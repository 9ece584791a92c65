// Test runner config: tests live under test/, mirroring the source tree. The `keygate-source` condition
// resolves the package's own entry points (`keygate`, `keygate/cdk`, ...) to their TypeScript sources, and
// the global setup prebuilds the Lambda bundles the CDK constructs ship.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['keygate-source'], externalConditions: ['keygate-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
