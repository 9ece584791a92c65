// Errors of the revocation area: our side failing to know what is revoked (the authorizer answers 500).
import { KeygateError } from '../errors.js';

export type RevocationErrorCode = 'revocations_unavailable';

export class RevocationError extends KeygateError<RevocationErrorCode> {
  constructor(code: RevocationErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
