// The discovery handler: the same metadata at both well-known paths, cacheable, exact responses.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/discovery.js';

const ISSUER = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod';

function event(path: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path,
    resource: path,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const EXPECTED = {
  issuer: ISSUER,
  token_endpoint: `${ISSUER}/oauth2/token`,
  jwks_uri: `${ISSUER}/.well-known/jwks.json`,
  scopes_supported: ['products/read', 'products/write'],
  response_types_supported: ['token'],
  grant_types_supported: ['client_credentials'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
};

describe('discovery handler', () => {
  const deps = createDeps(loadConfig({ ISSUER }));
  const handler = createHandler(deps);

  it('serves the same metadata at openid-configuration and oauth-authorization-server', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await handler(event(path));
      expect(res).toEqual({
        statusCode: 200,
        headers: {
          'Content-Type': 'application/json',
          'Cache-Control': 'public, max-age=3600',
          ETag: deps.etag,
        },
        body: JSON.stringify(EXPECTED),
      });
    }
    expect(deps.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  });

  it('answers 304 on a matching If-None-Match', async () => {
    const res = await handler(
      event('/.well-known/openid-configuration', { headers: { 'If-None-Match': `W/${deps.etag}` } }),
    );
    expect(res).toEqual({
      statusCode: 304,
      headers: { 'Cache-Control': 'public, max-age=3600', ETag: deps.etag },
      body: '',
    });
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await handler(event('/.well-known/openid-configuration', { httpMethod: 'DELETE' }));
    expect(res).toEqual({
      statusCode: 405,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Allow: 'GET, HEAD' },
      body: '{"error":"invalid_request","error_description":"method not allowed"}',
    });
  });

  it('reads max-age and service documentation from the environment and validates the issuer', async () => {
    const custom = createHandler(
      createDeps(
        loadConfig({
          ISSUER: 'http://127.0.0.1:4010',
          DISCOVERY_MAX_AGE_SECONDS: '0',
          SERVICE_DOCUMENTATION: 'https://docs.test',
        }),
      ),
    );
    const res = await custom(event('/.well-known/openid-configuration'));
    expect(res.headers?.['Cache-Control']).toBe('public, max-age=0');
    expect(JSON.parse(res.body)).toMatchObject({
      issuer: 'http://127.0.0.1:4010',
      service_documentation: 'https://docs.test',
    });
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ ISSUER: 'http://auth.example.com' })).toThrow('ISSUER must use https');
    expect(() => createDeps(loadConfig({ ISSUER: 'https://a.test/?q' }))).toThrow('query');
  });
});
