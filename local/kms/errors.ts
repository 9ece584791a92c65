// Errors the KMS emulator answers with: the AWS JSON 1.1 error shape `{"__type","message"}` and the
// HTTP status real KMS uses (400 for client errors and throttling, 500 internal, 503 dependency timeout).

export type KmsErrorType =
  | 'AlreadyExistsException'
  | 'DisabledException'
  | 'DryRunOperationException'
  | 'IncompleteSignatureException'
  | 'InvalidAliasNameException'
  | 'InvalidKeyUsageException'
  | 'InvalidMarkerException'
  | 'KMSInternalException'
  | 'KMSInvalidSignatureException'
  | 'KMSInvalidStateException'
  | 'MissingAuthenticationTokenException'
  | 'NotFoundException'
  | 'RequestEntityTooLargeException'
  | 'SerializationException'
  | 'ThrottlingException'
  | 'UnknownOperationException'
  | 'UnsupportedOperationException'
  | 'ValidationException';

const STATUS: Partial<Record<KmsErrorType, number>> = {
  KMSInternalException: 500,
  RequestEntityTooLargeException: 413,
};

export class KmsError extends Error {
  constructor(
    readonly type: KmsErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return STATUS[this.type] ?? 400;
  }

  toBody(): string {
    return JSON.stringify({ __type: this.type, message: this.message });
  }
}
