// One client-credentials token request (RFC 6749 §4.4) through oauth4webapi, with the retries a caller should
// not write: 429 and 503 wait as Retry-After says (RFC 6585 §4, RFC 9110 §10.2.3), other 5xx and network
// errors back off with full jitter; an OAuth error answer (RFC 6749 §5.2) is final and becomes a typed error.
import * as oauth from 'oauth4webapi';
import { PERMANENT_OAUTH_ERRORS, TokenSourceError, type TokenSourceErrorCode } from './errors.js';
import type { SourceSettings } from './options.js';
import { retryAfterMs } from './retry-after.js';

/** A token and the times it is good for, in milliseconds since the epoch. */
export interface IssuedToken {
  readonly accessToken: string;
  /** When the issuer's lifetime ends, counted from when the request was sent (RFC 6749 §5.1 expires_in). */
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

/** The first backoff's cap; it doubles per retry up to BACKOFF_CAP_MS (full jitter picks 0..cap). */
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;
/** Extra wait on top of Retry-After, as a share of it, so that throttled callers do not return in step. */
const RETRY_AFTER_JITTER = 0.2;

const PERMANENT = new Set<string>(PERMANENT_OAUTH_ERRORS);

type Failure = { readonly ok: false; readonly error: TokenSourceError; readonly waitMs?: number };
type Attempt<T> = { readonly ok: true; readonly value: T } | Failure;

export interface TokenRequester {
  request(): Promise<IssuedToken>;
}

export function createTokenRequester(settings: SourceSettings): TokenRequester {
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = clientAuth(settings);
  const httpOptions = {
    [oauth.customFetch]: settings.fetch,
    [oauth.allowInsecureRequests]: settings.allowInsecureRequests,
  };
  const parameters = new URLSearchParams();
  if (settings.scope !== undefined) parameters.set('scope', settings.scope);
  if (settings.resource !== undefined) parameters.set('resource', settings.resource);
  let server: Promise<oauth.AuthorizationServer> | undefined;

  /** The issuer's metadata, read once (and read again after a failure, never cached as failed). */
  function authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (settings.tokenEndpoint !== undefined) {
      const issuer = settings.issuer ?? settings.tokenEndpoint;
      return Promise.resolve({
        issuer: issuer.href.replace(/\/$/, ''),
        token_endpoint: settings.tokenEndpoint.href,
      });
    }
    server ??= withRetries(() => discover()).catch((error: unknown) => {
      server = undefined;
      throw error;
    });
    return server;
  }

  async function discover(): Promise<Attempt<oauth.AuthorizationServer>> {
    const issuer = settings.issuer as URL;
    let response: Response;
    try {
      // keygate serves metadata at {issuer}/.well-known/... (OpenID Connect Discovery 1.0 §4 placement), which
      // an issuer with a path (an API Gateway stage) needs; oauth4webapi's 'oidc' algorithm reads it there.
      response = await oauth.discoveryRequest(issuer, { ...httpOptions, algorithm: 'oidc' });
    } catch (cause) {
      return networkFailure(cause);
    }
    const transient = transientAnswer(response);
    if (transient) return transient;
    try {
      const as = await oauth.processDiscoveryResponse(issuer, response);
      if (as.token_endpoint === undefined) {
        return {
          ok: false,
          error: new TokenSourceError('invalid_response', 'discovery names no token_endpoint'),
        };
      }
      return { ok: true, value: as };
    } catch (cause) {
      return {
        ok: false,
        error: new TokenSourceError('invalid_response', `discovery document not usable: ${message(cause)}`, {
          status: response.status,
        }),
      };
    }
  }

