// Request member checks with KMS's own error answers: a wrong JSON type is SerializationException, a missing
// or out-of-range member is ValidationException worded the way KMS words it (docs/design.md#kms-protocol).
import { KmsError } from './errors.js';

/** A parsed JSON 1.1 request body. */
export type Body = Record<string, unknown>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function validation(member: string, constraint: string): KmsError {
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new KmsError('SerializationException', `STRING_VALUE can not be converted to ${name}`);
  }
  return value;
}

export function requiredString(body: Body, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value === '') {
    throw validation(lowerFirst(name), 'Member must not be null');
  }
  return value;
}

export function optionalEnum(body: Body, name: string, allowed: Iterable<string>): string | undefined {
  const value = optionalString(body, name);
  if (value === undefined) return undefined;
  const set = allowed instanceof Set ? (allowed as Set<string>) : new Set(allowed);
  if (!set.has(value)) {
    throw validation(lowerFirst(name), `Member must satisfy enum value set: [${[...set].join(', ')}]`);
  }
  return value;
}

export function requiredEnum(body: Body, name: string, allowed: Iterable<string>): string {
  const value = optionalEnum(body, name, allowed);
  if (value === undefined) throw validation(lowerFirst(name), 'Member must not be null');
  return value;
}

export function optionalInt(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new KmsError('SerializationException', `${name} must be an integer`);
  }
  if (value < min || value > max) {
    throw validation(lowerFirst(name), `Member must have value between ${min} and ${max}`);
  }
  return value;
}

export function requiredBlob(body: Body, name: string): Buffer {
  const value = body[name];
  if (value === undefined || value === null) throw validation(lowerFirst(name), 'Member must not be null');
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new KmsError('SerializationException', `Invalid base64 in ${name}`);
  }
  return Buffer.from(value, 'base64');
}
