// Admin CLI for the client registry: `keygate clients <command>` (in a clone, `npm run clients -- <command>`).
// Works against AWS (--stack <name> reads the table from the stack's outputs; or --table, CLIENTS_TABLE) or
// the local stack (the `export` line `keygate start` prints). Exit codes: handlers/cli/exit.ts.
// One file on purpose: each command is a few lines of the same commander program and registry wiring.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Option } from 'commander';
import { DEFAULT_CLIENTS_TABLE } from '../../core/contract.js';
import {
  type ClientRecord,
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  DEFAULT_ISSUANCE_RATE_PER_SECOND,
  type DynamoApi,
  MAX_ISSUANCE_RATE_PER_SECOND,
  MAX_TOKEN_LIFETIME_SECONDS,
  MIN_TOKEN_LIFETIME_SECONDS,
  parseClaimArg,
  RegistryError,
  type RegistryErrorCode,
} from '../../core/issuer/index.js';
import { DEFAULT_TIER } from '../../core/usage-tiers.js';
import { UsageError } from '../errors.js';
import { type AdminIo, createAdminCli, type Refusal } from './admin-cli.js';
import { awsClientConfig } from './aws-env.js';
import { EXIT } from './exit.js';
import { integerArg } from './integer-arg.js';
import { disabledNotice, lifetimeCapWarning } from './messages.js';
import { type CutoffIo, cutOffTokens } from './token-cutoff.js';

/** The program's name in help and hints; `keygate clients` is what the package's bin runs. */
export const CLIENTS_CLI = 'keygate clients';

export interface CliIo extends AdminIo {
  /** Asks a yes/no question (delete without --yes); absent or non-interactive: refuse. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Injected DynamoDB client (tests); otherwise one built from the environment. */
  readonly dynamodb?: DynamoApi;
  /** The wait before the authorizer-cache flush of revoke/disable (tests skip it). */
  readonly sleep?: CutoffIo['sleep'];
  /** Epoch-ms clock for created/updated times (tests); revocation cutoffs come from DynamoDB's clock. */
  readonly now?: () => number;
}

const DEFAULT_TABLE = DEFAULT_CLIENTS_TABLE;

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
    // private_key_jwt clients authenticate with their registered keys, never a secret.
    auth_method: record.jwks ? 'private_key_jwt' : 'client_secret',
    ...(record.jwks ? { key_ids: record.jwks.map((k) => k.kid ?? `(${k.kty}, no kid)`) } : {}),
    ...(record.previousSecretExpiresAt
      ? { previous_secret_valid_until: record.previousSecretExpiresAt }
      : {}),
    ...(record.tokensRevokedAt !== undefined
      ? { tokens_revoked_at: new Date(record.tokensRevokedAt * 1000).toISOString() }
      : {}),
    // The rate the token endpoint applies: the record's own, else the default.
    issuance_rate_per_second: record.issuanceRatePerSecond ?? DEFAULT_ISSUANCE_RATE_PER_SECOND,
    issuance_rate_is_default: record.issuanceRatePerSecond === undefined,
    // RFC 8707 resources (token audiences); absent: the issuer's default audience only.
    ...(record.resources
      ? { resources: [...record.resources], default_resource: record.defaultResource }
      : {}),
    ...(record.claims ? { claims: { ...record.claims } } : {}),
    // RFC 7662: whether this client may call POST /oauth2/introspect (docs/introspection.md).
    introspect: record.introspect === true,
    // The usage tier whose usage plan throttles the client (docs/tenants.md#usage-tiers).
    tier: record.tier ?? DEFAULT_TIER,
  };
}

/** `--claim n=v` repeated: a name given twice is a mistake, not a silent overwrite. */
function claimsOf(args: readonly string[]): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of args.map(parseClaimArg)) {
    if (Object.hasOwn(claims, name)) throw new UsageError(`--claim ${name} is given twice`);
    claims[name] = value;
  }
  return claims;
}

