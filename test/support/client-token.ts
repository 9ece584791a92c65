// A client credentials token request to a token endpoint (RFC 6749 §4.4, Basic client authentication), as
// the tests that drive the local stack over HTTP make it.
import { expect } from 'vitest';
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
