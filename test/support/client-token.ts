// Client credentials tokens for tests that drive a token endpoint over HTTP (RFC 6749 §4.4): a request with
// Basic client authentication, its token, and a client created in a local stack's registry with its token.
import { expect } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { basicAuth } from './basic-auth.js';

export interface ClientCredentials {
  readonly id: string;
  readonly secret: string;
}

export const requestToken = (tokenUrl: string, c: ClientCredentials): Promise<Response> =>
  fetch(tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(c.id, c.secret),
    },
    body: 'grant_type=client_credentials',
  });

/** The access token of a 200 answer (anything else fails the test). */
export async function mintToken(tokenUrl: string, c: ClientCredentials): Promise<string> {
  const res = await requestToken(tokenUrl, c);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A client holding `scopes`, created in the stack's registry, and its token (client_secret_post). */
export async function clientToken(
  stack: LocalStack,
  scopes: string[],
  name = scopes.join('+'),
): Promise<string> {
  const { record, clientSecret } = await stack.registry.create({ name, scopes });
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: record.clientId,
      client_secret: clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