/** `--resources a,b`, `--default-resource a` and `--claim n=v` (repeated) as registry input (create and update). */
function resourceInput(opts: {
  resources?: string;
  defaultResource?: string;
  claim?: string[];
  tier?: string;
}) {
  return {
    ...(opts.tier !== undefined ? { tier: opts.tier } : {}),
    ...(opts.claim !== undefined && opts.claim.length > 0 ? { claims: claimsOf(opts.claim) } : {}),
    ...(opts.resources !== undefined ? { resources: opts.resources.split(/[\s,]+/).filter(Boolean) } : {}),
    ...(opts.defaultResource !== undefined ? { defaultResource: opts.defaultResource } : {}),
  };
}
const RESOURCES_HELP =
  'RFC 8707 resources (token audiences) the client may ask for, space- or comma-separated';
const CLAIM_HELP = 'a static claim minted into every token, name=value (repeat for more; e.g. tenant=acme)';
const TIER_HELP = `the usage tier whose usage plan throttles this client (default: ${DEFAULT_TIER})`;
const collect = (value: string, previous: string[] = []) => [...previous, value];
const DEFAULT_RESOURCE_HELP =
  'the audience of a token request without resource= (default: the first resource)';

interface CreateOptions {
  name: string;
  scopes: string;
  lifetime?: number;
  rate?: number;
  resources?: string;
  defaultResource?: string;
  claim?: string[];
  clearClaims?: boolean;
  jwks?: string;
  introspect?: boolean;
  tier?: string;
}

