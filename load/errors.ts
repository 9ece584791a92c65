// Errors of the load runners: a threshold expression k6 would refuse stops a local run before it starts.
import { KeygateError } from '../core/errors.js';

/** A k6 threshold expression that does not parse (https://grafana.com/docs/k6/latest/using-k6/thresholds/). */
export class ThresholdSyntaxError extends KeygateError<'threshold_syntax'> {
  constructor(message: string, options?: ErrorOptions) {
    super('threshold_syntax', message, options);
  }
}

export type MintErrorCode = 'refused' | 'unreachable' | 'aborted';

/**
 * Minting the tokens a load run needs failed: the token endpoint refused (after Retry-After was honoured
 * MAX_REFUSALS times, or with a status no wait can fix), could not be reached, or the run was interrupted.
 * The message is one line for the CLI.
 */
export class MintError extends KeygateError<MintErrorCode> {}
