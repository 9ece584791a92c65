// Cold-start peer: fast-jwt with the JWKS fetched at module init and converted to PEM per kid (the usual
// pairing; fast-jwt has no JWKS client of its own).
import { createPublicKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';

interface Jwk {
  readonly kid?: string;
  readonly [member: string]: unknown;
}

const keys: Promise<Map<string, string>> = fetch(process.env.JWKS_URI!)
  .then((res) => res.json() as Promise<{ keys: Jwk[] }>)
  .then(
    ({ keys }) =>
      new Map(
        keys.map((jwk) => [
          jwk.kid ?? '',
          createPublicKey({ key: jwk as never, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          }) as string,
        ]),
      ),
  );

const verify = createVerifier({
  algorithms: ['RS256'],
  allowedIss: process.env.ISSUER!,
  allowedAud: process.env.AUDIENCE!,
  key: async (decoded: { header: { kid?: string } }) => {
    const pem = (await keys).get(decoded.header.kid ?? '');
    if (!pem) throw new Error('unknown kid');
    return pem;
  },
});

export async function handler(event: { authorizationToken: string }): Promise<unknown> {
  return verify(event.authorizationToken.replace(/^Bearer /, ''));
}
