// The JWKS endpoint fails (connection reset, hang, garbage, wrong JSON, HTTP 500) while the resource API
// is under load through the gateway emulator and the real TOKEN authorizer: valid tokens with a known kid
// keep passing (stale-if-error), forged kids keep getting 401, refetches stay bounded by the unknown-kid
// cooldown and the failure backoff, and once the endpoint is back a newly published key is picked up.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, testKey } from '../../fixtures/tokens.js';
import type { FaultMode } from '../../local/fault-proxy.js';
import { type Harness, startHarness } from './support/harness.js';
import { drive, record, requestToken, SOAK, sleep } from './support/load.js';

let h: Harness;
/** JWKS downloads only: the proxy fronts the whole auth API, the revocation list included. */
const jwksRequests = () => h.jwksProxy.requestsFor('/.well-known/jwks.json');
let client: { id: string; secret: string };

async function mint(): Promise<string> {
  const r = await requestToken(h.stack.tokenUrl, client);
  if (r.status !== 200) throw new Error(`token endpoint answered ${r.status}`);
  return r.body.access_token as string;
}

async function callApi(token: string): Promise<number> {
  const res = await fetch(`${h.stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

function forged(kid: string): string {
  const now = Math.floor(h.clock.now() / 1000);
  return signToken({
    key: testKey('jwks-faults-forger'),
    header: { kid },
    claims: {
      iss: h.stack.issuer,
      aud: h.stack.audience,
      sub: 'attacker',
      client_id: 'attacker',
      iat: now,
      exp: now + 600,
    },
  });
}

beforeAll(async () => {
  // Soft max age 10 s (the minimum the authorizer accepts): the stale phase moves the clock past it. The
  // outage runs on a frozen authorizer clock while the token endpoint keeps real time: a 60 s leeway lets
  // the tokens minted meanwhile (iat a few seconds past the frozen clock) pass.
  h = await startHarness({ env: { JWKS_MAX_AGE_SECONDS: '10', CLOCK_LEEWAY_SECONDS: '60' } });
  client = await h.createClient(['products/read']);
}, 30_000 * SOAK);

afterAll(async () => {
  await h?.close();
});

describe('JWKS endpoint faults under authorizer load', () => {
  it(
    'keeps serving known keys, refuses forged kids, bounds refetches and recovers',
    async () => {
      const pool: string[] = [];
      for (let i = 0; i < 20; i++) pool.push(await mint());
      expect(await callApi(pool[0]!)).toBe(200);
      const keyA = h.stack.authorizerDeps().keyStore.stats();
      expect(keyA.keys).toBe(1);
      const realKid = JSON.parse(Buffer.from(pool[0]!.split('.')[0]!, 'base64url').toString()).kid as string;

      let valid = 0;
      let validFailed = 0;
      let shouldFail = 0;
      let refused = 0;
      const phases: Record<string, unknown>[] = [];
      // New tokens keep arriving during the outage (the token endpoint does not depend on the JWKS route).
      let minting = true;
      const minter = (async () => {
        while (minting) {
          pool.push(await mint().catch(() => pool[0]!));
          await sleep(50);
        }
      })();

      const step = async (n: number): Promise<string> => {
        const kind = n % 4;
        if (kind <= 1) {
          const status = await callApi(pool[pool.length - 1 - (n % Math.min(pool.length, 40))]!);
          valid++;
          if (status !== 200) validFailed++;
          return `valid:${status}`;
        }
        shouldFail++;
        const token = kind === 2 ? forged(randomBytes(12).toString('base64url')) : forged(realKid);
        const status = await callApi(token);
        if (status === 401) refused++;
        return `${kind === 2 ? 'forged-kid' : 'forged-sig'}:${status}`;
      };

      const faultModes: FaultMode[] = ['reset', 'hang', 'garbage', 'wrong_json', 'error500'];
      h.jwksProxy.resetCounts();
      // Frozen: every fault phase falls inside one unknown-kid cooldown and one failure backoff, however
      // long this machine takes to run them.
      h.clock.freeze();
      const outageStarted = h.clock.now();
      for (const mode of faultModes) {
        h.jwksProxy.mode = mode;
        const before = jwksRequests();
        const tally = await drive({ concurrency: 8, durationMs: 1200, step });
        phases.push({
          mode,
          requests: tally.total,
          outcomes: tally.counts,
          jwksFetches: jwksRequests() - before,
        });
      }
      // Every fault mode ran within one cooldown window: the one unknown-kid refetch in all of them.
      const fetchesNoAdvance = jwksRequests();
      expect(fetchesNoAdvance).toBe(1);

      // Past the soft max age with the endpoint still down, on a frozen clock: one background refresh, then
      // none within the failure backoff (1 s) however many requests arrive, and the last good key keeps
      // serving (stale-if-error).
      h.jwksProxy.mode = 'reset';
      h.clock.advance(11_000);
      const staleBefore = jwksRequests();
      const staleTally = await drive({ concurrency: 8, durationMs: 2000, step });
      const staleFetches = jwksRequests() - staleBefore;
      phases.push({
        mode: 'reset+stale',
        requests: staleTally.total,
        outcomes: staleTally.counts,
        jwksFetches: staleFetches,
      });
      expect(staleFetches).toBe(1);
      expect(h.stack.authorizerDeps().keyStore.stats().stale).toBe(true);

      // Past the unknown-kid cooldown (30 s) and the backoff with forged kids flowing: one refetch, which the
      // forged kids wait on instead of adding their own, then none within the backoff.
      h.clock.advance(31_000);
      const coolBefore = jwksRequests();
      const coolTally = await drive({ concurrency: 8, durationMs: 1000, step });
      const coolFetches = jwksRequests() - coolBefore;
      h.clock.resume();
      phases.push({
        mode: 'reset+cooldown-passed',
        requests: coolTally.total,
        outcomes: coolTally.counts,
        jwksFetches: coolFetches,
      });
      expect(coolFetches).toBe(1);
      minting = false;
      await minter;

      expect(validFailed).toBe(0);
      expect(refused).toBe(shouldFail);

      // Recovery: the endpoint is back and publishes a second key; the authorizer picks it up on its next
      // soft refresh (the clock is already past the max age), then tokens signed with it pass.
      const keyB = await h.stack.createKey();
      h.stack.deploy('jwks', { PUBLISHED_KEY_IDS: `${h.stack.signingKeyId},${keyB}` });
      h.jwksProxy.mode = 'pass';
      h.clock.advance(1_100); // past the failure backoff
      const recoveryStarted = performance.now();
      let recoveryRequests = 0;
      while (h.stack.authorizerDeps().keyStore.stats().keys < 2) {
        recoveryRequests++;
        expect(await callApi(pool[recoveryRequests % pool.length]!)).toBe(200);
        if (performance.now() - recoveryStarted > 5000) break;
        await sleep(5);
      }
      const recoveryMs = performance.now() - recoveryStarted;
      expect(h.stack.authorizerDeps().keyStore.stats()).toMatchObject({ keys: 2, stale: false });
      h.stack.deploy('token', { SIGNING_KEY_ID: keyB });
      const tokenB = await mint();
      expect(JSON.parse(Buffer.from(tokenB.split('.')[0]!, 'base64url').toString()).kid).not.toBe(realKid);
      expect(await callApi(tokenB)).toBe(200);
      expect(await callApi(pool[0]!)).toBe(200);

      record('jwks-faults', {
        scenario: 'JWKS endpoint down / hanging / garbage / 500 under authorizer load',
        load: '8 concurrent clients through the gateway emulator + TOKEN authorizer (result cache off); new tokens minted every 50 ms',
        faults: `proxy in front of the JWKS route: ${faultModes.join(', ')} (1.2 s each), then reset past the soft max age (+11 s) and past the unknown-kid cooldown (+31 s)`,
        requests: valid + shouldFail,
        failed: validFailed,
        shouldFail,
        didFail: refused,
        details: {
          validRequests: valid,
          jwksFetchesDuringOutage: h.jwksProxy.byMode,
          fetchesInFaultPhasesWithinOneCooldown: fetchesNoAdvance,
          staleFetches,
          phases,
          virtualOutageSeconds: Math.round((h.clock.now() - outageStarted) / 1000),
          recoveryMs: Math.round(recoveryMs),
          recoveryRequests,
        },
        command: 'npx vitest run test/reliability/jwks-faults.test.ts',
      });
    },
    40_000 * SOAK,
  );
});
