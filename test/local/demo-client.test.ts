// The demo client across restarts: an admin's disable or secret rotation is kept and reported (no new
// full-scope client appears), a deleted one is replaced and named, and the banner says which.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DemoClient, demoClientLines } from '../../local/demo-client.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

const EPHEMERAL = { auth: 0, api: 0, kms: 0, dynamodb: 0 };

describe('demo client across restarts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keygate-demo-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Starts, lets `change` act on the demo client, stops; then starts again and returns that stack. */
  async function restartAfter(change: (stack: LocalStack) => Promise<void>) {
    const first = await startLocalStack({ stateDir: dir, ports: EPHEMERAL });
    const demo = first.demoClient;
    try {
      await change(first);
    } finally {
      await first.close();
    }
    return { demo, second: await startLocalStack({ stateDir: dir, ports: EPHEMERAL }) };
  }

  it('a disabled demo client is kept disabled and reported; no other client is created', async () => {
    const { demo, second } = await restartAfter((s) =>
      s.registry.setStatus(s.demoClient.clientId, 'disabled').then(() => {}),
    );
    try {
      expect(second.demoClient).toEqual({ ...demo, created: false, state: 'disabled' });
      expect((await second.registry.list()).map((c) => [c.clientId, c.status])).toEqual([
        [demo.clientId, 'disabled'],
      ]);
    } finally {
      await second.close();
    }
  });

  it('a demo client whose secret was rotated is kept and reported', async () => {
    const { demo, second } = await restartAfter((s) =>
      s.registry.rotateSecret(s.demoClient.clientId, 0).then(() => {}),
    );
    try {
      expect(second.demoClient).toMatchObject({
        clientId: demo.clientId,
        created: false,
        state: 'secret_rotated',
      });
      expect(await second.registry.list()).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('a deleted demo client is replaced by a new one that names it', async () => {
    const { demo, second } = await restartAfter((s) => s.registry.delete(s.demoClient.clientId));
    try {
      expect(second.demoClient).toMatchObject({
        created: true,
        state: 'replaced',
        replacedClientId: demo.clientId,
      });
      expect(second.demoClient.clientId).not.toBe(demo.clientId);
      expect((await second.registry.list()).map((c) => c.clientId)).toEqual([second.demoClient.clientId]);
    } finally {
      await second.close();
    }
  });
});

describe('demoClientLines', () => {
  const demo: DemoClient = {
    clientId: 'kg_demo',
    clientSecret: 's3cret',
    scopes: ['products/read', 'products/write'],
    created: false,
    state: 'kept',
  };

  it.each([
    [
      { state: 'created', created: true },
      [
        'Demo client (products/read products/write) - created now',
        '  client_id      kg_demo',
        '  client_secret  s3cret',
      ],
    ],
    [
      { state: 'kept' },
      [
        'Demo client (products/read products/write) - kept from the state directory',
        '  client_id      kg_demo',
        '  client_secret  s3cret',
      ],
    ],
    [
      { state: 'replaced', created: true, replacedClientId: 'kg_old' },
      [
        'Demo client (products/read products/write) - created now: the saved demo client kg_old was deleted from the table',
        '  client_id      kg_demo',
        '  client_secret  s3cret',
      ],
    ],
    [
      { state: 'disabled' },
      [
        'Demo client (products/read products/write) - DISABLED (kept as you left it): its token requests get 401 invalid_client',
        '  client_id      kg_demo',
        '  client_secret  s3cret',
        '  re-enable it: npm run clients -- enable kg_demo   (or delete /s/demo-client.json and restart for a new demo client)',
      ],
    ],
    [
      { state: 'secret_rotated' },
      [
        'Demo client (products/read products/write) - its secret was rotated with the admin CLI; the saved secret no longer works',
        '  client_id      kg_demo',
        '  use the secret rotate-secret printed, or delete /s/demo-client.json and restart for a new demo client',
      ],
    ],
  ] as const)('%o', (over, lines) => {
    expect(demoClientLines({ ...demo, ...over }, '/s')).toEqual(lines);
  });
});
