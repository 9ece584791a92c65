// Errors the KMS emulator answers with: the AWS JSON 1.1 error shape `{"__type","message"}` and the
// HTTP status real KMS uses (400 for client errors and throttling, 500 internal, 503 dependency timeout).
import { KeygateError } from '../../core/errors.js';

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
  | 'LimitExceededException'
  | 'MalformedPolicyDocumentException'
  | 'MissingAuthenticationTokenException'
  | 'NotFoundException'
  | 'RequestEntityTooLargeException'
  | 'SerializationException'
  | 'TagException'
  | 'ThrottlingException'
  | 'UnknownOperationException'
  | 'UnsupportedOperationException'
  | 'ValidationException';

const STATUS: Partial<Record<KmsErrorType, number>> = {
  KMSInternalException: 500,
  RequestEntityTooLargeException: 413,
};

/** `code` is the AWS error type the emulator answers with (`__type`). */
export class KmsError extends KeygateError<KmsErrorType> {
  get status(): number {
    return STATUS[this.code] ?? 400;
  }

  toBody(): string {
    return JSON.stringify({ __type: this.code, message: this.message });
  }
}
