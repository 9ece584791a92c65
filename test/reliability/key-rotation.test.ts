// Signing-key rotation under load (docs/design.md#keys): a new KMS key is created and published next to the old one,
// the verifiers pick it up on their refresh, signing switches to it, and the old key is retired once the
// longest token it signed has expired. Clients keep minting and calling the resource API throughout; no
// request carrying a valid token may fail. Clocks are virtual so the 60 s lifetime and 10 s JWKS max age
// pass in a few real seconds (workers pause while the clock jumps, so no token expires mid-request).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { claimsOf, kmsSign } from './support/kms-token.js';
import { drive, record, SOAK, sleep } from './support/load.js';
import { startRotationLoad } from './support/rotation-load.js';

const LIFETIME = 60;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    tokenUsesClock: true,
    env: { JWKS_MAX_AGE_SECONDS: '10', TOKEN_MAX_LIFETIME_SECONDS: String(LIFETIME) },
  });
}, 30_000 * SOAK);

afterAll(async () => {
  await h?.close();
});

describe('key rotation under load', () => {
  it(
    'publishes, switches and retires keys with zero failed requests carrying valid tokens',
    async () => {
      const clients = await Promise.all([1, 2, 3].map(() => h.createClient(['products/read'], LIFETIME)));
      const { pool, stats, kidA, step, pauseAndRun } = await startRotationLoad(h, clients);
      const keyA = h.stack.signingKeyId;

      const timeline: Record<string, number> = {};
      const started = performance.now();
      const mark = (what: string) => {
        timeline[what] = Math.round(performance.now() - started);
      };
      let keyB = '';
      const actions = (async () => {
        await sleep(500);
        keyB = await h.stack.createKey();
        h.stack.deploy('jwks', { SIGNING_KEY_ID: keyA, PUBLISHED_KEY_IDS: `${keyA},${keyB}` });
        mark('B published');
        // Past the JWKS max age: the authorizer's next call refreshes in the background and learns B.
        await pauseAndRun(() => h.clock.advance(11_000));
        while (h.stack.authorizerDeps().keyStore.stats().keys < 2) await sleep(10);
        mark('verifiers know B');
        await sleep(500);
        h.stack.deploy('token', { SIGNING_KEY_ID: keyB });
        mark('signing switched to B');
        await sleep(800);
        // Retire A only after the longest-lived A token has expired.
        await pauseAndRun(() => h.clock.advance((LIFETIME + 1) * 1000));
        mark('max lifetime passed');
        h.stack.deploy('jwks', { SIGNING_KEY_ID: keyB, PUBLISHED_KEY_IDS: keyB });
        await pauseAndRun(() => h.clock.advance(11_000));
        while (h.stack.authorizerDeps().keyStore.stats().keys !== 1) await sleep(10);
        mark('A retired from verifiers');
        await sleep(500);
      })();
      const tally = await drive({
        concurrency: 6,
        durationMs: 60_000,
        step,
        stop: () =>
          timeline['A retired from verifiers'] !== undefined &&
          performance.now() - started > timeline['A retired from verifiers']! + 400,
      });
      await actions;

      // A token with a still-valid lifetime signed by the retired key is now refused.
      const now = Math.floor(h.clock.now() / 1000);
      const lateA = await kmsSign(
        h.stack.clients.kms,
        keyA,
        { alg: 'RS256', typ: 'at+jwt', kid: kidA },
        {
          ...claimsOf(pool[pool.length - 1]!.token),
          iat: now,
          exp: now + 30,
        },
      );
      const lateStatus = (
        await fetch(`${h.stack.apiUrl}/products`, { headers: { authorization: `Bearer ${lateA}` } })
      ).status;

      expect(stats.validFailed).toBe(0);
      expect(stats.mintFailed).toBe(0);
      expect(stats.kids.A).toBeGreaterThan(0);
      expect(stats.kids.B).toBeGreaterThan(0);
      expect(lateStatus).toBe(401);

      record('key-rotation', {
        scenario:
          'Signing-key rotation under load (publish B, verifiers refresh, switch signing, retire A after max lifetime)',
        load: '6 concurrent clients: 1/5 token requests, 4/5 resource calls with live tokens (gateway + authorizer, result cache off)',
        faults:
          'new KMS key; JWKS redeployed twice; token Lambda redeployed; virtual clock +11 s, +61 s, +11 s',
        requests: tally.total,
        failed: stats.validFailed + stats.mintFailed,
        shouldFail: 1,
        didFail: lateStatus === 401 ? 1 : 0,
        details: {
          outcomes: tally.counts,
          resourceCallsByKey: stats.kids,
          mints: stats.mints,
          timelineMs: timeline,
          retiredKeyTokenStatus: lateStatus,
        },
        command: 'npx vitest run test/reliability/key-rotation.test.ts',
      });
    },
    40_000 * SOAK,
  );
});
