// Admin CLI for the client registry: `npm run clients -- <command>`. Works against AWS or the local stack
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, the usual credential chain). Exit codes: 0 ok, 1 error, 2 usage.
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  type ClientRecord,
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  type DynamoApi,
  RegistryError,
} from '../../core/issuer/index.js';
import { ALL_SCOPES } from '../../core/routes.js';
import { isMainModule } from './main.js';

export interface CliIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: { write(text: string): unknown };
  readonly stderr?: { write(text: string): unknown };
  /** Asks a yes/no question (delete without --yes); absent or non-interactive: refuse. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Injected DynamoDB client (tests); otherwise one built from the environment. */
  readonly dynamodb?: DynamoApi;
}

const DEFAULT_TABLE = 'keygate-clients';

class UsageError extends Error {}

/** What the CLI shows of a client: never the hashes. */
function publicView(record: ClientRecord) {
  return {
    client_id: record.clientId,
    name: record.name,
    status: record.status,
    scopes: [...record.scopes],
    token_lifetime_seconds: record.tokenLifetimeSeconds,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    ...(record.previousSecretExpiresAt
      ? { previous_secret_valid_until: record.previousSecretExpiresAt }
      : {}),
  };
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
}

export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = (text: string) => void (io.stdout ?? process.stdout).write(text);
  const err = (text: string) => void (io.stderr ?? process.stderr).write(text);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  let tableName = DEFAULT_TABLE;
  let json = false;

  const registry = (): ClientRegistry => {
    const dynamodb =
      io.dynamodb ??
      createDynamoClient({
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
          ? {
              credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
            }
          : {}),
        // Admin calls are not latency-bound: let the SDK retry writes too, with roomier timeouts.
        maxAttempts: 3,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 10_000,
      });
    return createClientRegistry({
      dynamodb,
      tableName,
      readRetry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
  };

  const printClient = (record: ClientRecord) => {
    const v = publicView(record);
    out(
      [
        `client_id:      ${v.client_id}`,
        `name:           ${v.name}`,
        `status:         ${v.status}`,
        `scopes:         ${v.scopes.join(' ')}`,
        `token lifetime: ${v.token_lifetime_seconds} s`,
        `created:        ${v.created_at}`,
        `updated:        ${v.updated_at}`,
        ...(v.previous_secret_valid_until
          ? [`previous secret valid until: ${v.previous_secret_valid_until}`]
          : []),
        '',
      ].join('\n'),
    );
  };

  const printSecret = (record: ClientRecord, secret: string, verb: string) => {
    if (json) {
      out(`${JSON.stringify({ client: publicView(record), client_secret: secret }, null, 2)}\n`);
      return;
    }
    out(`${verb} client ${record.clientId} (${record.name})\n`);
    printClient(record);
    out(`client_secret:  ${secret}\n`);
    out(
      'Store the secret now: it is shown only once and cannot be recovered (rotate-secret issues a new one).\n',
    );
  };

  const emit = (record: ClientRecord, message: string) => {
    if (json) out(`${JSON.stringify(publicView(record), null, 2)}\n`);
    else out(`${message}\n`);
  };

  const program = new Command('clients')
    .description('Manage keygate OAuth clients in the DynamoDB clients table')
    .addOption(
      new Option('--table <name>', 'DynamoDB table').default(
        env.CLIENTS_TABLE || DEFAULT_TABLE,
        'CLIENTS_TABLE or keygate-clients',
      ),
    )
    .option('--json', 'machine-readable output', false)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err })
    .showHelpAfterError()
    .hook('preAction', (cmd) => {
      const opts = cmd.opts<{ table: string; json: boolean }>();
      tableName = opts.table;
      json = opts.json;
    });

  program
    .command('create')
    .description('create a client and print its secret (once)')
    .requiredOption('--name <name>', 'a human-readable name')
    .requiredOption('--scopes <scopes>', `space- or comma-separated scopes (${ALL_SCOPES.join(' ')})`)
    .option('--lifetime <seconds>', 'token lifetime in seconds (default 3600)', parseSeconds)
    .action(async (opts: { name: string; scopes: string; lifetime?: number }) => {
      const { record, clientSecret } = await registry().create({
        name: opts.name,
        scopes: opts.scopes.split(/[\s,]+/).filter(Boolean),
        ...(opts.lifetime !== undefined ? { tokenLifetimeSeconds: opts.lifetime } : {}),
      });
      printSecret(record, clientSecret, 'Created');
    });

  program
    .command('list')
    .description('list every client')
    .action(async () => {
      const records = await registry().list();
      if (json) {
        out(`${JSON.stringify(records.map(publicView), null, 2)}\n`);
        return;
      }
      if (records.length === 0) {
        out(`no clients in table "${tableName}"\n`);
        return;
      }
      const rows = [
        ['CLIENT_ID', 'STATUS', 'LIFETIME', 'SCOPES', 'NAME'],
        ...records.map((r) => [
          r.clientId,
          r.status,
          `${r.tokenLifetimeSeconds}s`,
          r.scopes.join(' '),
          r.name,
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows)
        out(`${row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ')}\n`);
    });

  program
    .command('show <clientId>')
    .description('show one client')
    .action(async (clientId: string) => {
      const record = await registry().get(clientId, { consistent: true });
      if (!record)
        throw new RegistryError(
          'unknown_client',
          `no client ${JSON.stringify(clientId)} in table "${tableName}"`,
        );
      if (json) out(`${JSON.stringify(publicView(record), null, 2)}\n`);
      else printClient(record);
    });

  for (const [name, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    program
      .command(`${name} <clientId>`)
      .description(`${name} a client (takes effect within the token endpoint's cache TTL, 30 s by default)`)
      .action(async (clientId: string) => {
        const record = await registry().setStatus(clientId, status);
        emit(record, `${status === 'active' ? 'Enabled' : 'Disabled'} client ${record.clientId}`);
      });
  }

  program
    .command('update <clientId>')
    .description('change name, scopes or token lifetime')
    .option('--name <name>')
    .option('--scopes <scopes>')
    .option('--lifetime <seconds>', 'token lifetime in seconds', parseSeconds)
    .action(async (clientId: string, opts: { name?: string; scopes?: string; lifetime?: number }) => {
      if (opts.name === undefined && opts.scopes === undefined && opts.lifetime === undefined)
        throw new UsageError('update needs --name, --scopes or --lifetime');
      const record = await registry().update(clientId, {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.scopes !== undefined ? { scopes: opts.scopes.split(/[\s,]+/).filter(Boolean) } : {}),
        ...(opts.lifetime !== undefined ? { tokenLifetimeSeconds: opts.lifetime } : {}),
      });
      emit(record, `Updated client ${record.clientId}`);
    });

  program
    .command('rotate-secret <clientId>')
    .description('issue a new secret; the previous one stays valid for the grace period')
    .option(
      '--grace <seconds>',
      'seconds the previous secret stays valid (0 revokes it now)',
      parseSeconds,
      3600,
    )
    .action(async (clientId: string, opts: { grace: number }) => {
      const { record, clientSecret } = await registry().rotateSecret(clientId, opts.grace);
      printSecret(record, clientSecret, 'Rotated the secret of');
    });

  program
    .command('delete <clientId>')
    .description('delete a client (tokens already issued stay valid until they expire)')
    .option('--yes', 'do not ask for confirmation', false)
    .action(async (clientId: string, opts: { yes: boolean }) => {
      if (!opts.yes) {
        const ok = io.confirm ? await io.confirm(`Delete client ${clientId}? [y/N] `) : false;
        if (!ok) throw new UsageError(io.confirm ? 'not deleted' : 'refusing to delete without --yes');
      }
      await registry().delete(clientId);
      if (json) out(`${JSON.stringify({ deleted: clientId })}\n`);
      else out(`Deleted client ${clientId}\n`);
    });

  program
    .command('create-table')
    .description('create the clients table on demand (local DynamoDB; on AWS the CDK stack owns it)')
    .action(async () => {
      await registry().createTable();
      if (json) out(`${JSON.stringify({ table: tableName, status: 'ACTIVE' })}\n`);
      else out(`Table "${tableName}" is ready\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version exit 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof RegistryError) {
      err(`error: ${e.message}\n`);
      // The admin's own terminal: the SDK's message (e.g. "Region is missing") is the useful part.
      if (e.cause instanceof Error && e.cause.message) err(`cause: ${e.cause.message}\n`);
      const hint = hintFor(e, tableName, region, endpoint);
      if (hint) err(`hint: ${hint}\n`);
      return 1;
    }
    err(`error: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}

function hintFor(e: RegistryError, table: string, region?: string, endpoint?: string): string | undefined {
  const where = `region ${region ?? '(SDK default)'}${endpoint ? `, endpoint ${endpoint}` : ''}`;
  switch (e.code) {
    case 'table_missing':
      return `table "${table}" was not found (${where}). Deploy the stack (npm run deploy) or pass --table / CLIENTS_TABLE; for a local DynamoDB run: npm run clients -- create-table`;
    case 'unknown_client':
      return 'list the clients with: npm run clients -- list';
    case 'invalid_scope':
      return `known scopes: ${ALL_SCOPES.join(' ')}`;
    case 'dependency_unavailable':
    case 'dependency_throttled':
      return `check that DynamoDB is reachable (${where}) and retry`;
    case 'dependency_rejected':
      return `check AWS credentials and permissions for table "${table}" (${where})`;
    default:
      return undefined;
  }
}

async function askOnTty(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

if (isMainModule(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await runCli(process.argv.slice(2), process.stdin.isTTY ? { confirm: askOnTty } : {});
}
