// A token source for a service that calls a keygate-protected API: one cached token per source, shared by
// every caller, refreshed ahead of expiry in the background, with concurrent callers on one request.
// Nothing runs at import or creation, and no timer is left behind: refreshes start from calls, so a Lambda
// environment frozen between invocations keeps its token and wakes with no stray work.
import type { TokenSourceError } from './errors.js';
import { resolveOptions, type SourceSettings, type TokenSourceOptions } from './options.js';
import { createTokenRequester, type IssuedToken, type TokenRequester } from './token-request.js';

/** One cached access token for one client and scope set, shared by every caller in the process. */
export interface TokenSource {
  /**
   * A valid access token: the cached one while it is fresh, else the answer of the one request in flight.
   * Rejects with a TokenSourceError when no token can be had (its `code` says why).
   */
  getToken(): Promise<string>;
  /**
   * `fetch` with `Authorization: Bearer <token>`. A 401 answer gets the token refreshed (once, shared with
   * concurrent callers that saw the same token refused) and the request sent once more.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Drops the cached token if it is `token` (or any, without an argument): the next call asks for a new one. */
  invalidate(token?: string): void;
  /** The last background refresh's error, until a refresh succeeds (the cached token is still served). */
  readonly lastRefreshError: TokenSourceError | undefined;
}

interface Cached {
  readonly token: string;
  /** One settled promise handed to every caller while the token is fresh: the hot path allocates nothing. */
  readonly promise: Promise<string>;
  /** From here on, a call also starts a background refresh. */
  readonly refreshAt: number;
  /** From here on, the token is not handed out. */
  readonly usableUntil: number;
}

/**
 * A token source for a service that calls a keygate-protected API (docs/clients.md). Nothing goes over the
 * network until the first call; make it once, at module scope.
 *
 * @param options - The issuer (or token endpoint), the client's credentials, the scope, and the timing.
 * @returns The source: `getToken()`, `fetch()`, `invalidate()`.
 * @throws {@link TokenSourceError} `config_invalid` when the options are wrong.
 * @example
 * ```ts
 * const orders = createTokenSource({ issuer, clientId, clientSecret, scope: 'orders/read' });
 * const res = await orders.fetch('https://api.example.com/orders');
 * ```
 */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const settings = resolveOptions(options);
  return new CachingTokenSource(settings, createTokenRequester(settings));
}

class CachingTokenSource implements TokenSource {
  #cached: Cached | undefined;
  #inFlight: Promise<string> | undefined;
  #lastRefreshError: TokenSourceError | undefined;
  /** After a failed background refresh, the next one waits until then (the token in hand is still good). */
  #backgroundAfter = 0;

  constructor(
    private readonly settings: SourceSettings,
    private readonly requester: TokenRequester,
  ) {}

  get lastRefreshError(): TokenSourceError | undefined {
    return this.#lastRefreshError;
  }

  getToken(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined) {
      const now = this.settings.now();
      if (now < cached.refreshAt) return cached.promise;
      if (now < cached.usableUntil) {
        this.#refreshInBackground(now);
        return cached.promise;
      }
    }
    return this.#request();
  }

  invalidate(token?: string): void {
    if (token === undefined || this.#cached?.token === token) this.#cached = undefined;
  }

  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    // The body can be read once: keep a copy for the one resend after a 401.
    const resend = request.clone();
    const token = await this.getToken();
    const first = await this.settings.fetch(authorized(request, token));
    if (first.status !== 401) return first;
    await first.body?.cancel().catch(() => {});
    this.invalidate(token);
    return this.settings.fetch(authorized(resend, await this.getToken()));
  }

  #request(): Promise<string> {
    this.#inFlight ??= this.requester.request().then(
      (issued) => {
        this.#inFlight = undefined;
        this.#lastRefreshError = undefined;
        return this.#store(issued);
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        throw error;
      },
    );
    return this.#inFlight;
  }

  #refreshInBackground(now: number): void {
    if (this.#inFlight !== undefined || now < this.#backgroundAfter) return;
    this.#request().catch((error: TokenSourceError) => {
      this.#lastRefreshError = error;
      const cached = this.#cached;
      // Try again halfway to the end of the token's use, so a passing outage is retried before it matters.
      if (cached !== undefined) this.#backgroundAfter = now + (cached.usableUntil - now) / 2;
    });
  }

  #store(issued: IssuedToken): string {
    const sentAt = this.settings.now();
    const lifetime = Math.max(0, issued.expiresAt - sentAt);
    // A short-lived token keeps most of its life: the skew and the lead are capped by a share of it.
    const usableUntil = issued.expiresAt - Math.min(this.settings.expirySkewMs, lifetime / 4);
    const refreshAt = usableUntil - Math.min(this.settings.refreshAheadMs, (usableUntil - sentAt) / 2);
    this.#cached = {
      token: issued.accessToken,
      promise: Promise.resolve(issued.accessToken),
      refreshAt,
      usableUntil,
    };
    this.#backgroundAfter = 0;
    return issued.accessToken;
  }
}

function authorized(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}
