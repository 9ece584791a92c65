// Usage tiers on KeygateAuthorizer: the plans, keys and apiKeySource in the template, and no key value in it.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { KeygateAuthorizer } from 'keygate/cdk';
import { describe, expect, it } from 'vitest';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../../fixtures/tokens.js';

const issuer = {
  issuerUrl: TEST_ISSUER,
  jwksUri: 'https://issuer.test/jwks',
  revocationsUri: false,
} as const;
const TIERS = {
  gold: { rate: 50, burst: 100, quota: { limit: 100_000, period: 'MONTH' as const } },
  silver: { rate: 5, burst: 10 },
};

function synth(apiProps: apigateway.RestApiProps = {}) {
  const app = new App();
  const stack = new Stack(app, 'Tiers');
  const api = new apigateway.RestApi(stack, 'Api', apiProps);
  const authorizer = new KeygateAuthorizer(stack, 'Auth', {
    issuer,
    audience: TEST_AUDIENCE,
    usageTiers: TIERS,
  });
  const items = api.root.addResource('items');
  items.addMethod('GET', new apigateway.MockIntegration(), authorizer.require('items/read'));
  items.addMethod('OPTIONS', new apigateway.MockIntegration());
  return { app, stack, template: Template.fromStack(stack) };
}

describe('KeygateAuthorizer usageTiers', () => {
  const { template } = synth();
  const json = JSON.stringify(template.toJSON());

  it('makes the authorizer the API key source', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
  });

  it('creates one usage plan per tier with its throttle and quota, and an unthrottled default plan, on the stage', () => {
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 3);
    const stage = {
      ApiId: { Ref: Match.stringLikeRegexp('^Api') },
      Stage: { Ref: Match.stringLikeRegexp('^ApiDeploymentStage') },
    };
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Description: 'keygate usage tier gold',
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 100_000, Period: 'MONTH' },
      ApiStages: [stage],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Description: 'keygate usage tier silver',
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: Match.absent(),
      ApiStages: [stage],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Description: 'keygate usage tier default',
      Throttle: Match.absent(),
      Quota: Match.absent(),
      ApiStages: [stage],
    });
  });

  it('gives each tier one API key in its plan, valued by a dynamic reference to a generated secret', () => {
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 3);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 3);
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true, IncludeSpace: false },
    });
    const keys = template.findResources('AWS::ApiGateway::ApiKey');
    for (const key of Object.values(keys)) {
      expect(JSON.stringify(key.Properties.Value)).toMatch(/\{\{resolve:secretsmanager:/);
    }
  });

  it('hands the authorizer the tiers and each key as the same dynamic reference, never a value', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { USAGE_TIERS: 'default gold silver' } } },
    });
    const [fn] = Object.values(fns);
    const vars = fn!.Properties.Environment.Variables as Record<string, unknown>;
    for (const tier of ['DEFAULT', 'GOLD', 'SILVER'])
      expect(JSON.stringify(vars[`USAGE_KEY_${tier}`])).toMatch(/\{\{resolve:secretsmanager:/);
    // No output at all carries a key, and no resolved-looking 40-character value sits anywhere in the template.
    const outputs = JSON.stringify(template.toJSON().Outputs ?? {});
    expect(outputs).not.toMatch(/secretsmanager|ApiKey|Secret/);
    expect(json).not.toMatch(/"[A-Za-z0-9]{40}"/);
  });

  it('requires an API key on the require()d methods only', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      ApiKeyRequired: Match.absent(),
    });
  });

  it('fails synth on an API that reads keys from the X-API-Key header', () => {
    expect(() => synth({ apiKeySourceType: apigateway.ApiKeySourceType.HEADER })).toThrow(
      'usage tiers need apiKeySourceType AUTHORIZER, and Tiers/Api sets HEADER',
    );
  });

  it.each([
    [{ Gold: { rate: 1, burst: 1 } }, 'tier name "Gold"'],
    [{ gold: { rate: 0, burst: 1 } }, 'tier gold: rate must be'],
  ])('refuses the tiers %j at synth', (usageTiers, message) => {
    const stack = new Stack(new App(), 'Bad');
    expect(() => new KeygateAuthorizer(stack, 'A', { issuer, audience: 'a', usageTiers })).toThrow(message);
  });
});
