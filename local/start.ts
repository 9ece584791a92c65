// `keygate start` (and `npm start` in a clone): runs the whole local stack (local/stack.ts) in the foreground,
// prints its URLs, the demo client's credentials and a copy-paste curl walkthrough (or with --json one JSON
// object), logs one line per request, and shuts down cleanly on Ctrl-C / SIGTERM. Without --routes, `npm
// start` in a clone serves the products sample (its start.ts in examples/ passes it in as a demo) and
// `keygate start` the built-in echo demo (local/echo-demo.ts), which ships in the package. Exit codes (handlers/cli/exit.ts): 0 clean stop, 1 failure, 2 bad flags.
import { constants } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RESULTS_CACHE_TTL_BOUNDS } from '../core/authz/results-cache-ttl.js';
import { DEFAULT_RESULTS_CACHE_TTL_SECONDS } from '../core/contract.js';
import { parseTierArg, type UsageTier, UsageTierError } from '../core/usage-tiers.js';
import { EXIT } from '../handlers/cli/exit.js';
import { integerArg } from '../handlers/cli/integer-arg.js';
import type { LocalDemo } from './demo.js';
import { type EchoDemo, startEchoDemo } from './echo-demo.js';
import { UpstreamFlagError } from './errors.js';
import type { AccessLogEntry } from './gateway/index.js';
import { checkHostFlags } from './host-safety.js';
import {
  AUTHORIZER_MODES,
  type AuthorizerMode,
  DEFAULT_PORTS,
  DEFAULT_STATE_DIR,
  type LocalStack,
  startLocalStack,
} from './stack.js';
import { portClash, startFailure } from './start-errors.js';
import {
  checkUpstreamUrl,
  exportLine,
  readRouteFile,
  type UpstreamOptions,
  upstreamBanner,
} from './upstream.js';

const port = integerArg(0, 65_535);

export interface StartFlags {
  inMemory?: boolean;
  host: string;
  allowRemote?: boolean;
  exposeInternals?: boolean;
  authPort: number;
  apiPort: number;
  kmsPort: number;
  dynamodbPort: number;
  stateDir: string;
  cacheTtl: number;
  authorizer: AuthorizerMode;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
  routes?: string;
  upstream?: string;
  upstreamTimeout: number;
  audiences?: string;
  tier?: [string, UsageTier][];
}

/** How the stack is started: the program's name in help, and what serves the API without --routes. */
export interface StartOptions {
  /** Default 'npm start'. */
  readonly name?: string;
  /** Without --routes: this demo (`npm start` in a clone: the products sample in examples/). Default: the echo demo. */
  readonly demo?: StartDemo;
}

export function buildProgram(name = 'npm start'): Command {
  return new Command(name)
    .description('Run keygate locally: DynamoDB (dynalite), KMS emulator, auth API and resource API.')
    .option('--in-memory', 'keep nothing on disk (new signing key and demo client every start)')
    .option('--host <host>', 'address the auth and resource APIs listen on', '127.0.0.1')
    .option('--allow-remote', 'allow a --host other than loopback (prints a warning)')
    .option('--expose-internals', 'KMS emulator, dynalite and admin endpoints on --host too (unsafe)')
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
        .default(DEFAULT_RESULTS_CACHE_TTL_SECONDS)
        .argParser(integerArg(RESULTS_CACHE_TTL_BOUNDS.min, RESULTS_CACHE_TTL_BOUNDS.max)),
    )
    .addOption(
      new Option(
        '--authorizer <mode>',
        "lambda: keygate's TOKEN authorizer; native: API Gateway's JWT authorizer",
      )
        .choices(AUTHORIZER_MODES)
        .default('lambda'),
    )
    .option('--routes <file>', 'your route table (JSON [{ method, path, scopes }]); needs --upstream')
    .option('--upstream <url>', 'your dev server: the resource API proxies authorized requests to it')
    .addOption(
      new Option('--upstream-timeout <ms>', 'integration timeout for --upstream (API Gateway: 50-29000)')
        .default(29_000)
        .argParser(integerArg(50, 29_000)),
    )
    .option(
      '--audiences <uris>',
      'further audiences the issuer serves (RFC 8707 resources for clients created with --resources), comma-separated',
    )
    .option(
      '--tier <name=rate:N,burst:N[,quota:N/DAY|WEEK|MONTH]>',
      'a usage tier with its usage plan on the resource API (repeat for more; "default" is the tierless clients\' plan)',
      tierArg,
    )
    .option('--verbose', "print the handlers' JSON logs (one per authorization decision)")
    .option('--quiet', 'no per-request log lines')
    .option(
      '--json',
      'print the URLs, the demo client and the admin environment as one JSON line (implies --quiet)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        `  $ ${name} --in-memory`,
        `  $ ${name} --routes routes.json --upstream http://127.0.0.1:3000`,
        `  $ ${name} --auth-port 0 --api-port 0 --kms-port 0 --dynamodb-port 0 --json`,
        '',
      ].join('\n'),
    )
    .configureOutput({
      // One line for a refused command line, pointing at --help (handlers/cli/error-line.ts does the same).
      outputError: (text, write) => write(`${text.trimEnd()}; see ${name} --help\n`),
    });
}

/** `--json`: what a script needs to use the stack, in one line. */
export function startedJson(stack: LocalStack, upstream?: UpstreamOptions): string {
  return JSON.stringify({
    auth_url: stack.authUrl,
    token_url: stack.tokenUrl,
    jwks_url: stack.jwksUrl,
    api_url: stack.apiUrl,
    ...(upstream ? { upstream: upstream.url, routes: upstream.routes } : {}),
    demo_client: {
      client_id: stack.demoClient.clientId,
      client_secret: stack.demoClient.clientSecret,
      scopes: stack.demoClient.scopes,
    },
    env: stack.clientEnv,
    export: exportLine(stack.clientEnv),
  });
}

