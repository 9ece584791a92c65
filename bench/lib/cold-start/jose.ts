// Cold-start peer: jose's documented remote-JWKS setup (createRemoteJWKSet at module scope + jwtVerify).
import { createRemoteJWKSet, jwtVerify } from 'jose';

const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URI!));

export async function handler(event: { authorizationToken: string }): Promise<unknown> {
  const { payload } = await jwtVerify(event.authorizationToken.replace(/^Bearer /, ''), jwks, {
    issuer: process.env.ISSUER!,
    audience: process.env.AUDIENCE!,
    algorithms: ['RS256'],
    typ: 'at+jwt',
  });
  return payload;
}
