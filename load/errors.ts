// Errors of the load runners: a threshold expression k6 would refuse stops a local run before it starts.
import { KeygateError } from '../core/errors.js';

/** A k6 threshold expression that does not parse (https://grafana.com/docs/k6/latest/using-k6/thresholds/). */
export class ThresholdSyntaxError extends KeygateError<'threshold_syntax'> {
  constructor(message: string, options?: ErrorOptions) {
    super('threshold_syntax', message, options);
  }
}
