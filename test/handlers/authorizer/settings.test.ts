// AuthorizerSettings from typed options: the defaults, every bound checked once, every problem listed at once,
// named as the caller knows it (an option name here; the env path names variables: from-env.test.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { authorizerSettings, TUNING_BOUNDS } from '../../../handlers/authorizer/settings.js';

const ROUTES = [{ method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] }];
const base = {
  issuer: 'https://auth.example.com/prod',
  audience: 'https://orders.example.com',
  jwksUri: 'https://auth.example.com/prod/.well-known/jwks.json',
  routes: ROUTES,
};

describe('authorizerSettings', () => {
  it('fills in every default and derives the revocation list from the issuer', () => {
    expect(authorizerSettings(base)).toEqual({
      issuer: base.issuer,
      audience: [base.audience],
      jwksUri: base.jwksUri,
      revocationsUri: 'https://auth.example.com/prod/revocations',
      routes: ROUTES,
      clockLeewaySeconds: 0,
      tokenCacheSize: 10_000,
      tokenCacheMaxTtlSeconds: 3600,
      policyCacheSize: 1000,
      jwksFetchTimeoutMs: 1500,
      jwksMaxAgeSeconds: 600,
      jwksRefetchCooldownSeconds: 30,
      metricsFlushIntervalSeconds: 60,
      revocationsRefreshSeconds: 10,
      revocationsMaxStaleSeconds: 300,
      contextClaims: [],
      logLevel: 'INFO',
      serviceName: 'keygate-authorizer',
      sampleRate: 0,
      metricsNamespace: 'keygate',
      allowLogLevel: 'DEBUG',
    });
  });

  it.each<[string, string | false, string | undefined]>([
    ['false: no revocation checks', false, undefined],
    ['a list of its own', 'https://lists.example.com/r', 'https://lists.example.com/r'],
  ])('revocationsUri %s', (_name, revocationsUri, expected) => {
    expect(authorizerSettings({ ...base, revocationsUri }).revocationsUri).toBe(expected);
  });

  it.each(Object.entries(TUNING_BOUNDS))('checks %s against its range at both ends', (key, bounds) => {
    expect(authorizerSettings({ ...base, [key]: bounds.min })).toMatchObject({ [key]: bounds.min });
    expect(authorizerSettings({ ...base, [key]: bounds.max })).toMatchObject({ [key]: bounds.max });
    expect(() => authorizerSettings({ ...base, [key]: bounds.max + 1 })).toThrow(
      `${key} must be an integer from ${bounds.min} to ${bounds.max} (got "${bounds.max + 1}")`,
    );
    expect(() => authorizerSettings({ ...base, [key]: bounds.min - 0.5 })).toThrow(ConfigError);
  });

  it('lists every problem at once, naming the options', () => {
    expect(() =>
      authorizerSettings({
        issuer: ' ',
        audience: [],
        jwksUri: 'http://keys.example.com/jwks',
        routes: ROUTES,
        tokenCacheSize: -1,
        logLevel: 'loud',
        sampleRate: 2,
        allowLogLevel: 'WARN',
      }),
    ).toThrow(
      new ConfigError([
        'issuer is required',
        'audience is required',
        'jwksUri must use https (http is allowed only for loopback hosts)',
        'tokenCacheSize must be an integer from 0 to 1000000 (got "-1")',
        'logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
        'sampleRate must be a number from 0 to 1',
        'allowLogLevel must be DEBUG or INFO',
      ]),
    );
  });

  it('accepts http only on loopback, for the local stack', () => {
    const local = authorizerSettings({
      ...base,
      issuer: 'http://127.0.0.1:4000/local',
      jwksUri: 'http://127.0.0.1:4000/local/.well-known/jwks.json',
    });
    expect(local.revocationsUri).toBe('http://127.0.0.1:4000/local/revocations');
  });

  it('refuses a route table with a bad field, naming it (AuthzError route_table)', () => {
    expect(() =>
      authorizerSettings({ ...base, routes: [{ method: 'GET', path: 'orders', scopes: ['o/r'] }] }),
    ).toThrow(
      expect.objectContaining({ code: 'route_table', message: 'routes[0].path must start with "/"' }),
    );
  });
});
