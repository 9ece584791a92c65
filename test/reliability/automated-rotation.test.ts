// The automated signing-key rotation under load: `npm run keys -- rotate` (the same steps as the scheduled
// Step Functions rotation) runs against the local stack while clients mint tokens and call the resource
// API. The token and JWKS Lambdas follow the key state with no redeploy; every wait the rotation computes
// from the stack's settings passes on a virtual clock (workers pause while it jumps, so no token expires
// mid-request). No request carrying a valid token, and no token request, may fail.
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeysCli } from '../../handlers/cli/keys.js';
import { type Harness, startHarness } from './support/harness.js';
import { drive, record, SOAK, sleep } from './support/load.js';
import { startRotationLoad } from './support/rotation-load.js';

const LIFETIME = 60;
// One environment for every local Lambda, as `npm start` has: the CLI reads the same one.
const SETTINGS = {
  JWKS_MAX_AGE_SECONDS: '10',
  JWKS_REFETCH_COOLDOWN_SECONDS: '5',
  TOKEN_MAX_LIFETIME_SECONDS: String(LIFETIME),
  KEY_STATE_CACHE_SECONDS: '2',
  ROTATION_MARGIN_SECONDS: '1',
  // The emulator authorizes by key id alone: no tag propagation to wait for.
  KMS_TAG_PROPAGATION_SECONDS: '0',
};
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ tokenUsesClock: true, env: SETTINGS });
}, 30_000 * SOAK);

afterAll(async () => {
  await h?.close();
});

describe('automated key rotation under load', () => {
  it(
    'rotates through every step with zero failed requests and leaves the old key unpublished and pending deletion',
    async () => {
      const clients = await Promise.all([1, 2, 3].map(() => h.createClient(['products/read'], LIFETIME)));
      const { stats, kidA, step, pauseAndRun } = await startRotationLoad(h, clients);
      const keyA = h.stack.signingKeyId;
      // The CLI's sleep: workers pause while the clock jumps by the wait, then run for a while.
      const jump = async (ms: number) => {
        await pauseAndRun(() => h.clock.advance(ms));
        await sleep(300);
      };

      let stdout = '';
      let stderr = '';
      let exitCode: number | undefined;
      const rotation = (async () => {
        await sleep(500);
        exitCode = await runKeysCli(['--json', 'rotate'], {
          env: { ...h.stack.clientEnv, ...SETTINGS },
          stdout: { write: (t: string) => (stdout += t) },
          stderr: { write: (t: string) => (stderr += t) },
          sleep: jump,
          now: h.clock.now,
        });
        await sleep(500);
      })();
      const tally = await drive({
        concurrency: 6,
        durationMs: 60_000,
        step,
        stop: () => exitCode !== undefined,
      });
      await rotation;

      const events = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const keyB = events[0].nextKeyId as string;
      const jwks = (await (await fetch(h.stack.jwksUrl)).json()) as { keys: { kid: string }[] };
      const retired = await h.stack.clients.kms.send(new DescribeKeyCommand({ KeyId: keyA }));

      expect(stderr).toBe('');
      expect(exitCode).toBe(0);
      expect(events.filter((e) => e.outcome !== 'waiting').map((e) => e.outcome)).toEqual([
        'key_created',
        'key_published',
        'signing_switched',
        'key_unpublished',
        'key_retired',
      ]);
      // The waits the CLI computed from these settings: publish 2+max(10, 10+5)+1, retire 2+60+0+1, disable 2+1.
      expect(events.slice(1, 4).map((e) => e.waitSeconds)).toEqual([18, 63, 3]);
      expect(stats.validFailed).toBe(0);
      expect(stats.mintFailed).toBe(0);
      expect(stats.kids.A).toBeGreaterThan(0);
      expect(stats.kids.B).toBeGreaterThan(0);
      expect(jwks.keys.map((k) => k.kid)).not.toContain(kidA);
      expect(jwks.keys).toHaveLength(1);
      expect(retired.KeyMetadata?.KeyState).toBe('PendingDeletion');
      expect(keyB).not.toBe(keyA);

      record('automated-key-rotation', {
        scenario:
          'Automated signing-key rotation under load (npm run keys -- rotate: create, publish, switch, unpublish, retire; no redeploy)',
        load: '6 concurrent clients: 1/5 token requests, 4/5 resource calls with live tokens (gateway + authorizer, result cache off)',
        faults:
          'new KMS key; key state changed four times; old key disabled and scheduled for deletion; virtual clock jumps by each computed wait',
        requests: tally.total,
        failed: stats.validFailed + stats.mintFailed,
        shouldFail: 0,
        didFail: 0,
        details: {
          outcomes: tally.counts,
          resourceCallsByKey: stats.kids,
          mints: stats.mints,
          events: events.length,
        },
        command: 'npx vitest run test/reliability/automated-rotation.test.ts',
      });
    },
    60_000 * SOAK,
  );
});
