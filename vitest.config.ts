// Test runner config: tests live under test/, mirroring the source tree. The `keygate-source` condition
// resolves the package's own entry points (`keygate`, `keygate/cdk`, ...) to their TypeScript sources.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['keygate-source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['keygate-source', 'node', 'import', 'default'], externalConditions: ['keygate-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
