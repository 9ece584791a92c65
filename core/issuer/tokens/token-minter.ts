// RFC 9068 access tokens: compact JWS with header {alg RS256, typ at+jwt, kid} and claims
// iss, sub (= client id for client credentials, §2.2), client_id, aud, scope, iat, exp, jti.
import { randomBytes } from 'node:crypto';
import { SCOPE_TOKEN } from '../../scope-token.js';
import { TIER_CLAIM } from '../../usage-tiers.js';
import { validateIssuer } from '../discovery.js';
import { IssuerError } from '../errors.js';
import type { ActiveKey, MintedToken, MintRequest, Signer, TokenMinter } from '../types.js';

export interface TokenMinterOptions {
  readonly signer: Signer;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Upper bound on any token's lifetime (default 86400 s). */
  readonly maxLifetimeSeconds?: number;
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenMinter(options: TokenMinterOptions): TokenMinter {
  const { signer } = options;
  const issuer = validateIssuer(options.issuer);
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  if (
    audience.length === 0 ||
    (Array.isArray(audience) && audience.some((a) => typeof a !== 'string' || !a))
  ) {
    throw new TypeError('audience must be a non-empty string or list of non-empty strings');
  }
  const now = options.now ?? Date.now;
  const maxLifetime = options.maxLifetimeSeconds ?? 86_400;
  if (!Number.isSafeInteger(maxLifetime) || maxLifetime < 1) {
    throw new TypeError('maxLifetimeSeconds must be a positive integer');
  }
  // The header only changes with the kid: encode it once, not per token.
  let cachedHeader: { kid: string; encoded: string } | undefined;

  return {
    async mint(request: MintRequest): Promise<MintedToken> {
      const { clientId, scopes, lifetimeSeconds } = request;
      if (
        request.audience !== undefined &&
        (typeof request.audience !== 'string' || request.audience === '')
      ) {
        throw new IssuerError('internal', 'malformed audience when minting');
      }
      if (typeof clientId !== 'string' || clientId === '') {
        throw new IssuerError('internal', 'client id missing when minting');
      }
      if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 1 || lifetimeSeconds > maxLifetime) {
        throw new IssuerError('internal', 'token lifetime out of bounds');
      }
      if (scopes.length === 0) throw new IssuerError('invalid_scope', 'no scope granted');
      for (const s of scopes) {
        if (!SCOPE_TOKEN.test(s)) throw new IssuerError('internal', 'malformed scope when minting');
      }
      // kid and signature from the same key, even if a rotating signer switches keys meanwhile.
      const key: ActiveKey = signer.activeKey
        ? await signer.activeKey()
        : { kid: await signer.getKid(), sign: (input) => signer.sign(input) };
      const { kid } = key;
      if (cachedHeader?.kid !== kid) {
        cachedHeader = { kid, encoded: b64json({ alg: 'RS256', typ: 'at+jwt', kid }) };
      }
      const scope = scopes.join(' ');
      const iat = Math.floor(now() / 1000);
      // 128 random bits (RFC 9068 §2.2 / RFC 7519 §4.1.7: collision-resistant jti).
      const jti = randomBytes(16).toString('base64url');
      // Client claims first: the protocol claims after them always win (the registry refuses their names too).
      const claims = {
        ...request.claims,
        ...(request.tier !== undefined ? { [TIER_CLAIM]: request.tier } : {}),
        iss: issuer,
        sub: clientId,
        client_id: clientId,
        aud: request.audience ?? audience,
        scope,
        iat,
        exp: iat + lifetimeSeconds,
        jti,
      };
      const signingInput = `${cachedHeader.encoded}.${b64json(claims)}`;
      const signature = await key.sign(Buffer.from(signingInput, 'ascii'));
      return {
        accessToken: `${signingInput}.${signature.toString('base64url')}`,
        expiresIn: lifetimeSeconds,
        scope,
        jti,
      };
    },
  };
}
