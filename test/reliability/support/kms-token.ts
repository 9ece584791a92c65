// Signs arbitrary JWS headers and claims with a KMS key of a running stack (the emulator holds the real
// private keys): attack tokens that carry a genuine signature from the issuer's own key.
import { createHash } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import type { KmsApi } from '../../../core/issuer/index.js';

const b64 = (v: object | string) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** `b64(header).b64(claims).sig` where sig is RS256 by the KMS key; raw segments pass through as given. */
export async function kmsSign(
  kms: KmsApi,
  keyId: string,
  header: object | string,
  claims: object | string,
): Promise<string> {
  const input = `${typeof header === 'string' ? header : b64(header)}.${typeof claims === 'string' ? claims : b64(claims)}`;
  const out = await kms.send(
    new SignCommand({
      KeyId: keyId,
      Message: createHash('sha256').update(input).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    }),
  );
  return `${input}.${Buffer.from(out.Signature!).toString('base64url')}`;
}

export const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

export const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
