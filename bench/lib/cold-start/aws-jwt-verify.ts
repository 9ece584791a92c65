// Cold-start peer: aws-jwt-verify's documented Lambda setup (verifier at module scope, JWKS fetched on
// the first verify and cached).
import { JwtRsaVerifier } from 'aws-jwt-verify';

const verifier = JwtRsaVerifier.create({
  issuer: process.env.ISSUER!,
  audience: process.env.AUDIENCE!,
  jwksUri: process.env.JWKS_URI!,
});

export async function handler(event: { authorizationToken: string }): Promise<unknown> {
  return verifier.verify(event.authorizationToken.replace(/^Bearer /, ''));
}
