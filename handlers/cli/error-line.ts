// The one error line every admin CLI (`clients`, `keys`) writes to stderr: `error: <message>; <hint>` for a
// person, or with --json one JSON object `{"error":{"code","message","hint"?}}` a script can parse; and the
// exit code for a refused command line.
import { type Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { EXIT, type ExitCode } from './exit.js';

export function errorLine(json: boolean, code: string, message: string, hint?: string): string {
  if (json) return `${JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } })}\n`;
  return `error: ${message}${hint ? `; ${hint}` : ''}\n`;
}

export type Fail = (code: string, message: string, hint?: string) => void;

/**
 * The exit code for a command line the CLI refuses: commander's own errors (--help and --version exit 0;
 * commander printed the usage text, or with --json `fail` writes the JSON line) and UsageError. Undefined
 * for any other error, which the CLI reports itself.
 */
export function usageExit(e: unknown, json: boolean, cli: string, fail: Fail): ExitCode | undefined {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok;
    if (json) fail('usage', e.message.replace(/^error: /, ''), usageHint(cli));
    return EXIT.usage;
  }
  if (e instanceof UsageError) {
    fail('usage', e.message);
    return EXIT.usage;
  }
  return undefined;
}

/** Where a refused command line points: the program's own --help (`keygate clients --help`). */
export function usageHint(cli: string): string {
  return `see ${cli} --help`;
}

/**
 * The command-line handling every keygate CLI shares: `--json`, no process.exit from commander (usageExit
 * maps its errors), help on out, and a usage error as one line (`error: <what>; see <cli> --help`), or with
 * --json as the one JSON line instead.
 */
export function withCliOutput(
  program: Command,
  jsonHelp: string,
  out: (text: string) => void,
  err: (text: string) => void,
  isJson: () => boolean,
): Command {
  return program
    .option('--json', jsonHelp, false)
    .exitOverride()
    .configureOutput({
      writeOut: out,
      writeErr: (text) => {
        if (!isJson()) err(text);
      },
      outputError: (text, write) => write(`${text.trimEnd()}; ${usageHint(program.name())}\n`),
    });
}
