// Tokens for local load runs, all from the stack's real token endpoint (HTTP Basic, RFC 6749 §2.3.1),
// plus the invalid set (load/invalid-tokens.ts) built from one of them.
import { createHmac } from 'node:crypto';
import { type InvalidTokenTools, invalidAuthorizations } from '../invalid-tokens.js';

export interface ClientCredentials {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export const TOKEN_REQUEST_BODY = 'grant_type=client_credentials&scope=products%2Fread';

export function basicAuthorization(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}

export async function mintToken(c: ClientCredentials): Promise<string> {
  const res = await fetch(c.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(c.clientId, c.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: TOKEN_REQUEST_BODY,
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (res.status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`token endpoint answered ${res.status} ${body.error ?? ''}`.trim());
  }
  return body.access_token;
}

/** `count` distinct tokens, `concurrency` requests in flight; progress every 1000 tokens. */
export async function mintTokens(
  c: ClientCredentials,
  count: number,
  { concurrency = 16, onProgress }: { concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<string[]> {
  const out: string[] = new Array(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await mintToken(c);
      if (++done % 1000 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
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
