// Defaults of the token endpoint's settings, read by the token handler's config, the CDK construct and
// the admin CLI's notices alike.

/** TOKEN_MAX_LIFETIME_SECONDS: the cap on any client's token lifetime (`expires_in`). */
export const TOKEN_MAX_LIFETIME_DEFAULT_SECONDS = 3600;
/** CLIENT_CACHE_TTL_SECONDS: how long the token endpoint trusts a client record it has read. */
export const CLIENT_CACHE_TTL_DEFAULT_SECONDS = 30;
