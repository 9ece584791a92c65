// What the `keygate clients` and `keygate keys` programs share: the options every AWS command takes
// (--stack, --region, --json), the environment they resolve to (flags, then the stack's outputs, then the
// process environment), and one way to run a program and turn each failure into one line and an exit code.
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { AwsEnv } from './aws-env.js';
import { errorLine, type Fail, usageExit, withCliOutput } from './error-line.js';
import { type CliStreams, EXIT, type ExitCode } from './exit.js';
import { isMissingAwsEnvironment, NO_AWS_ENVIRONMENT } from './messages.js';
import { type CloudFormationApi, StackOutputsError, stackOutputEnv } from './stack-target.js';

export interface AdminIo extends CliStreams {
  /** Injected CloudFormation client for --stack (tests); otherwise one built from the environment. */
  readonly cloudFormation?: CloudFormationApi;
}

/** How a command's own failure is reported: a stable code, one line, an optional hint, an exit code. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly exit: ExitCode;
}

export interface AdminCli {
  readonly program: Command;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** --json was given. */
  json(): boolean;
  /** The environment the command runs in: --region and --stack's outputs over the process environment. */
  env(): AwsEnv;
  /** A notice on stderr (stdout stays the command's output: one JSON document with --json). */
  warn(message: string | undefined): void;
  /** Parses and runs `argv`; `classify` reports the program's own errors (undefined: an internal error). */
  run(argv: readonly string[], classify: (e: unknown) => Refusal | undefined): Promise<number>;
}

/** An AWS region name as the SDK expects it (e.g. eu-west-1, us-gov-west-1). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The examples every admin program's --help ends with (`keygate clients --help`, `keygate keys --help`). */
function examplesText(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;
}

export function createAdminCli(
  name: string,
  description: string,
  examples: readonly string[],
  io: AdminIo,
): AdminCli {
  const base = io.env ?? process.env;
  const out = (text: string) => void (io.stdout ?? process.stdout).write(text);
  const err = (text: string) => void (io.stderr ?? process.stderr).write(text);
  let json = false;
  let resolved: AwsEnv = base;

  const program = withCliOutput(
    new Command(name)
      .description(description)
      .option(
        '--stack <name>',
        "read the table, signing key and API from this CloudFormation stack's outputs",
      )
      .option('--region <region>', 'AWS region (default AWS_REGION)'),
    'machine-readable output (JSON on stdout; errors as one JSON line on stderr)',
    out,
    err,
    // Usage errors with --json become one JSON line (in run below), not commander's text.
    () => json,
  )
    .addHelpText('after', examplesText(examples))
    .hook('preAction', async (root) => {
      const opts = root.opts<{ stack?: string; region?: string; json: boolean }>();
      json = opts.json;
      if (opts.region !== undefined && !REGION.test(opts.region)) {
        throw new UsageError(`--region ${JSON.stringify(opts.region)} is not an AWS region (e.g. eu-west-1)`);
      }
      const region = opts.region ? { AWS_REGION: opts.region } : {};
      const fromStack = opts.stack
        ? await stackOutputEnv(opts.stack, { ...base, ...region }, io.cloudFormation)
        : {};
      resolved = { ...base, ...fromStack, ...region };
    });

  const fail: Fail = (code, message, hint) => err(errorLine(json, code, message, hint));

  return {
    program,
    out,
    err,
    json: () => json,
    env: () => resolved,
    warn(message) {
      if (message) err(json ? `${JSON.stringify({ warning: message })}\n` : `warning: ${message}\n`);
    },
    async run(argv, classify) {
      // Read before parsing: a usage error (no action ran) is reported as JSON too.
      json = argv.includes('--json');
      try {
        await program.parseAsync([...argv], { from: 'user' });
        return EXIT.ok;
      } catch (e) {
        const refused = usageExit(e, json, name, fail);
        if (refused !== undefined) return refused;
        const r = refusalOf(e, classify);
        fail(r.code, r.message, r.hint);
        return r.exit;
      }
    },
  };
}

function refusalOf(e: unknown, classify: (e: unknown) => Refusal | undefined): Refusal {
  const cause = (e as Error | undefined)?.cause;
  if (isMissingAwsEnvironment(e) || isMissingAwsEnvironment(cause)) {
    return { code: 'no_aws_environment', ...NO_AWS_ENVIRONMENT, exit: EXIT.failure };
  }
  if (e instanceof StackOutputsError) {
    return {
      code: e.code,
      message: `${e.message}${causeDetail(cause)}`,
      hint:
        e.code === 'ambiguous_output'
          ? 'name the resource with a flag (--table, --alias) or its environment variable'
          : 'check the stack name, --region and the AWS credentials (cloudformation:DescribeStacks)',
      exit: EXIT.failure,
    };
  }
  return classify(e) ?? { code: 'internal', message: (e as Error)?.message ?? String(e), exit: EXIT.failure };
}

/** The SDK's own words for a failed call (e.g. ECONNREFUSED): the useful part on an operator's terminal. */
export function causeDetail(cause: unknown): string {
  const { name, message } = (cause ?? {}) as { name?: string; message?: string };
  if (!message) return '';
  return name && name !== 'Error' ? ` (${name}: ${message})` : ` (${message})`;
}
