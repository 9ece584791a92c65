// `npm start`: runs the whole local stack (local/stack.ts) in the foreground, prints its URLs, the demo
// client's credentials and a copy-paste curl walkthrough, logs one line per request, and shuts down
// cleanly on Ctrl-C / SIGTERM. Exit codes: 0 clean stop, 1 runtime failure, 2 bad flags or config.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { ConfigError } from '../core/config.js';
import { MAX_RESULTS_CACHE_TTL_SECONDS, RESULTS_CACHE_TTL_SECONDS } from '../core/contract.js';
import { integerArg } from '../handlers/cli/integer-arg.js';
import type { AccessLogEntry } from './gateway/index.js';
import {
  DEFAULT_PORTS,
  DEFAULT_STATE_DIR,
  type LocalStack,
  SIGNING_KEY_ALIAS,
  type StackPortName,
  StackStartError,
  startLocalStack,
} from './stack.js';

// The SDK's Node-version notice is noise for a local run (docs/design.md#local-stand-ins).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const FLAG_OF: Record<StackPortName, string> = {
  auth: '--auth-port',
  api: '--api-port',
  kms: '--kms-port',
  dynamodb: '--dynamodb-port',
};

const port = integerArg(0, 65_535);

export interface StartFlags {
  inMemory?: boolean;
  host: string;
  authPort: number;
  apiPort: number;
  kmsPort: number;
  dynamodbPort: number;
  stateDir: string;
  cacheTtl: number;
  verbose?: boolean;
  quiet?: boolean;
}

