#!/usr/bin/env node
// The `keygate` command (package.json `bin`): one entry for the admin CLIs and the local stack.
//   keygate clients ...   handlers/cli/clients.ts (the client registry, on AWS or the local stack)
//   keygate keys ...      handlers/cli/keys.ts (signing-key status, rotation, adoption)
//   keygate start ...     local/start.ts (the local stack, in front of your service or the built-in demo)
// `npm run clients|keys` in a clone run this same file. Exit codes: handlers/cli/exit.ts.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { usageHint } from '../handlers/cli/error-line.js';
import { type CliStreams, EXIT } from '../handlers/cli/exit.js';
import { isMainModule } from '../handlers/cli/main.js';

const NAME = 'keygate';

/** The package's version, read from the package.json two folders up (dist/local/ or local/). */
function version(): string {
  for (const up of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'keygate' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

export interface KeygateIo extends CliStreams {
  /** Runs `keygate start` (tests of the dispatcher inject one); default local/start.ts. */
  readonly start?: (argv: readonly string[]) => Promise<number>;
}

/** Runs `keygate <command> ...args`; resolves the exit code. */
export async function runKeygate(argv: readonly string[], io: KeygateIo = {}): Promise<number> {
  const out = (text: string) => void (io.stdout ?? process.stdout).write(text);
  const err = (text: string) => void (io.stderr ?? process.stderr).write(text);
  const streams: CliStreams = {
    ...(io.env ? { env: io.env } : {}),
    stdout: { write: out },
    stderr: { write: err },
  };
  let code: number = EXIT.ok;
  const program = new Command(NAME)
    .description('OAuth 2.0 client credentials for AWS API Gateway: admin commands and the local stack')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: out,
      writeErr: err,
      outputError: (text, write) => write(`${text.trimEnd()}; ${usageHint(NAME)}\n`),
    })
    .addHelpText(
      'after',
      [
        '',
        'Each command has its own --help with examples, and --json. AWS commands find the stack with',
        '--stack <name> [--region <region>], or from flags and the environment (CLIENTS_TABLE, AWS_REGION, ...).',
        '',
        'Examples:',
        `  $ ${NAME} start --routes routes.json --upstream http://127.0.0.1:3000`,
        `  $ ${NAME} clients create --name billing --scopes orders/read --stack Orders`,
        `  $ ${NAME} clients revoke <client_id> --stack Orders`,
        `  $ ${NAME} keys rotate --stack Orders`,
        '',
      ].join('\n'),
    );
  // Each command parses its own arguments: everything after its name is passed through untouched.
  const passThrough = (
    name: string,
    description: string,
    run: (args: readonly string[]) => Promise<number>,
  ) =>
    program
      .command(name)
      .description(description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .argument('[args...]')
      .action(async (args: string[]) => {
        code = await run(args);
      });
  passThrough(
    'clients',
    'create, list, show, update, disable, enable, revoke, rotate-secret, delete clients',
    // Each command's modules (AWS SDK clients, the local stack) load when it runs: `--help` stays quick.
    async (args) => {
      const { askOnTty, runCli } = await import('../handlers/cli/clients.js');
      return runCli(args, { ...streams, ...(process.stdin.isTTY ? { confirm: askOnTty } : {}) });
    },
  );
  passThrough('keys', 'signing-key status, rotate and adopt', async (args) =>
    (await import('../handlers/cli/keys.js')).runKeysCli(args, streams),
  );
  passThrough(
    'start',
    'the local stack: your service behind keygate (--routes, --upstream) or the demo',
    async (args) => {
      if (io.start) return io.start(args);
      const { main } = await import('./start.js');
      return main(['node', `${NAME} start`, ...args], { name: `${NAME} start` });
    },
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    return code;
  } catch (e) {
    const exit = (e as { exitCode?: number }).exitCode;
    return exit === 0 ? EXIT.ok : EXIT.usage;
  }
}

if (isMainModule(import.meta.url)) {
  // The SDK's Node-version notice is noise on an operator's terminal.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const code = await runKeygate(process.argv.slice(2));
  // `start` returns once the stack stopped; the others once their work is done.
  process.exit(code);
}