  async function attempt(as: oauth.AuthorizationServer): Promise<Attempt<IssuedToken>> {
    const sentAt = settings.now();
    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, httpOptions);
    } catch (cause) {
      if (cause instanceof TypeError || (cause as { name?: string })?.name === 'AbortError') {
        return networkFailure(cause);
      }
      return {
        ok: false,
        error: new TokenSourceError(
          'config_invalid',
          `token request not sent: ${message(cause)}`,
          {},
          { cause },
        ),
      };
    }
    const transient = transientAnswer(response);
    if (transient) return transient;
    try {
      const body = await oauth.processClientCredentialsResponse(as, client, response);
      return {
        ok: true,
        value: { accessToken: body.access_token, expiresAt: expiry(body, sentAt), scope: body.scope },
      };
    } catch (cause) {
      return { ok: false, error: oauthFailure(cause, response.status) };
    }
  }

  /** A JWT access token's `exp` when the answer has no expires_in (RFC 6749 §5.1 makes it RECOMMENDED). */
  function expiry(body: oauth.TokenEndpointResponse, sentAt: number): number {
    if (typeof body.expires_in === 'number') return sentAt + body.expires_in * 1000;
    const payload = body.access_token.split('.')[1];
    if (payload !== undefined) {
      try {
        const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
        if (typeof exp === 'number') return exp * 1000;
      } catch {
        // Not a JWT: fall through.
      }
    }
    // No lifetime known: not cached beyond this call.
    return sentAt;
  }

  function transientAnswer(response: Response): Failure | undefined {
    const status = response.status;
    if (status !== 429 && status < 500) return undefined;
    void response.body?.cancel().catch(() => {});
    const code: TokenSourceErrorCode =
      status === 429 || status === 503 ? 'temporarily_unavailable' : 'server_error';
    const waitMs = retryAfterMs(response.headers.get('retry-after'), settings.now());
    return {
      ok: false,
      error: new TokenSourceError(code, `the issuer answered ${status}`, { status, retryable: true }),
      ...(waitMs === undefined ? {} : { waitMs: waitMs * (1 + RETRY_AFTER_JITTER * settings.random()) }),
    };
  }

  async function withRetries<T>(run: () => Promise<Attempt<T>>): Promise<T> {
    for (let n = 1; ; n++) {
      const result = await run();
      if (result.ok) return result.value;
      const { error } = result;
      if (!error.retryable || n >= settings.maxAttempts) throw error;
      const waitMs =
        result.waitMs ?? settings.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
      if (waitMs > settings.maxRetryDelayMs) throw error;
      await settings.sleep(waitMs);
    }
  }

  return {
    async request() {
      const as = await authorizationServer();
      return withRetries(() => attempt(as));
    },
  };
}

function clientAuth(settings: SourceSettings): oauth.ClientAuth {
  if (settings.privateKey === undefined) return oauth.ClientSecretBasic(settings.clientSecret ?? '');
  try {
    return oauth.PrivateKeyJwt(settings.privateKey);
  } catch (cause) {
    throw new TokenSourceError(
      'config_invalid',
      `privateKey must be a private CryptoKey (RS256, PS256, ES256 or EdDSA): ${message(cause)}`,
      {},
      { cause },
    );
  }
}

function networkFailure(cause: unknown): Failure {
  return {
    ok: false,
    error: new TokenSourceError(
      'network_error',
      `no answer from the issuer: ${message(cause)}`,
      { retryable: true },
      {
        cause,
      },
    ),
  };
}

/** An answer that is not a token: the OAuth error it carries (RFC 6749 §5.2), or a malformed response. */
function oauthFailure(cause: unknown, status: number): TokenSourceError {
  let oauthError: string | undefined;
  let description: string | undefined;
  if (cause instanceof oauth.ResponseBodyError) {
    oauthError = cause.error;
    description = cause.error_description;
  } else if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    // 401 with a challenge (RFC 6749 §5.2 invalid_client): the body still names the error.
    oauthError = cause.cause[0]?.parameters.error ?? (status === 401 ? 'invalid_client' : undefined);
  }
  if (oauthError === undefined) {
    return new TokenSourceError(
      'invalid_response',
      `not a token response: ${message(cause)}`,
      { status },
      { cause },
    );
  }
  const code: TokenSourceErrorCode = PERMANENT.has(oauthError)
    ? (oauthError as TokenSourceErrorCode)
    : 'oauth_error';
  const text = description ? `${oauthError}: ${description}` : oauthError;
  return new TokenSourceError(
    code,
    `the issuer refused the token request: ${text}`,
    { status, oauthError },
    { cause },
  );
}

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
