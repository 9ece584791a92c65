// Errors of the publish area: a document that could not be built or stored, so what the auth API serves is
// the previous copy until the next publish succeeds.
import { KeygateError } from '../errors.js';

export type PublishErrorCode = 'build_failed' | 'store_failed';

export class PublishError extends KeygateError<PublishErrorCode> {
  constructor(
    code: PublishErrorCode,
    /** The document (`jwks`, `revocations`) that was not published. */
    readonly document: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}