/** A JWK Set file (`--jwks`): its JSON, checked by the registry (public keys only). */
function readJwksFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --jwks file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--jwks file ${path} is not JSON`);
  }
}

const parseSeconds = integerArg(0);
const parseLifetime = integerArg(MIN_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS);
const parseRate = integerArg(1, MAX_ISSUANCE_RATE_PER_SECOND);

export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const admin = createAdminCli(
    CLIENTS_CLI,
    'Manage keygate OAuth clients in the DynamoDB clients table',
    [
      `${CLIENTS_CLI} create --name billing --scopes "orders/read orders/write" --stack Orders`,
      `${CLIENTS_CLI} list --json --stack Orders --region eu-west-1`,
      `${CLIENTS_CLI} revoke <client_id> --stack Orders`,
      `${CLIENTS_CLI} rotate-secret <client_id> --grace 3600 --table orders-clients`,
    ],
    io,
  );
  const { out, err } = admin;
  let tableName = DEFAULT_TABLE;
  let json = false;

  const registry = (): ClientRegistry => {
    const env = admin.env();
    // KEYGATE_SCOPES: the protected API's scopes (space- or comma-separated), checked on create and update.
    const knownScopes = env.KEYGATE_SCOPES?.split(/[\s,]+/).filter(Boolean);
    const dynamodb =
      io.dynamodb ??
      createDynamoClient({
        ...awsClientConfig(env, 'DYNAMODB'),
        // Admin calls are not latency-bound: let the SDK retry writes too, with roomier timeouts.
        maxAttempts: 3,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 10_000,
      });
    return createClientRegistry({
      dynamodb,
      tableName,
      ...(io.now ? { now: io.now } : {}),
      readRetry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      ...(knownScopes ? { scopes: knownScopes } : {}),
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
        `authentication: ${v.auth_method}${v.key_ids ? ` (keys: ${v.key_ids.join(', ')})` : ''}`,
        `issuance rate:  ${v.issuance_rate_is_default ? `default (${v.issuance_rate_per_second})` : v.issuance_rate_per_second} tokens/s`,
        ...(v.resources ? [`resources:      ${v.resources.join(' ')} (default ${v.default_resource})`] : []),
        ...(v.claims
          ? [
              `claims:         ${Object.entries(v.claims)
                .map(([k, val]) => `${k}=${val}`)
                .join(' ')}`,
            ]
          : []),
        `introspection:  ${v.introspect ? 'allowed' : 'not allowed'}`,
        `tier:           ${v.tier}`,
        ...(v.tokens_revoked_at ? [`tokens revoked: issued up to ${v.tokens_revoked_at}`] : []),
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
    // The token endpoint, when --stack found it (the TokenUrl output): where the secret is used next.
    const tokenUrl = admin.env().KEYGATE_TOKEN_URL;
    if (json) {
      const doc = {
        client: publicView(record),
        client_secret: secret,
        ...(tokenUrl ? { token_url: tokenUrl } : {}),
      };
      out(`${JSON.stringify(doc, null, 2)}\n`);
      return;
    }
    out(`${verb} client ${record.clientId} (${record.name})\n`);
    printClient(record);
    out(`client_secret:  ${secret}\n`);
    if (tokenUrl) out(`token URL:      ${tokenUrl}\n`);
    out(
      'Store the secret now: it is shown only once and cannot be recovered (rotate-secret issues a new one).\n',
    );
  };

  const emit = (record: ClientRecord, message: string) => {
    if (json) out(`${JSON.stringify(publicView(record), null, 2)}\n`);
    else out(`${message}\n`);
  };

  const warn = admin.warn;

  const program = admin.program
    .addOption(
      new Option(
        '--table <name>',
        `DynamoDB clients table (default: the stack's, CLIENTS_TABLE or ${DEFAULT_TABLE})`,
      ),
    )
    .hook('preAction', (cmd) => {
      const opts = cmd.opts<{ table?: string }>();
      json = admin.json();
      tableName = opts.table || admin.env().CLIENTS_TABLE || DEFAULT_TABLE;
    });

  program
    .command('create')
    .description('create a client and print its secret (once), or register its public keys (--jwks)')
    .requiredOption('--name <name>', 'a human-readable name')
    .requiredOption('--scopes <scopes>', "space- or comma-separated scopes (your API's, e.g. orders/read)")
    .option('--lifetime <seconds>', 'token lifetime in seconds (default 3600)', parseLifetime)
    .option(
      '--rate <per-second>',
      `tokens this client may get per second (default ${DEFAULT_ISSUANCE_RATE_PER_SECOND})`,
      parseRate,
    )
    .option('--resources <uris>', RESOURCES_HELP)
    .option('--default-resource <uri>', DEFAULT_RESOURCE_HELP)
    .option('--claim <name=value>', CLAIM_HELP, collect)
    .option('--jwks <file>', 'a JWK Set of public keys: the client uses private_key_jwt, no secret')
    .option('--introspect', 'may call the token introspection endpoint (RFC 7662), e.g. a resource server')
    .option('--tier <name>', TIER_HELP)
    .action(async (opts: CreateOptions) => {
      const input = {
        name: opts.name,
        scopes: opts.scopes.split(/[\s,]+/).filter(Boolean),
        ...(opts.lifetime !== undefined ? { tokenLifetimeSeconds: opts.lifetime } : {}),
        ...(opts.rate !== undefined ? { issuanceRatePerSecond: opts.rate } : {}),
        ...resourceInput(opts),
        ...(opts.introspect === true ? { introspect: true } : {}),
      };
      if (opts.jwks !== undefined) {
        const record = await registry().createWithKeys(input, readJwksFile(opts.jwks));
        emit(
          record,
          `Created client ${record.clientId} (${record.name}), authenticating with private_key_jwt`,
        );
        warn(lifetimeCapWarning(record.tokenLifetimeSeconds));
        return;
      }
      const { record, clientSecret } = await registry().create(input);
      printSecret(record, clientSecret, 'Created');
      warn(lifetimeCapWarning(record.tokenLifetimeSeconds));
    });

  program
    .command('set-jwks <clientId>')
    .description('replace the public keys of a client (a secret client switches to private_key_jwt)')
    .requiredOption('--jwks <file>', 'a JWK Set of public keys')
    .action(async (clientId: string, opts: { jwks: string }) => {
      const record = await registry().setKeys(clientId, readJwksFile(opts.jwks));
      emit(record, `Replaced the keys of client ${record.clientId}; it authenticates with private_key_jwt`);
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

  const cutoff = (opts: { wait: boolean }) =>
    cutOffTokens(
      {
        env: admin.env(),
        // With --json, stdout carries only the JSON document.
        out: json ? err : out,
        sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      },
      opts,
    );

  program
    .command('disable <clientId>')
    .description(
      'disable a client: no new tokens (within the token endpoint cache TTL, 30 s), and every token issued so far gets 401 (see revoke)',
    )
    .option('--no-wait', 'do not wait to flush the API Gateway authorizer cache')
    .action(async (clientId: string, opts: { wait: boolean }) => {
      const record = await registry().setStatus(clientId, 'disabled');
      emit(record, disabledNotice(record));
      await cutoff(opts);
    });

  program
    .command('enable <clientId>')
    .description(
      'enable a client again: every token issued before now stays revoked, tokens minted while it was disabled included',
    )
    .action(async (clientId: string) => {
      const record = await registry().setStatus(clientId, 'active');
      emit(
        record,
        record.tokensRevokedAt === undefined
          ? `Enabled client ${record.clientId}`
          : `Enabled client ${record.clientId}; its tokens issued up to ${new Date(record.tokensRevokedAt * 1000).toISOString()} stay revoked`,
      );
    });

  program
    .command('revoke <clientId>')
    .description(
      'revoke every token issued to a client so far; the client keeps working and new tokens are accepted',
    )
    .option('--no-wait', 'do not wait to flush the API Gateway authorizer cache')
    .action(async (clientId: string, opts: { wait: boolean }) => {
      const record = await registry().revokeTokens(clientId);
      emit(
        record,
        `Revoked every token of client ${record.clientId} issued up to ${new Date(record.tokensRevokedAt! * 1000).toISOString()}`,
      );
      await cutoff(opts);
    });

  program
    .command('update <clientId>')
    .description('change name, scopes, token lifetime, issuance rate, resources, claims or tier')
    .option('--name <name>', 'a human-readable name')
    .option('--scopes <scopes>', 'space- or comma-separated scopes (replaces the current ones)')
    .option('--lifetime <seconds>', 'token lifetime in seconds', parseLifetime)
    .option('--rate <per-second>', 'tokens this client may get per second', parseRate)
    .option('--resources <uris>', `${RESOURCES_HELP} (replaces the current ones)`)
    .option('--default-resource <uri>', DEFAULT_RESOURCE_HELP)
    .option('--claim <name=value>', `${CLAIM_HELP}; replaces the current claims`, collect)
    .option('--clear-claims', 'remove every claim')
    .option('--introspect', 'allow calls to the token introspection endpoint (RFC 7662)')
    .option('--no-introspect', 'withdraw the introspection permission')
    .option('--tier <name>', `${TIER_HELP}; ${DEFAULT_TIER} moves it back`)
    .action(async (clientId: string, opts: Partial<CreateOptions>) => {
      const changes = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.scopes !== undefined ? { scopes: opts.scopes.split(/[\s,]+/).filter(Boolean) } : {}),
        ...(opts.lifetime !== undefined ? { tokenLifetimeSeconds: opts.lifetime } : {}),
        ...(opts.rate !== undefined ? { issuanceRatePerSecond: opts.rate } : {}),
        ...resourceInput(opts),
        ...(opts.introspect !== undefined ? { introspect: opts.introspect } : {}),
      };
      if (opts.clearClaims) {
        if ('claims' in changes) throw new UsageError('--claim and --clear-claims do not go together');
        Object.assign(changes, { claims: {} });
      }
      if (Object.keys(changes).length === 0)
        throw new UsageError(
          'update needs --name, --scopes, --lifetime, --rate, --resources, --default-resource, --claim, --clear-claims, --[no-]introspect or --tier',
        );
      const record = await registry().update(clientId, changes);
      emit(record, `Updated client ${record.clientId}`);
      if (opts.lifetime !== undefined) warn(lifetimeCapWarning(opts.lifetime));
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
    .description(
      'delete a client: no new tokens, and every token issued to it gets 401 within the revocation bound (see revoke)',
    )
    .option('--yes', 'do not ask for confirmation', false)
    .option('--no-wait', 'do not wait to flush the API Gateway authorizer cache')
    .action(async (clientId: string, opts: { yes: boolean; wait: boolean }) => {
      if (!opts.yes) {
        const ok = io.confirm ? await io.confirm(`Delete client ${clientId}? [y/N] `) : false;
        if (!ok) throw new UsageError(io.confirm ? 'not deleted' : 'refusing to delete without --yes');
      }
      await registry().delete(clientId);
      if (json) out(`${JSON.stringify({ deleted: clientId })}\n`);
      else out(`Deleted client ${clientId}; every token issued to it is revoked\n`);
      await cutoff(opts);
    });

  program
    .command('create-table')
    .description('create the clients table on demand (local DynamoDB; on AWS the CDK stack owns it)')
    .action(async () => {
      await registry().createTable();
      if (json) out(`${JSON.stringify({ table: tableName, status: 'ACTIVE' })}\n`);
      else out(`Table "${tableName}" is ready\n`);
    });

  return admin.run(argv, (e): Refusal | undefined => {
    if (!(e instanceof RegistryError)) return undefined;
    // The admin's own terminal: the SDK's message (e.g. ECONNREFUSED) is the useful part.
    const cause = e.cause instanceof Error && e.cause.message ? ` (${e.cause.message})` : '';
    const env = admin.env();
    const hint = hintFor(
      e,
      tableName,
      env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      awsClientConfig(env, 'DYNAMODB').endpoint,
    );
    return {
      code: e.code,
      message: `${e.message}${cause}`,
      ...(hint ? { hint } : {}),
      // A value the client rules refuse (an unknown scope, a bad name) is bad input, like a bad flag value.
      exit: INPUT_CODES.has(e.code) ? EXIT.usage : EXIT.failure,
    };
  });
}

/** Registry refusals of the admin's own values (client-rules.ts): exit 2, as a bad flag value. */
const INPUT_CODES: ReadonlySet<RegistryErrorCode> = new Set([
  'invalid_scope',
  'invalid_name',
  'invalid_lifetime',
  'invalid_grace',
  'invalid_rate',
  'invalid_resource',
  'invalid_claims',
  'invalid_tier',
  'invalid_status',
  'invalid_keys',
]);

function hintFor(e: RegistryError, table: string, region?: string, endpoint?: string): string | undefined {
  const where = `region ${region ?? '(SDK default)'}${endpoint ? `, endpoint ${endpoint}` : ''}`;
  switch (e.code) {
    case 'table_missing':
      return `table "${table}" was not found (${where}). Name your stack with --stack (or pass --table / CLIENTS_TABLE); for a local DynamoDB run: ${CLIENTS_CLI} create-table`;
    case 'unknown_client':
      return `list the clients with: ${CLIENTS_CLI} list`;
    case 'dependency_unavailable':
    case 'dependency_throttled':
      return `check that DynamoDB is reachable (${where}) and retry`;
    case 'concurrent_update':
      return 'another change to this client landed first; run the command again';
    case 'dependency_rejected':
      return `check AWS credentials and permissions for table "${table}" (${where})`;
    default:
      return undefined;
  }
}

/** Asks on the terminal (delete without --yes); the bin passes it when stdin is a TTY. */
export async function askOnTty(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
