// The discovery handler: the same metadata at both well-known paths, cacheable, exact responses.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/discovery.js';
import { expectedDiscoveryDocument } from '../support/discovery.js';
import { proxyEvent } from '../support/events.js';

const ISSUER = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod';

const EXPECTED = expectedDiscoveryDocument(ISSUER);

describe('discovery handler', () => {
  const deps = createDeps(loadConfig({ ISSUER, SCOPES: 'products/read products/write' }));
  const handler = createHandler(deps);

  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])(
    'serves the metadata at %s',
    async (path) => {
      const res = await handler(proxyEvent(path));
      expect(res).toEqual({
        statusCode: 200,
        headers: {
          'Content-Type': 'application/json',
          'Cache-Control': 'public, max-age=3600',
          ETag: deps.etag,
        },
        body: JSON.stringify(EXPECTED),
      });
    },
  );

  it('publishes no scopes_supported when the issuer was given no scopes (RFC 8414 §3.2)', () => {
    const { body } = createDeps(loadConfig({ ISSUER }));
    const { scopes_supported: _, ...rest } = EXPECTED;
    expect(JSON.parse(body)).toEqual(rest);
  });

  it('tags the metadata with a strong ETag', () => {
    expect(deps.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  });

  it('answers 304 on a matching If-None-Match', async () => {
    const res = await handler(
      proxyEvent('/.well-known/openid-configuration', { headers: { 'If-None-Match': `W/${deps.etag}` } }),
    );
    expect(res).toEqual({
      statusCode: 304,
      headers: { 'Cache-Control': 'public, max-age=3600', ETag: deps.etag },
      body: '',
    });
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await handler(proxyEvent('/.well-known/openid-configuration', { httpMethod: 'DELETE' }));
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
    const res = await custom(proxyEvent('/.well-known/openid-configuration'));
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
