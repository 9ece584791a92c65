// The issuance limit across environments: two limiter instances (two warm Lambda environments) over one
// table in dynalite share one token bucket per client (burst twice the rate, refilled at the rate), and a
// failing table degrades to the per-environment bucket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIssuanceTable,
  createSharedIssuanceLimiter,
} from '../../../../core/issuer/tokens/shared-issuance-limiter.js';
import { type DynaliteServer, localDynamo, startDynalite } from '../../../../fixtures/dynalite.js';

let db: DynaliteServer;
const TABLE = 'keygate-issuance';
beforeAll(async () => {
  db = await startDynalite();
  await createIssuanceTable(localDynamo(db.endpoint), TABLE);
});
afterAll(() => db.close());

const environments = (now: () => number) =>
  [0, 1].map(() =>
    createSharedIssuanceLimiter({ dynamodb: localDynamo(db.endpoint), tableName: TABLE, now }),
  );

describe('createSharedIssuanceLimiter', () => {
  it('admits exactly the burst (twice the rate) across two environments asking at once, then the refill', async () => {
    const clock = { t: Date.UTC(2026, 11, 6, 23, 0, 0, 100) };
    const [a, b] = environments(() => clock.t);
    const burst = () =>
      Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a! : b!).take('kg_shared', 10)));
    const first = await burst();
    expect(first.filter((d) => d.ok)).toHaveLength(20);
    expect(first.filter((d) => !d.ok)).toEqual(Array(10).fill({ ok: false, retryAfterSeconds: 1 }));
    expect(await a!.take('kg_shared', 10)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // 800 ms at 10/s put 8 tokens back, whichever environment asks.
    clock.t += 800;
    expect((await burst()).filter((d) => d.ok)).toHaveLength(8);
    // Idle for a long time: the bucket is full again, and holds no more than the burst.
    clock.t += 60_000;
    expect((await burst()).filter((d) => d.ok)).toHaveLength(20);
  });

  it('counts each client apart', async () => {
    const [a, b] = environments(() => Date.UTC(2026, 11, 6, 23, 0, 5));
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => a!.take('kg_one', 2)),
      ...Array.from({ length: 8 }, () => b!.take('kg_two', 3)),
    ]);
    expect(results.slice(0, 6).filter((d) => d.ok)).toHaveLength(4);
    expect(results.slice(6).filter((d) => d.ok)).toHaveLength(6);
  });

  it('falls back to the per-environment bucket (burst twice the rate) when the table fails, and says so', async () => {
    const failures: unknown[] = [];
    const limiter = createSharedIssuanceLimiter({
      dynamodb: localDynamo(db.endpoint),
      tableName: 'no-such-table',
      now: () => 0,
      onFallback: (err) => failures.push(err),
    });
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await limiter.take('kg_x', 2));
    expect(decisions.map((d) => d.ok)).toEqual([true, true, true, true, false]);
    expect(failures).toHaveLength(5);
    expect((failures[0] as { name: string }).name).toBe('ResourceNotFoundException');
  });
});
