// The cold-start suite's source groups: bundle sources named by package or repo path, and the built-ins
// the bundle loads itself (tools/node-builtins.ts) named as Node's.
import { describe, expect, it } from 'vitest';
import { sourceGroup } from '../../bench/lib/cold-start/profile.js';

describe('sourceGroup', () => {
  it.each([
    ['../../node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js', '@aws-lambda-powertools/logger'],
    ['../../node_modules/lru-cache/dist/esm/index.js', 'lru-cache'],
    ['../../core/jwt/verifier.ts', 'core/jwt/verifier.ts'],
    ['keygate-node-builtin:tls', 'node: tls (loaded by the bundle)'],
    ['keygate-node-builtin-cjs:crypto', 'node: crypto (loaded by the bundle)'],
  ])('groups %s as %s', (source, group) => {
    expect(sourceGroup(source)).toBe(group);
  });
});
