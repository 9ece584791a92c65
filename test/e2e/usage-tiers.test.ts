// Usage tiers end to end on the local stack: `npm start --tier` declares the tiers, the admin CLI puts
// clients in them, tokens carry the tier, the authorizer returns the tier's key as usageIdentifierKey and the
// resource API's usage plans throttle each client by it (the gateway's clock injected: no sleeps).
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFailure } from '../../local/start-errors.js';
import { mintToken } from '../support/client-token.js';
import { createClientWithCli } from '../support/clients-cli.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

let stack: LocalStack;
let clock = Date.UTC(2026, 11, 9, 12);
const tokens = { gold: '', plain: '', capped: '' };

const client = (...extra: string[]) =>
  createClientWithCli(stack.clientEnv, ['--name', 'tiered', '--scopes', 'products/read', ...extra]);
const products = (token: string) =>
  fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } });
const statuses = async (token: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await products(token)).status);
  return out;
};

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    usageTiers: {
      default: { rate: 1, burst: 1 },
      gold: { rate: 3, burst: 3 },
      capped: { rate: 100, burst: 100, quota: { limit: 2, period: 'DAY' } },
    },
    clocks: { api: () => clock },
  });
  tokens.gold = await mintToken(stack.tokenUrl, await client('--tier', 'gold'));
  tokens.plain = await mintToken(stack.tokenUrl, await client());
  tokens.capped = await mintToken(stack.tokenUrl, await client('--tier', 'capped'));
}, 60_000);
afterAll(() => stack?.close());

describe('usage tiers on the local stack', () => {
  it('mints the tier claim for a client with a tier, none for the default tier', () => {
    expect(decodeJwt(tokens.gold).tier).toBe('gold');
    expect(decodeJwt(tokens.plain)).not.toHaveProperty('tier');
    expect(stack.usageTiers).toEqual(['default', 'gold', 'capped']);
  });

  it('throttles each client by its own tier, the same scopes and result cache notwithstanding', async () => {
    expect(await statuses(tokens.gold, 4)).toEqual([200, 200, 200, 429]);
    // The plain client's bucket is its tier's: the gold client's cached policy and key never serve it.
    expect(await statuses(tokens.plain, 2)).toEqual([200, 429]);
    const throttled = await products(tokens.gold);
    expect(await throttled.text()).toBe('{"message":"Too Many Requests"}');
    clock += 1000;
    expect(await statuses(tokens.gold, 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses(tokens.plain, 2)).toEqual([200, 429]);
  });

  it("answers Limit Exceeded once the tier's daily quota is used", async () => {
    expect(await statuses(tokens.capped, 3)).toEqual([200, 200, 429]);
    const over = await products(tokens.capped);
    expect(over.headers.get('x-amzn-errortype')).toBe('LimitExceededException');
    expect(await over.text()).toBe('{"message":"Limit Exceeded"}');
  });

  it.each([[{ gold: { rate: 0, burst: 1 } }, 'tier gold: rate must be an integer from 1 to 1000000']])(
    'refuses the tiers %j before anything starts, exit 2',
    async (usageTiers, message) => {
      const err = await startLocalStack({
        inMemory: true,
        ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
        usageTiers,
      }).catch((e: unknown) => e);
      expect(startFailure(err, '127.0.0.1')).toEqual({ message: `error: ${message}`, exitCode: 2 });
    },
  );

  it('refuses tiers with the native JWT authorizer, which returns no usageIdentifierKey', async () => {
    const err = await startLocalStack({
      inMemory: true,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      authorizer: 'native',
      usageTiers: { gold: { rate: 1, burst: 1 } },
    }).catch((e: unknown) => e);
    expect(startFailure(err, '127.0.0.1').exitCode).toBe(2);
  });
});
