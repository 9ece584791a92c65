// What the admin CLI tells the user beyond the command's own output: the consequences of disabling a
// client, the token endpoint's lifetime cap, and the way out of a missing AWS environment. One place, so
// a change of semantics (e.g. revocation) changes one text.
import {
  CLIENT_CACHE_TTL_DEFAULT_SECONDS,
  type ClientRecord,
  TOKEN_MAX_LIFETIME_DEFAULT_SECONDS,
} from '../../core/issuer/index.js';

/** Printed after `clients disable`: what stops, and within which bound (docs/token-lifetime.md). */
export function disabledNotice(record: ClientRecord): string {
  return (
    `Disabled client ${record.clientId}. The token endpoint stops issuing tokens to it within ` +
    `${CLIENT_CACHE_TTL_DEFAULT_SECONDS} s (its client cache, CLIENT_CACHE_TTL_SECONDS); every token already ` +
    'issued is revoked and refused at every protected route within the revocation bound (30 s by default).'
  );
}

/** A lifetime above the token endpoint's default cap is stored, but tokens get the cap until it is raised. */
export function lifetimeCapWarning(lifetimeSeconds: number): string | undefined {
  if (lifetimeSeconds <= TOKEN_MAX_LIFETIME_DEFAULT_SECONDS) return undefined;
  return (
    `token lifetime ${lifetimeSeconds} s is above the token endpoint's cap ` +
    `(TOKEN_MAX_LIFETIME_SECONDS, ${TOKEN_MAX_LIFETIME_DEFAULT_SECONDS} s unless raised): its tokens get ` +
    `expires_in ${TOKEN_MAX_LIFETIME_DEFAULT_SECONDS} until the cap is raised (CDK prop tokenMaxLifetimeSeconds)`
  );
}

/** The SDK found no region or no credentials: say how to point the CLI at a stack. */
export const NO_AWS_ENVIRONMENT = {
  message: 'no AWS region or credentials found',
  hint:
    'for the local stack, paste the `export AWS_ENDPOINT_URL_DYNAMODB=...` line that `keygate start` prints; ' +
    'for AWS, pass --region (or set AWS_REGION) and credentials (e.g. AWS_PROFILE)',
} as const;

/** The SDK's "Region is missing" or a credential chain that found nothing (CredentialsProviderError). */
export function isMissingAwsEnvironment(cause: unknown): boolean {
  const { name = '', message = '' } = (cause ?? {}) as { name?: string; message?: string };
  return name === 'CredentialsProviderError' || /region is missing/i.test(message);
}
