// The k6 scripts find the deployed URLs in `cdk deploy --outputs-file` output or env.
import { describe, expect, it } from 'vitest';
import { resolveTargets } from '../../load/outputs.js';

const outputs = {
  KeygateStack: {
    AuthServerIssuerUrlA1B2C3: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
    AuthServerTokenUrl9F8E7D: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/oauth2/token',
    AuthServerAuthApiUrl1234: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/',
    AuthServerJwksUrl55AA: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/.well-known/jwks.json',
    ResourceApiApiUrlBEEF: 'https://xyz.execute-api.us-east-1.amazonaws.com/prod/',
  },
};

describe('resolveTargets', () => {
  it('finds the URLs despite CDK hash suffixes and picks the resource API, not the auth API', () => {
    expect(resolveTargets(outputs, {})).toEqual({
      apiUrl: 'https://xyz.execute-api.us-east-1.amazonaws.com/prod',
      tokenUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/oauth2/token',
      jwksUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/.well-known/jwks.json',
      issuer: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
    });
  });

  it('lets env win and derives the token URL from the issuer', () => {
    const t = resolveTargets(undefined, {
      API_URL: 'http://127.0.0.1:4001/local/',
      ISSUER: 'http://127.0.0.1:4000/local',
    });
    expect(t).toEqual({
      apiUrl: 'http://127.0.0.1:4001/local',
      tokenUrl: 'http://127.0.0.1:4000/local/oauth2/token',
      issuer: 'http://127.0.0.1:4000/local',
    });
  });

  it('says to deploy when nothing names the targets, and rejects an unknown stack', () => {
    expect(() => resolveTargets(undefined, {})).toThrow(/npm run deploy/);
    expect(() => resolveTargets(outputs, { STACK: 'Other' })).toThrow(
      'stack "Other" is not in the outputs file',
    );
  });
});
