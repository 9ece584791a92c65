// The rules a client's static claims obey (core/client-claims.ts names them): allowed names, printable
// values, and a bound on their number and size, since every token and every request header carries them.
import { CLIENT_CLAIM_NAME, REGISTERED_CLAIM_NAMES } from '../../client-claims.js';
import { RegistryError } from '../errors.js';

/** At most this many claims per client. */
export const MAX_CLIENT_CLAIMS = 10;
/** A value: 1-256 printable ASCII characters (a header value as it is, RFC 9110 §5.5). */
export const MAX_CLAIM_VALUE_LENGTH = 256;
/** Names and values together: keeps each token (and the context headers) small. */
export const MAX_CLAIMS_BYTES = 1024;

const VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

const invalid = (message: string) => new RegistryError('invalid_claims', message);

/** A client's claims, checked; a copy in the given order. */
export function normalizeClaims(claims: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(claims);
  if (entries.length > MAX_CLIENT_CLAIMS) throw invalid(`a client has at most ${MAX_CLIENT_CLAIMS} claims`);
  let bytes = 0;
  for (const [name, value] of entries) {
    if (REGISTERED_CLAIM_NAMES.has(name))
      throw invalid(`claim name ${JSON.stringify(name)} is registered (JWT, OAuth or keygate); pick another`);
    if (!CLIENT_CLAIM_NAME.test(name))
      throw invalid(
        `claim name ${JSON.stringify(name.slice(0, 40))} must be a lower-case letter, then letters, digits or _ (at most 32)`,
      );
    if (typeof value !== 'string' || value.length > MAX_CLAIM_VALUE_LENGTH || !VALUE.test(value))
      throw invalid(
        `claim ${name} must be 1-${MAX_CLAIM_VALUE_LENGTH} printable ASCII characters, no space at either end`,
      );
    bytes += name.length + value.length;
  }
  if (bytes > MAX_CLAIMS_BYTES)
    throw invalid(`a client's claims total at most ${MAX_CLAIMS_BYTES} characters (names and values)`);
  return Object.fromEntries(entries);
}

/** `name=value` (the CLI's --claim): split at the first `=`. */
export function parseClaimArg(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw invalid(`--claim takes name=value (got ${JSON.stringify(arg.slice(0, 40))})`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}
