// The issuance limit across environments: two limiter instances (two warm Lambda environments) over one
// counter table in dynalite admit exactly the client's rate per second between them, and a failing table
// degrades to the per-environment bucket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIssuanceTable,
  createSharedIssuanceLimiter,
} from '../../../core/issuer/shared-issuance-limiter.js';
import { type DynaliteServer, localDynamo, startDynalite } from '../../../fixtures/dynalite.js';

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
  it('admits exactly the rate per second across two environments asking at once', async () => {
    const clock = { t: Date.UTC(2026, 11, 6, 23, 0, 0, 100) };
    const [a, b] = environments(() => clock.t);
    const burst = () =>
      Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a! : b!).take('kg_shared', 10)));
    const first = await burst();
    expect(first.filter((d) => d.ok)).toHaveLength(10);
    expect(first.filter((d) => !d.ok)).toEqual(Array(20).fill({ ok: false, retryAfterSeconds: 1 }));
    // Later in the same second: still nothing; the next second starts a fresh count.
    clock.t += 800;
    expect(await a!.take('kg_shared', 10)).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.t += 200;
    expect((await burst()).filter((d) => d.ok)).toHaveLength(10);
  });

  it('counts each client apart', async () => {
    const [a, b] = environments(() => Date.UTC(2026, 11, 6, 23, 0, 5));
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => a!.take('kg_one', 2)),
      ...Array.from({ length: 4 }, () => b!.take('kg_two', 3)),
    ]);
    expect(results.slice(0, 4).filter((d) => d.ok)).toHaveLength(2);
    expect(results.slice(4).filter((d) => d.ok)).toHaveLength(3);
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
