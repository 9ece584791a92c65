// The load both key-rotation tests drive: clients mint tokens (1 request in 5) and call the resource API
// with live ones (4 in 5), counting calls by signing key (A = the key at start, B = any later one). Workers
// pause at a gate while the test jumps the virtual clock, so a token valid when picked stays valid until
// it is answered.
import type { Harness } from './harness.js';
import { claimsOf, kidOf } from './kms-token.js';
import { requestToken, sleep } from './load.js';

export interface RotationLoad {
  /** Minted tokens (bounded), newest last. */
  readonly pool: { readonly token: string; readonly exp: number }[];
  readonly stats: {
    valid: number;
    validFailed: number;
    mints: number;
    mintFailed: number;
    readonly kids: Record<'A' | 'B', number>;
  };
  /** The kid of the signing key at start. */
  readonly kidA: string;
  /** One worker request; its outcome label. */
  step(n: number): Promise<string>;
  /** Runs `action` with every worker paused between requests. */
  pauseAndRun(action: () => void | Promise<void>): Promise<void>;
}

export async function startRotationLoad(
  h: Harness,
  clients: readonly { readonly id: string; readonly secret: string }[],
): Promise<RotationLoad> {
  const pool: { token: string; exp: number }[] = [];
  const mint = async (n: number) => {
    const r = await requestToken(h.stack.tokenUrl, clients[n % clients.length]!);
    if (r.status !== 200) return `mint:${r.status}`;
    const token = r.body.access_token as string;
    pool.push({ token, exp: claimsOf(token).exp as number });
    if (pool.length > 200) pool.splice(0, 100);
    return 'mint:200';
  };
  if ((await mint(0)) !== 'mint:200') throw new Error('the first token request failed');
  const kidA = kidOf(pool[0]!.token);

  let gate: Promise<void> | undefined;
  let active = 0;
  const stats = { valid: 0, validFailed: 0, mints: 0, mintFailed: 0, kids: { A: 0, B: 0 } };
  return {
    pool,
    stats,
    kidA,
    async pauseAndRun(action) {
      let release!: () => void;
      gate = new Promise((r) => {
        release = r;
      });
      while (active > 0) await sleep(2);
      await action();
      gate = undefined;
      release();
    },
    async step(n) {
      while (gate) await gate;
      active++;
      try {
        if (n % 5 === 0 || pool.length === 0) {
          stats.mints++;
          const r = await mint(n);
          if (r !== 'mint:200') stats.mintFailed++;
          return r;
        }
        const nowSec = h.clock.now() / 1000;
        const live = pool.filter((p) => p.exp > nowSec + 1);
        if (live.length === 0) return mint(n);
        const pick = live[n % live.length]!;
        const res = await fetch(`${h.stack.apiUrl}/products`, {
          headers: { authorization: `Bearer ${pick.token}` },
        });
        await res.arrayBuffer();
        stats.valid++;
        const kid = kidOf(pick.token) === kidA ? 'A' : 'B';
        stats.kids[kid] += 1;
        if (res.status !== 200) stats.validFailed++;
        return `valid-${kid}:${res.status}`;
      } finally {
        active--;
      }
    },
  };
}