/** Quotes one shell word. */
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Reads a token response on stdin, prints its access_token, or says what came back and exits 1. */
export const TOKEN_OF =
  `node -e 'let r;try{r=JSON.parse(require("fs").readFileSync(0,"utf8"))}catch{}` +
  `if(!r?.access_token){console.error("no access_token:",JSON.stringify(r));process.exit(1)}` +
  `console.log(r.access_token)'`;

/** What a banner is told beside the stack. */
export interface BannerInfo {
  readonly readyMs: number;
  readonly sinceProcessMs: number;
  readonly cacheTtl: number;
}

/** A demo `main` serves without --routes: its Lambdas (local/demo.ts) and its banner. */
export interface StartDemo {
  readonly demo: LocalDemo;
  banner(stack: LocalStack, info: BannerInfo): string;
}

/** The banner with an upstream (the team's, or the built-in echo demo's): URLs, credentials, curl walkthrough. */
export function banner(stack: LocalStack, info: BannerInfo & { upstream: UpstreamOptions }): string {
  const { demoClient: demo } = stack;
  const basic = `-u ${sq(`${demo.clientId}:${demo.clientSecret}`)}`;
  return upstreamBanner(stack, info, info.upstream, basic, TOKEN_OF);
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

export async function main(
  argv: readonly string[] = process.argv,
  options: StartOptions = {},
): Promise<number> {
  // The SDK's Node-version notice is noise on a developer's terminal (set here, not at import).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = performance.now();
  const program = buildProgram(options.name);
  program.exitOverride();
  let flags: StartFlags;
  try {
    flags = program.parse(argv as string[]).opts<StartFlags>();
  } catch (err) {
    const code = (err as { exitCode?: number; code?: string }).code;
    // --help / --version print and exit 0; everything else is a usage error.
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? EXIT.ok : EXIT.usage;
  }

  const hostCheck = checkHostFlags(flags);
  if (!hostCheck.ok) {
    console.error(`error: ${hostCheck.error}`);
    return EXIT.usage;
  }
  for (const w of hostCheck.warnings) console.error(w);

  let upstream: UpstreamOptions | undefined;
  try {
    if ((flags.routes === undefined) !== (flags.upstream === undefined)) {
      throw new UpstreamFlagError('--routes and --upstream go together');
    }
    if (flags.routes !== undefined && flags.upstream !== undefined) {
      upstream = {
        url: checkUpstreamUrl(flags.upstream),
        routes: readRouteFile(flags.routes),
        timeoutMs: flags.upstreamTimeout,
      };
    }
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return EXIT.usage;
  }

  const ports = {
    auth: flags.authPort,
    api: flags.apiPort,
    kms: flags.kmsPort,
    dynamodb: flags.dynamodbPort,
  };
  const clash = portClash(ports);
  if (clash) {
    console.error(`error: ${clash}; see ${program.name()} --help`);
    return EXIT.usage;
  }
  // Handlers go in before anything starts: a signal during startup (or the instant the banner is out)
  // must still end in a clean close, not the default "die now" that leaves ports, lock and state behind.
  let onStop: ((signal: NodeJS.Signals) => void) | undefined;
  let early: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (onStop) return onStop(signal);
    if (early) process.exit(128 + constants.signals[signal]);
    early = signal;
    console.log(`\n${signal}: stopping once the local stack has started...`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let stack: LocalStack;
  let demo: EchoDemo | undefined;
  try {
    if (!upstream && !options.demo) {
      demo = await startEchoDemo();
      upstream = demo.upstream;
    }
    stack = await startLocalStack({
      ...(upstream ? { upstream } : { demo: options.demo!.demo }),
      ...(flags.inMemory ? { inMemory: true } : { stateDir: flags.stateDir }),
      host: flags.host,
      exposeInternals: flags.exposeInternals ?? false,
      ports,
      resultsCacheTtlSeconds: flags.cacheTtl,
      authorizer: flags.authorizer,
      ...(flags.audiences ? { audiences: flags.audiences.split(/[\s,]+/).filter(Boolean) } : {}),
      ...(flags.tier ? { usageTiers: Object.fromEntries(flags.tier) } : {}),
      handlerLogs: flags.verbose ?? false,
      ...(flags.quiet || flags.json ? {} : { onRequest: (api, e) => console.log(accessLine(api, e)) }),
    });
  } catch (err) {
    await demo?.close();
    const failure = startFailure(err, flags.host);
    console.error(failure.message);
    return failure.exitCode;
  }

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`\n${signal} again: exiting without a clean shutdown`);
        process.exit(128 + constants.signals[signal]);
      }
      stopping = true;
      console.log(`\n${signal}: stopping the local stack...`);
      (async () => {
        await stack.close();
        await demo?.close();
      })().then(
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
  });
  if (early) {
    onStop!(early);
    return stopped;
  }
  const now = performance.now();
  if (flags.json) {
    console.log(startedJson(stack, upstream));
    return stopped;
  }
  const info = { readyMs: now - started, sinceProcessMs: now, cacheTtl: flags.cacheTtl };
  console.log(upstream ? banner(stack, { ...info, upstream }) : options.demo!.banner(stack, info));
  return stopped;
}

/** `--tier name=rate:N,burst:N[,quota:N/PERIOD]`, repeatable; a malformed one is a usage error (exit 2). */
function tierArg(raw: string, previous: [string, UsageTier][] = []): [string, UsageTier][] {
  try {
    const tier = parseTierArg(raw);
    if (previous.some(([name]) => name === tier[0]))
      throw new UsageTierError(`tier ${tier[0]} is given twice`);
    return [...previous, tier];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
