// Ctrl-C / SIGTERM for the bench and load runners: the first signal aborts the run (the runner stops its
// measurement, prints what it has and marks the results interrupted); a second one exits at once.
// Exit status on interruption is 128 + the signal number, as a shell reports a process a signal ended.
import { constants } from 'node:os';

export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The signal that aborted the run, if any. */
  received(): NodeJS.Signals | undefined;
  /** 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number;
}

export function trapInterrupts(log: (line: string) => void = console.error): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const exitCode = () => 128 + (received ? constants.signals[received] : 0);
  const on = (signal: NodeJS.Signals) => {
    if (received) {
      log(`\n${signal} again: exiting without a summary`);
      process.exit(exitCode());
    }
    received = signal;
    log(
      `\n${signal}: stopping; the results so far are kept and marked interrupted (${signal} again to quit now)`,
    );
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: controller.signal, received: () => received, exitCode };
}
