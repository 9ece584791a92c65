// Authorization header values that must all get 401 (the attack list of docs/design.md#jwt-attacks, shaped for load): built from
// one real token, so the k6 scripts and the local runner send the same set. No imports (k6 loads it).

export interface InvalidTokenTools {
  /** base64url without padding of a UTF-8 string. */
  readonly b64url: (text: string) => string;
  /** base64url-decoded UTF-8 text. */
  readonly fromB64url: (text: string) => string;
  /** HMAC-SHA256 as base64url; enables the RS256 -> HS256 key-confusion token. */
  readonly hmacSha256?: (secret: string, data: string) => string;
}

export interface InvalidTokenInput {
  /** A currently valid access token from the token endpoint. */
  readonly validToken: string;
  /** The JWKS document text (the HS256 confusion uses the public key material as the secret). */
  readonly jwksText?: string;
  /** A genuinely expired token with a valid signature, when the caller has one. */
  readonly expiredToken?: string;
}

/** Labelled Authorization header values; every one must be answered 401. */
export function invalidAuthorizations(
  input: InvalidTokenInput,
  tools: InvalidTokenTools,
): { readonly label: string; readonly header: string }[] {
  const [h, p, s] = input.validToken.split('.');
  if (h === undefined || p === undefined || s === undefined)
    throw new Error('validToken is not a compact JWS');
  const header = JSON.parse(tools.fromB64url(h)) as Record<string, unknown>;
  const claims = JSON.parse(tools.fromB64url(p)) as Record<string, unknown>;
  const enc = (o: object) => tools.b64url(JSON.stringify(o));
  const now = Math.floor(Date.now() / 1000);
  const out: { label: string; header: string }[] = [
    {
      label: 'scope escalated, original signature',
      header: `Bearer ${h}.${enc({ ...claims, scope: 'products/read products/write' })}.${s}`,
    },
    {
      label: 'exp moved back, original signature',
      header: `Bearer ${h}.${enc({ ...claims, exp: now - 3600, iat: now - 7200 })}.${s}`,
    },
    { label: 'signature reversed', header: `Bearer ${h}.${p}.${s.split('').reverse().join('')}` },
    { label: 'alg none', header: `Bearer ${enc({ ...header, alg: 'none' })}.${p}.` },
    { label: 'alg NoNe', header: `Bearer ${enc({ ...header, alg: 'NoNe' })}.${p}.` },
    { label: 'typ JWT (cross-JWT confusion)', header: `Bearer ${enc({ ...header, typ: 'JWT' })}.${p}.${s}` },
    {
      label: 'unknown kid',
      header: `Bearer ${enc({ ...header, kid: 'unknown-kid-0000000000000000000000000000' })}.${p}.${s}`,
    },
    {
      label: 'kid path injection',
      header: `Bearer ${enc({ ...header, kid: '../../../../etc/passwd' })}.${p}.${s}`,
    },
    {
      label: 'jku header',
      header: `Bearer ${enc({ ...header, jku: 'https://attacker.example/jwks.json' })}.${p}.${s}`,
    },
    { label: 'JWE-shaped (5 parts)', header: `Bearer ${h}.${p}.${s}.${s}.${s}` },
    { label: 'garbage', header: 'Bearer not-a-jwt' },
    { label: 'garbage 3 parts', header: 'Bearer aaaa.bbbb.cccc' },
    { label: 'oversized', header: `Bearer ${'A'.repeat(9000)}.${p}.${s}` },
    { label: 'empty bearer', header: 'Bearer ' },
    { label: 'no Bearer prefix', header: input.validToken },
    { label: 'Basic scheme', header: `Basic ${tools.b64url('client:secret')}` },
  ];
  if (tools.hmacSha256 && input.jwksText) {
    const hs = enc({ ...header, alg: 'HS256' });
    out.push({
      label: 'RS256 -> HS256 key confusion',
      header: `Bearer ${hs}.${p}.${tools.hmacSha256(input.jwksText, `${hs}.${p}`)}`,
    });
  }
  if (input.expiredToken)
    out.push({ label: 'expired, valid signature', header: `Bearer ${input.expiredToken}` });
  return out;
}
