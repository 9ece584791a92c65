// The stack with `authorizer: 'native'` (what `npm run synth -- -c authorizer=native` builds): one
// AWS::ApiGateway::Authorizer of type JWT naming keygate's issuer and audience, and every protected method
// of the route table on it with its scopes; the construct alone refuses a route the API does not serve.
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { NativeJwtAuthorizer } from 'keygate/cdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_ROUTES } from '../../../core/products/routes.js';
import { render, resourcePath, resourcesOfType, type Synthesized, synthKeygate } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthKeygate({ authorizer: 'native' });
}, 180_000);
afterAll(() => s?.cleanup());

const jwtAuthorizers = () =>
  resourcesOfType(s.json, 'AWS::ApiGateway::Authorizer').filter(([, r]) => r.Properties?.Type === 'JWT');

describe("KeygateStack with authorizer: 'native'", () => {
  it('creates one JWT authorizer on the resource API naming the issuer, the audience, RS256 and the required claims', () => {
    const [, authorizer] = jwtAuthorizers()[0]!;
    const ids = { authApi: s.id(s.stack.authServer.api), resourceApi: s.id(s.stack.resourceApi.api) };
    const url = (id: string) => `https://\${${id}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod`;
    const p = authorizer.Properties as unknown as {
      Name: string;
      RestApiId: unknown;
      IdentitySource: string;
      JwtConfiguration: {
        DefaultAlgorithms: string[];
        Issuers: { Issuer: unknown; Audiences: unknown[]; AdditionalClaims: unknown[] }[];
      };
    };
    expect(jwtAuthorizers()).toHaveLength(1);
    expect(p.Name).toBe('keygate-jwt');
    expect(p.RestApiId).toEqual({ Ref: ids.resourceApi });
    expect(p.IdentitySource).toBe('method.request.header.Authorization');
    expect(p.JwtConfiguration.DefaultAlgorithms).toEqual(['RS256']);
    expect(p.JwtConfiguration.Issuers).toHaveLength(1);
    // The issuer is the auth API's stage URL with no trailing slash: exactly the tokens' iss.
    expect(render(p.JwtConfiguration.Issuers[0]!.Issuer)).toBe(url(ids.authApi));
    expect(p.JwtConfiguration.Issuers[0]!.Audiences.map(render)).toEqual([url(ids.resourceApi)]);
    expect(render(p.JwtConfiguration.Issuers[0]!.Issuer)).toBe(
      render(s.stack.resolve(s.stack.authServer.issuerUrl)),
    );
    // Like keygate's authorizer, the gateway refuses a token without a client identity.
    expect(p.JwtConfiguration.Issuers[0]!.AdditionalClaims).toEqual([
      { ClaimName: 'sub', Format: 'SINGLE_STRING', Required: true },
      { ClaimName: 'client_id', Format: 'SINGLE_STRING', Required: true },
    ]);
  });

  it.each(RESOURCE_ROUTES.map((r) => [r.method, r.path, r.scopes] as const))(
    '%s %s uses the JWT authorizer with AuthorizationScopes %j',
    (method, path, scopes) => {
      const [jwtId] = jwtAuthorizers()[0]!;
      const methods = resourcesOfType(s.json, 'AWS::ApiGateway::Method').filter(
        ([, m]) =>
          m.Properties?.RestApiId &&
          (m.Properties.RestApiId as { Ref?: string }).Ref === s.id(s.stack.resourceApi.api) &&
          m.Properties.HttpMethod === method &&
          resourcePath(s.json, m.Properties.ResourceId) === path,
      );
      expect(methods).toHaveLength(1);
      expect(methods[0]![1].Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: jwtId },
        AuthorizationScopes: [...scopes],
      });
    },
  );

  // "The discovery document and the key set must be reachable from the public internet" and served over a
  // publicly trusted certificate (AWS "Create a JWT authorizer for a REST API"): a public REGIONAL
  // execute-api endpoint over https (Amazon-issued certificate), no resource policy limiting callers.
  it('serves the issuer from a public REGIONAL execute-api endpoint over https', () => {
    const authApi = s.json.Resources[s.id(s.stack.authServer.api)]!.Properties!;
    expect(authApi.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(authApi).not.toHaveProperty('Policy');
    expect(render(s.stack.resolve(s.stack.authServer.issuerUrl))).toMatch(/^https:\/\//);
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    expect(s.nagViolations).toEqual([]);
  });
});

describe('NativeJwtAuthorizer', () => {
  it('refuses at synth a route the API does not serve', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET');
    new NativeJwtAuthorizer(stack, 'Jwt', {
      api,
      issuerUrl: 'https://issuer.example',
      audience: 'https://api.example',
      routes: [{ method: 'GET', path: '/products', scopes: ['products/read'] }],
    });
    expect(() => app.synth()).toThrow('NativeJwtAuthorizer: GET /products is not a method of the API');
  });
});
