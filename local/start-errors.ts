// What `npm start` says when it cannot start: one line that names the cause and the way out, and the exit
// code (1 failure, 2 bad flags). Kept apart from start.ts so every message is in one place and testable.
import { ConfigError } from '../core/config.js';
import { EXIT } from '../handlers/cli/exit.js';
import { StackStartError, StateDirInUseError } from './errors.js';
import type { StackPortName } from './ports.js';

export const FLAG_OF: Record<StackPortName, string> = {
  auth: '--auth-port',
  api: '--api-port',
  kms: '--kms-port',
  dynamodb: '--dynamodb-port',
};

/** Flags naming the same fixed port twice (0 = "any free port" may repeat), as a usage message. */
export function portClash(ports: Readonly<Record<StackPortName, number>>): string | undefined {
  const byPort = new Map<number, StackPortName[]>();
  for (const [name, p] of Object.entries(ports) as [StackPortName, number][]) {
    if (p !== 0) byPort.set(p, [...(byPort.get(p) ?? []), name]);
  }
  for (const [p, names] of byPort) {
    if (names.length > 1) {
      return `${names.map((n) => FLAG_OF[n]).join(' and ')} are both ${p}: each server needs its own port`;
    }
  }
  return undefined;
}

export interface StartFailure {
  readonly message: string;
  readonly exitCode: typeof EXIT.failure | typeof EXIT.usage;
}

/** The one-line message and exit code for an error thrown while the stack starts. */
export function startFailure(err: unknown, host: string): StartFailure {
  if (err instanceof StateDirInUseError) {
    return {
      message: `error: state directory ${err.stateDir} is in use by PID ${err.pid}; stop it, or pass --state-dir <another dir> or --in-memory`,
      exitCode: EXIT.failure,
    };
  }
  if (err instanceof StackStartError) {
    if (err.code === 'port_in_use' && err.server) {
      return {
        message: `error: port ${err.port} (${err.server}) is in use on ${host} by another process; pass ${FLAG_OF[err.server]} <port> or stop that process`,
        exitCode: EXIT.failure,
      };
    }
    return { message: `error: ${err.message}`, exitCode: err.code === 'config' ? EXIT.usage : EXIT.failure };
  }
  if (err instanceof ConfigError) return { message: `error: ${err.message}`, exitCode: EXIT.usage };
  return {
    message: `error: the local stack failed to start: ${(err as Error).message}`,
    exitCode: EXIT.failure,
  };
}
