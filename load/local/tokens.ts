// What local load runs send the token endpoint (HTTP Basic, RFC 6749 §2.3.1; ./paced-minter.ts mints with
// it), plus the invalid set (load/invalid-tokens.ts) built from one minted token.
import { createHmac } from 'node:crypto';
import { type InvalidTokenTools, invalidAuthorizations } from '../invalid-tokens.js';

export interface ClientCredentials {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The scope load runs ask for. */
export const TOKEN_SCOPE = 'products/read';
export const TOKEN_REQUEST_BODY = `grant_type=client_credentials&scope=${encodeURIComponent(TOKEN_SCOPE)}`;

export function basicAuthorization(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

export const nodeTokenTools: InvalidTokenTools = {
  b64url: (text) => Buffer.from(text).toString('base64url'),
  fromB64url: (text) => Buffer.from(text, 'base64url').toString('utf8'),
  hmacSha256: (secret, data) => createHmac('sha256', secret).update(data).digest('base64url'),
};

export async function invalidSet(validToken: string, jwksUrl: string) {
  const jwksText = await fetch(jwksUrl)
    .then((r) => (r.ok ? r.text() : undefined))
    .catch(() => undefined);
  return invalidAuthorizations({ validToken, ...(jwksText ? { jwksText } : {}) }, nodeTokenTools);
}
