import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientRegistry } from '../../../core/issuer/clients/client-registry.js';
import { checkClientSecret } from '../../../core/issuer/clients/client-secret.js';
import { STACK_OUTPUTS } from '../../../core/stack-outputs.js';
import { type DynaliteServer, localDynamo, startDynalite } from '../../../fixtures/dynalite.js';
import { runCli } from '../../../handlers/cli/clients.js';
import { startTestCloudFormation } from '../../support/cloudformation-server.js';
import { spawnNpm } from '../../support/npm-process.js';
import { testServers } from '../../support/test-servers.js';

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
    // The protected API's scopes, as the local stack's export line sets them.
    KEYGATE_SCOPES: 'products/read products/write',
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
    expect(r.stderr).toContain('keygate clients create-table');
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
    const disabled = await cli(['disable', id]);
    expect(disabled.stdout.split('\n')[0]).toBe(
      `Disabled client ${id}. The token endpoint stops issuing tokens to it within 30 s (its client cache, ` +
        'CLIENT_CACHE_TTL_SECONDS); every token already issued is revoked and refused at every protected ' +
        'route within the revocation bound (30 s by default).',
    );
    // No resource API configured: it says what stays cached instead of flushing.
    expect(disabled.stdout).toContain('note: no authorizer cache is named');
    expect(JSON.parse((await cli(['--json', 'show', id])).stdout).status).toBe('disabled');
    const enabled = await cli(['enable', id]);
    expect(enabled.code).toBe(0);
    const afterEnable = await registry.get(id, { consistent: true });
    expect(afterEnable?.status).toBe('active');
    expect(enabled.stdout).toBe(
      `Enabled client ${id}; its tokens issued up to ${new Date(afterEnable!.tokensRevokedAt! * 1000).toISOString()} stay revoked\n`,
    );

    const rotated = await cli(['--json', 'rotate-secret', id, '--grace', '120']);
    const next = JSON.parse(rotated.stdout);
    expect(next.client.previous_secret_valid_until).toEqual(expect.any(String));
    const record = await registry.get(id, { consistent: true });
    expect(checkClientSecret(next.client_secret, record, Date.now())).toBe(true);
    expect(checkClientSecret(secret, record, Date.now())).toBe(true);
    expect(checkClientSecret(secret, record, Date.now() + 121_000)).toBe(false);

    const updated = await cli(['--json', 'update', id, '--scopes', 'products/read']);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      scopes: ['products/read'],
      issuance_rate_per_second: 5,
      issuance_rate_is_default: true,
    });
    const rated = await cli(['--json', 'update', id, '--rate', '7']);
    expect(JSON.parse(rated.stdout)).toMatchObject({
      issuance_rate_per_second: 7,
      issuance_rate_is_default: false,
    });
    expect((await cli(['update', id, '--rate', 'fast'])).code).toBe(2);

    const revoked = await cli(['--json', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      status: 'active',
      tokens_revoked_at: expect.any(String),
    });
    expect(revoked.stderr).toContain('note: no authorizer cache is named');

    const refused = await cli(['delete', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await cli(['delete', id], { confirm: async () => false })).code).toBe(2);
    const deleted = await cli(['delete', id], { confirm: async () => true });
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted client ${id}; every token issued to it is revoked\n`);
    // Like revoke: without the resource API configured it says what stays cached.
    expect(deleted.stdout).toContain('note: no authorizer cache is named');
    expect(await registry.get(id)).toBeUndefined();
  });

  it('reports unknown clients with exit code 1 and invalid scopes as bad input with exit code 2', async () => {
    await cli(['create-table']);
    const unknown = await cli(['show', 'kg_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no client "kg_nope"');
    expect((await cli(['delete', 'kg_nope', '--yes'])).code).toBe(1);
    expect((await cli(['disable', 'kg_nope'])).code).toBe(1);
    const bad = await cli(['create', '--name', 'x', '--scopes', 'products/admin']);
    expect(bad.code).toBe(2);
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

  it('create|update --tier puts a client in a usage tier, default moves it back; a bad name is exit 2', async () => {
    const created = await cli([
      '--json',
      'create',
      '--name',
      'gold',
      '--scopes',
      'products/read',
      '--tier',
      'gold',
    ]);
    expect(created.code).toBe(0);
    const { client } = JSON.parse(created.stdout);
    expect(client.tier).toBe('gold');
    const shown = await cli(['show', client.client_id]);
    expect(shown.stdout).toMatch(/^tier: {11}gold$/m);
    const moved = await cli(['--json', 'update', client.client_id, '--tier', 'default']);
    expect(JSON.parse(moved.stdout).tier).toBe('default');
    const bad = await cli(['update', client.client_id, '--tier', 'Gold']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: tier name "Gold" must be lower-case letters, digits or _ (a letter first, at most 32)\n',
    );
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
      expect(r.stderr).toMatch(/^error: .*; check that DynamoDB is reachable .* and retry\n$/);
    } finally {
      env = saved;
    }
  });
});

describe('clients CLI private_key_jwt keys (--jwks)', () => {
  async function jwksFile(name: string, keys: unknown[]) {
    const dir = await mkdtemp(join(tmpdir(), 'kg-jwks-'));
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ keys }));
    return path;
  }
  const pair = () => generateKeyPair('ES256', { extractable: true });

  it('create --jwks registers public keys and no secret; set-jwks replaces them', async () => {
    expect((await cli(['create-table'])).code).toBe(0);
    const keys = await pair();
    const file = await jwksFile('pub.json', [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }]);
    const created = await cli([
      '--json',
      'create',
      '--name',
      'signer',
      '--scopes',
      'products/read',
      '--jwks',
      file,
    ]);
    expect(created.code).toBe(0);
    const view = JSON.parse(created.stdout);
    expect(view).toMatchObject({ name: 'signer', auth_method: 'private_key_jwt', key_ids: ['k1'] });
    expect(created.stdout).not.toContain('client_secret"');
    const registry = createClientRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'cli-clients' });
    const stored = await registry.get(view.client_id);
    expect(stored?.secretHash).toBeUndefined();
    expect(stored?.jwks?.map((k) => k.kid)).toEqual(['k1']);

    const next = await jwksFile('next.json', [{ ...(await exportJWK((await pair()).publicKey)), kid: 'k2' }]);
    const replaced = await cli(['set-jwks', view.client_id, '--jwks', next]);
    expect(replaced.code).toBe(0);
    expect((await registry.get(view.client_id))?.jwks?.map((k) => k.kid)).toEqual(['k2']);
    const rotate = await cli(['rotate-secret', view.client_id]);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain('has no secret');
  });

  it('create --introspect grants the introspection permission, show prints it, update --[no-]introspect changes it', async () => {
    expect((await cli(['create-table'])).code).toBe(0);
    const created = await cli([
      '--json',
      'create',
      '--name',
      'resource server',
      '--scopes',
      'products/read',
      '--introspect',
    ]);
    expect(created.code).toBe(0);
    const id: string = JSON.parse(created.stdout).client.client_id;
    expect(JSON.parse(created.stdout).client.introspect).toBe(true);
    expect((await cli(['show', id])).stdout).toContain('introspection:  allowed\n');
    expect((await cli(['update', id, '--no-introspect'])).code).toBe(0);
    expect((await cli(['show', id])).stdout).toContain('introspection:  not allowed\n');
    expect(JSON.parse((await cli(['--json', 'update', id, '--introspect'])).stdout).introspect).toBe(true);
  });

  it.each([
    [
      'a private key',
      async () => [await exportJWK((await pair()).privateKey)],
      'contains private key material',
    ],
    ['an oct key', async () => [{ kty: 'oct', k: 'c2VjcmV0' }], 'symmetric (oct) key'],
    ['an RSA key too small', async () => [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }], 'RSA modulus'],
    [
      'an HMAC alg',
      async () => [{ ...(await exportJWK((await pair()).publicKey)), alg: 'HS256' }],
      'alg must be',
    ],
    ['no keys', async () => [], 'has no keys'],
  ])('create --jwks refuses %s with one line and exit 2', async (_name, keys, message) => {
    const file = await jwksFile('bad.json', await keys());
    const r = await cli(['create', '--name', 'bad', '--scopes', 'products/read', '--jwks', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['a missing file', async () => '/nonexistent/k.json', 'cannot read --jwks file'],
    [
      'a file that is not JSON',
      async () => {
        const path = join(await mkdtemp(join(tmpdir(), 'kg-jwks-')), 'x.json');
        await writeFile(path, '{not json');
        return path;
      },
      'is not JSON',
    ],
  ])('create --jwks with %s is a usage error (exit 2)', async (_name, file, message) => {
    const r = await cli(['create', '--name', 'x', '--scopes', 'products/read', '--jwks', await file()]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(message)]);
  });
});

describe('clients CLI notices', () => {
  const lifetimeWarning =
    "token lifetime 7200 s is above the token endpoint's cap (TOKEN_MAX_LIFETIME_SECONDS, 3600 s unless raised): " +
    'its tokens get expires_in 3600 until the cap is raised (CDK prop tokenMaxLifetimeSeconds)';

  it('create --lifetime above the token endpoint cap stores it and warns on stderr', async () => {
    await cli(['create-table']);
    const r = await cli(['create', '--name', 'long', '--scopes', 'products/read', '--lifetime', '7200']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('token lifetime: 7200 s');
    expect(r.stderr).toBe(`warning: ${lifetimeWarning}\n`);
  });

  it('with --json the warning is a JSON line on stderr and stdout stays one document', async () => {
    await cli(['create-table']);
    const r = await cli([
      '--json',
      'create',
      '--name',
      'long',
      '--scopes',
      'products/read',
      '--lifetime',
      '7200',
    ]);
    expect(JSON.parse(r.stdout).client.token_lifetime_seconds).toBe(7200);
    expect(JSON.parse(r.stderr)).toEqual({ warning: lifetimeWarning });
  });

  it('a lifetime within the cap prints no warning', async () => {
    await cli(['create-table']);
    const r = await cli(['create', '--name', 'short', '--scopes', 'products/read', '--lifetime', '3600']);
    expect(r.stderr).toBe('');
  });

  it.each([
    [
      ['--json', 'frobnicate'],
      { code: 'usage', message: "unknown command 'frobnicate'", hint: 'see keygate clients --help' },
    ],
    [
      ['--json', 'update', 'kg_x'],
      {
        code: 'usage',
        message:
          'update needs --name, --scopes, --lifetime, --rate, --resources, --default-resource, --claim, --clear-claims, --[no-]introspect or --tier',
      },
    ],
    [
      ['--json', 'show', 'kg_nope'],
      {
        code: 'unknown_client',
        message: 'no client "kg_nope" in table "cli-clients"',
        hint: 'list the clients with: keygate clients list',
      },
    ],
  ])('--json reports %j as one JSON error line on stderr', async (args, error) => {
    await cli(['create-table']);
    const r = await cli(args);
    expect(r.code).toBe(error.code === 'usage' ? 2 : 1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({ error });
  });
});

describe('clients CLI without an AWS environment', () => {
  // A real process with no AWS variables and an empty HOME (no ~/.aws): what a new terminal has.
  const bare = {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_ENDPOINT_URL_DYNAMODB: undefined,
    AWS_ENDPOINT_URL: undefined,
    HOME: '/nonexistent',
  };
  const message = 'no AWS region or credentials found';
  const hint =
    'for the local stack, paste the `export AWS_ENDPOINT_URL_DYNAMODB=...` line that `keygate start` prints; ' +
    'for AWS, pass --region (or set AWS_REGION) and credentials (e.g. AWS_PROFILE)';

  it('says to paste the export line npm start prints, one line, exit 1', async () => {
    const npm = spawnNpm('clients', ['list'], bare);
    expect((await npm.exited()).code).toBe(1);
    expect(npm.stderr()).toBe(`error: ${message}; ${hint}\n`);
  }, 30_000);

  it('with --json says it as a JSON error', async () => {
    const npm = spawnNpm('clients', ['--json', 'list'], bare);
    expect((await npm.exited()).code).toBe(1);
    expect(JSON.parse(npm.stderr())).toEqual({ error: { code: 'no_aws_environment', message, hint } });
  }, 30_000);
});

describe('clients CLI with --stack (outputs from a CloudFormation test endpoint)', () => {
  const servers = testServers();
  let stackEnv: Record<string, string>;
  beforeAll(async () => {
    const cfn = await startTestCloudFormation(servers, {
      Orders: {
        [STACK_OUTPUTS.clientsTable]: 'stack-clients',
        [STACK_OUTPUTS.tokenUrl]: 'https://auth.example/prod/oauth2/token',
      },
    });
    stackEnv = { ...env, AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint };
  });
  afterAll(() => servers.closeAll());

  const run = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env: stackEnv,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    return { code, stdout, stderr };
  };

  it("uses the stack's table over CLIENTS_TABLE and prints its token URL with the new secret", async () => {
    expect((await run(['--table', 'stack-clients', 'create-table'])).code).toBe(0);
    const created = await run([
      '--json',
      '--stack',
      'Orders',
      'create',
      '--name',
      'ci',
      '--scopes',
      'products/read',
    ]);
    expect(created.code).toBe(0);
    const doc = JSON.parse(created.stdout) as { client: { client_id: string }; token_url: string };
    expect(doc.token_url).toBe('https://auth.example/prod/oauth2/token');
    const listed = JSON.parse((await run(['--json', '--table', 'stack-clients', 'list'])).stdout) as {
      client_id: string;
    }[];
    expect(listed.map((c) => c.client_id)).toEqual([doc.client.client_id]);
  });

  it('a stack that does not exist: exit 1 and one line saying what to check', async () => {
    expect(await run(['--stack', 'Missing', 'list'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: no stack "Missing" (ValidationError: Stack with id Missing does not exist); check the stack name, --region and the AWS credentials (cloudformation:DescribeStacks)\n',
    });
  });
});
