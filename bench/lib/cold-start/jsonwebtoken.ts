// Cold-start peer: the original design keygate replaces — jsonwebtoken with the PEM read from disk on
// every call (no JWKS at all).
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';

export async function handler(event: { authorizationToken: string }): Promise<unknown> {
  const pem = readFileSync(process.env.PUBLIC_KEY_PATH!, 'utf8');
  return jwt.verify(event.authorizationToken.replace(/^Bearer /, ''), pem, {
    algorithms: ['RS256'],
    issuer: process.env.ISSUER!,
    audience: process.env.AUDIENCE!,
  });
}