export function buildProgram(): Command {
  return new Command('npm start')
    .description('Run keygate locally: DynamoDB (dynalite), KMS emulator, auth API and resource API.')
    .option('--in-memory', 'keep nothing on disk (new signing key and demo client every start)')
    .option('--host <host>', 'address every server listens on', '127.0.0.1')
    .addOption(
      new Option('--auth-port <port>', 'auth API (token, JWKS, discovery)')
        .default(DEFAULT_PORTS.auth)
        .argParser(port),
    )
    .addOption(
      new Option('--api-port <port>', 'resource API (behind the authorizer)')
        .default(DEFAULT_PORTS.api)
        .argParser(port),
    )
    .addOption(new Option('--kms-port <port>', 'KMS emulator').default(DEFAULT_PORTS.kms).argParser(port))
    .addOption(
      new Option('--dynamodb-port <port>', 'DynamoDB (dynalite)')
        .default(DEFAULT_PORTS.dynamodb)
        .argParser(port),
    )
    .option('--state-dir <dir>', 'where table data, keys and demo credentials persist', DEFAULT_STATE_DIR)
    .addOption(
      new Option('--cache-ttl <seconds>', 'authorizer result cache TTL (0 disables, max 3600)')
        .default(RESULTS_CACHE_TTL_SECONDS)
        .argParser(integerArg(0, MAX_RESULTS_CACHE_TTL_SECONDS)),
    )
    .option('--verbose', "print the handlers' JSON logs")
    .option('--quiet', 'no per-request log lines')
    .showHelpAfterError();
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const TOKEN_OF = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'`;

/** The banner: URLs, credentials, admin CLI environment and the curl walkthrough. */
export function banner(
  stack: LocalStack,
  info: { readyMs: number; sinceProcessMs: number; cacheTtl: number },
): string {
  const { demoClient: demo } = stack;
  const basic = `-u ${sq(`${demo.clientId}:${demo.clientSecret}`)}`;
  const products = `${stack.apiUrl}/products`;
  const envLine = Object.entries(stack.clientEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const rssMb = (process.memoryUsage().rss / 1024 / 1024).toFixed(0);
  return [
    '',
    `keygate local stack ready in ${info.readyMs.toFixed(0)} ms (${info.sinceProcessMs.toFixed(0)} ms since process start, RSS ${rssMb} MB)`,
    '',
    `  Auth API (issuer)    ${stack.authUrl}`,
    `    token              POST ${stack.tokenUrl}`,
    `    JWKS               ${stack.jwksUrl}`,
    `    discovery          ${stack.discoveryUrl}`,
    `  Resource API         ${stack.apiUrl}   (TOKEN authorizer, result cache ${info.cacheTtl} s)`,
    `    routes             GET /products, GET /products/{id}: products/read; POST /products: products/write`,
    `  KMS emulator         ${stack.kmsEndpoint}   (signing key ${SIGNING_KEY_ALIAS})`,
    `  DynamoDB (dynalite)  ${stack.dynamodbEndpoint}   (table ${stack.tableName})`,
    `  State                ${stack.stateDir ?? 'in memory (--in-memory): nothing is kept'}`,
    `  Admin                DELETE ${stack.gateways.api.origin}/_keygate/authorizer-cache flushes the authorizer cache`,
    '',
    `Demo client (${demo.scopes.join(' ')})${demo.created ? ' - created now' : ' - kept from the state directory'}`,
    `  client_id      ${demo.clientId}`,
    `  client_secret  ${demo.clientSecret}`,
    '',
    'Admin CLI against this stack (another terminal):',
    `  export ${envLine}`,
    '  npm run clients -- --help',
    '',
    'Try it:',
    '  # 1. a token (client_credentials, HTTP Basic client authentication)',
    `  TOKEN=$(curl -s ${basic} -d grant_type=client_credentials ${stack.tokenUrl} | ${TOKEN_OF})`,
    '  #    the same with client_secret_post:',
    `  curl -s -d grant_type=client_credentials -d client_id=${demo.clientId} -d client_secret=${sq(demo.clientSecret)} ${stack.tokenUrl}`,
    '  # 2. call the API with it: 200',
    `  curl -i -H "Authorization: Bearer $TOKEN" ${products}`,
    '  # 3. without a token: 401',
    `  curl -i ${products}`,
    '  # 4. with a tampered token (signature changed): 401',
    `  curl -i -H "Authorization: Bearer \${TOKEN%?????}AAAAA" ${products}`,
    '  # 5. a read-only token (scope=products/read) on POST /products: 403',
    `  RO=$(curl -s ${basic} -d grant_type=client_credentials -d scope=products/read ${stack.tokenUrl} | ${TOKEN_OF})`,
    `  curl -i -X POST -H "Authorization: Bearer $RO" -H 'Content-Type: application/json' -d '{"name":"tea","price":3}' ${products}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

function accessLine(api: 'auth' | 'api', e: AccessLogEntry): string {
  const extra = [
    e.authorizer ? `authorizer=${e.authorizer}` : '',
    e.gatewayResponse ? `gateway=${e.gatewayResponse}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `[${api.padEnd(4)}] ${e.method} ${e.path} ${e.status} ${e.latencyMs.toFixed(1)}ms ${extra}`.trimEnd();
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const started = performance.now();
  const program = buildProgram();
  program.exitOverride();
  let flags: StartFlags;
  try {
    flags = program.parse(argv as string[]).opts<StartFlags>();
  } catch (err) {
    const code = (err as { exitCode?: number; code?: string }).code;
    // --help / --version print and exit 0; everything else is a usage error.
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
  }

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(flags.inMemory ? { inMemory: true } : { stateDir: flags.stateDir }),
      host: flags.host,
      ports: { auth: flags.authPort, api: flags.apiPort, kms: flags.kmsPort, dynamodb: flags.dynamodbPort },
      resultsCacheTtlSeconds: flags.cacheTtl,
      handlerLogs: flags.verbose ?? false,
      ...(flags.quiet ? {} : { onRequest: (api, e) => console.log(accessLine(api, e)) }),
    });
  } catch (err) {
    if (err instanceof StackStartError) {
      if (err.code === 'port_in_use' && err.server) {
        console.error(
          `error: port ${err.port} (${err.server}) is in use on ${flags.host}; pass ${FLAG_OF[err.server]} <port> or stop the process using it`,
        );
        return 1;
      }
      console.error(`error: ${err.message}`);
      return err.code === 'config' ? 2 : 1;
    }
    if (err instanceof ConfigError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    console.error(`error: the local stack failed to start: ${(err as Error).message}`);
    return 1;
  }

  const now = performance.now();
  console.log(banner(stack, { readyMs: now - started, sinceProcessMs: now, cacheTtl: flags.cacheTtl }));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`\n${signal} again: exiting without a clean shutdown`);
        process.exit(130);
      }
      stopping = true;
      console.log(`\n${signal}: stopping the local stack...`);
      stack.close().then(
        () => {
          console.log('stopped.');
          resolve(0);
        },
        (err: unknown) => {
          console.error(`error during shutdown: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// Runs when executed (`tsx local/start.ts`), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then((code) => process.exit(code));
}
