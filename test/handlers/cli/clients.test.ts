import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientRegistry } from '../../../core/issuer/client-registry.js';
import { checkClientSecret } from '../../../core/issuer/client-secret.js';
import { type DynaliteServer, localDynamo, startDynalite } from '../../../fixtures/dynalite.js';
import { runCli } from '../../../handlers/cli/clients.js';

let db: DynaliteServer;
let env: Record<string, string>;

beforeAll(async () => {
  db = await startDynalite();
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    CLIENTS_TABLE: 'cli-clients',
  };
});
afterAll(async () => {
  await db.close();
});

async function cli(args: string[], extra: { confirm?: (q: string) => Promise<boolean> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ...extra,
  });
  return { code, stdout, stderr };
}

describe('clients CLI against dynalite', () => {
  it('explains a missing table and how to fix it', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: DynamoDB table "cli-clients" does not exist');
    expect(r.stderr).toContain('npm run clients -- create-table');
  });

  it('manages a client end to end', async () => {
    expect((await cli(['create-table'])).code).toBe(0);

    const created = await cli([
      '--json',
      'create',
      '--name',
      'orders',
      '--scopes',
      'products/read products/write',
      '--lifetime',
      '900',
    ]);
    expect(created.code).toBe(0);
    const { client, client_secret: secret } = JSON.parse(created.stdout);
    expect(client).toMatchObject({
      name: 'orders',
      status: 'active',
      scopes: ['products/read', 'products/write'],
      token_lifetime_seconds: 900,
    });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id: string = client.client_id;
    const registry = createClientRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'cli-clients' });
    expect(checkClientSecret(secret, await registry.get(id), Date.now())).toBe(true);

    const human = await cli(['create', '--name', 'reader', '--scopes', 'products/read']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/client_secret: {2}[A-Za-z0-9_-]{43}\n/);
    expect(human.stdout).toContain('shown only once');

    const list = await cli(['list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^CLIENT_ID\s+STATUS\s+LIFETIME\s+SCOPES\s+NAME$/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toContain(secret);
    const listJson = JSON.parse((await cli(['--json', 'list'])).stdout);
    expect(listJson).toHaveLength(2);
    expect(JSON.stringify(listJson)).not.toMatch(/hash/i);

    expect((await cli(['show', id])).stdout).toContain('status:         active');
    expect((await cli(['disable', id])).stdout).toBe(`Disabled client ${id}\n`);
    expect(JSON.parse((await cli(['--json', 'show', id])).stdout).status).toBe('disabled');
    expect((await cli(['enable', id])).code).toBe(0);
    expect((await registry.get(id, { consistent: true }))?.status).toBe('active');

    const rotated = await cli(['--json', 'rotate-secret', id, '--grace', '120']);
    const next = JSON.parse(rotated.stdout);
    expect(next.client.previous_secret_valid_until).toEqual(expect.any(String));
    const record = await registry.get(id, { consistent: true });
    expect(checkClientSecret(next.client_secret, record, Date.now())).toBe(true);
    expect(checkClientSecret(secret, record, Date.now())).toBe(true);
    expect(checkClientSecret(secret, record, Date.now() + 121_000)).toBe(false);

    const updated = await cli(['--json', 'update', id, '--scopes', 'products/read']);
    expect(JSON.parse(updated.stdout).scopes).toEqual(['products/read']);

    const refused = await cli(['delete', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await cli(['delete', id], { confirm: async () => false })).code).toBe(2);
    expect((await cli(['delete', id], { confirm: async () => true })).code).toBe(0);
    expect(await registry.get(id)).toBeUndefined();
  });

  it('reports unknown clients and invalid scopes with exit code 1', async () => {
    await cli(['create-table']);
    const unknown = await cli(['show', 'kg_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no client "kg_nope"');
    expect((await cli(['delete', 'kg_nope', '--yes'])).code).toBe(1);
    expect((await cli(['disable', 'kg_nope'])).code).toBe(1);
    const bad = await cli(['create', '--name', 'x', '--scopes', 'products/admin']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown scope "products/admin"');
    expect(bad.stderr).toContain('known scopes: products/read products/write');
  });

  it('uses exit code 2 for usage errors and 0 for help', async () => {
    expect((await cli(['create', '--name', 'x'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect(
      (await cli(['create', '--name', 'x', '--scopes', 'products/read', '--lifetime', 'soon'])).code,
    ).toBe(2);
    expect((await cli(['update', 'kg_x'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('rotate-secret');
  });

  it('honours --table over CLIENTS_TABLE', async () => {
    const r = await cli(['--table', 'other-table', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"other-table"');
  });

  it('reports an unreachable DynamoDB with a hint', async () => {
    const down = await startDynalite();
    await down.close();
    const saved = env;
    env = { ...env, AWS_ENDPOINT_URL_DYNAMODB: down.endpoint };
    try {
      const r = await cli(['list']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('hint: check that DynamoDB is reachable');
    } finally {
      env = saved;
    }
  });
});
