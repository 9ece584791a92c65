// The entry's environment read once into the same AuthorizerSettings: variables named as the KeygateAuthorizer
// construct writes them (core/contract.ts), the route file read through the given reader, problems named by
// variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { AUTHORIZER_TUNING_ENV, authorizerTuningEnv } from '../../../core/contract.js';
import { loggingFromEnv, settingsFromEnv } from '../../../handlers/authorizer/from-env.js';
import { authorizerSettings } from '../../../handlers/authorizer/settings.js';

const ROUTES = [{ method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] }];
const env = {
  ISSUER: 'https://auth.example.com/prod',
  AUDIENCE: 'https://a.example.com, https://b.example.com',
  JWKS_URI: 'https://auth.example.com/prod/.well-known/jwks.json',
};

describe('settingsFromEnv', () => {
  it('gives the settings the same options would (tuning written as the construct writes it)', () => {
    const tuning = { tokenCacheSize: 0, clockLeewaySeconds: 5, revocationsMaxStaleSeconds: 60 };
    const files: string[] = [];
    const fromEnv = settingsFromEnv(
      { ...env, ...authorizerTuningEnv(tuning), ROUTES_FILE: 'orders.json', REVOCATIONS_URI: 'none' },
      (file) => {
        files.push(file);
        return ROUTES;
      },
    );
    expect(files).toEqual(['orders.json']);
    expect(fromEnv).toEqual(
      authorizerSettings({
        issuer: env.ISSUER,
        audience: ['https://a.example.com', 'https://b.example.com'],
        jwksUri: env.JWKS_URI,
        revocationsUri: false,
        routes: ROUTES,
        ...tuning,
      }),
    );
  });

  it('reads routes.json when ROUTES_FILE is unset', () => {
    const files: string[] = [];
    settingsFromEnv(env, (file) => {
      files.push(file);
      return ROUTES;
    });
    expect(files).toEqual(['routes.json']);
  });

  it('names the variables in every problem, listed at once', () => {
    expect(() =>
      settingsFromEnv(
        {
          JWKS_URI: 'http://keys.example.com/jwks',
          [AUTHORIZER_TUNING_ENV.clockLeewaySeconds]: '301',
          POWERTOOLS_LOG_LEVEL: 'loud',
        },
        () => ROUTES,
      ),
    ).toThrow(
      new ConfigError([
        'ISSUER is required',
        'AUDIENCE is required',
        'JWKS_URI must use https (http is allowed only for loopback hosts)',
        'CLOCK_LEEWAY_SECONDS must be an integer from 0 to 300 (got "301")',
        'POWERTOOLS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
      ]),
    );
  });

  it('refuses an integer variable that is not an integer', () => {
    expect(() => settingsFromEnv({ ...env, TOKEN_CACHE_SIZE: '1e3' }, () => ROUTES)).toThrow(
      'TOKEN_CACHE_SIZE must be an integer from 0 to 1000000 (got "1e3")',
    );
  });

  it('names the route file in a route-table problem', () => {
    expect(() =>
      settingsFromEnv({ ...env, ROUTES_FILE: 'api.json' }, () => [
        { method: 'GET', path: 'x', scopes: ['s'] },
      ]),
    ).toThrow('ROUTES_FILE api.json[0].path must start with "/"');
  });
});

describe('loggingFromEnv', () => {
  it('reads the Powertools variables and ALLOW_LOG_LEVEL; unset ones stay undefined', () => {
    expect(
      loggingFromEnv({
        POWERTOOLS_LOG_LEVEL: 'debug',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '.5',
        ALLOW_LOG_LEVEL: 'INFO',
      }),
    ).toEqual({
      logLevel: 'debug',
      serviceName: undefined,
      sampleRate: 0.5,
      metricsNamespace: undefined,
      allowLogLevel: 'INFO',
    });
  });

  it.each(['2', '-0.1', 'half', '0.5.1'])('refuses the sample rate %j', (rate) => {
    expect(() => loggingFromEnv({ POWERTOOLS_LOGGER_SAMPLE_RATE: rate })).toThrow(
      'POWERTOOLS_LOGGER_SAMPLE_RATE must be a number from 0 to 1',
    );
  });
});
