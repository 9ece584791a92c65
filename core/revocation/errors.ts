// Errors of the revocation area: our side failing to know what is revoked (the authorizer answers 500).

export type RevocationErrorCode = 'revocations_unavailable';

export class RevocationError extends Error {
  constructor(
    readonly code: RevocationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RevocationError';
  }
}
