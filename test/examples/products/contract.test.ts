// The deployment contract, checked end to end: each function of the synthesized stack has its handler's
// config loader run on the environment the template gives it (literals as they are, CloudFormation
// references resolved to local values). A renamed env var, a default out of bounds or a variable no
// handler reads fails here instead of at a Lambda cold start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as products from '../../../examples/products/handler.js';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import * as authorizer from '../../../handlers/authorizer/handler.js';
import * as discovery from '../../../handlers/discovery.js';
import * as publisher from '../../../handlers/publisher.js';
import * as rotation from '../../../handlers/rotation.js';
import * as token from '../../../handlers/token.js';
import * as tokenClientAuth from '../../../handlers/token-client-auth.js';
import { render, type Synthesized, synthKeygate } from './synth.js';

/** Names read by the Node runtime or by Powertools itself (POWERTOOLS_*), not only by a handler's loader. */
const runtimeEnv = (name: string) => name === 'NODE_OPTIONS' || name.startsWith('POWERTOOLS_');

let s: Synthesized;
beforeAll(() => {
  s = synthKeygate();
}, 180_000);
afterAll(() => s?.cleanup());

/** Local stand-ins for what CloudFormation resolves at deploy time. */
function resolveLocally(text: string): string {
  return text
    .replace(/\$\{AWS::Region\}/g, 'eu-west-1')
    .replace(/\$\{AWS::URLSuffix\}/g, 'amazonaws.com')
    .replace(/\$\{AWS::StackName\}/g, 'Keygate')
    .replace(
      /\$\{[A-Za-z0-9]+\.Arn\}/g,
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    )
    .replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, id: string) => id.toLowerCase().slice(0, 10));
}

/** The function's environment as its handler sees it, and which names the loader read. */
function deployedEnv(fn: { function: unknown }) {
  const vars = (
    s.json.Resources[s.id(fn.function as never)]!.Properties!.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
  const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolveLocally(render(v))]));
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  return { env, recording, unread: () => Object.keys(env).filter((k) => !read.has(k) && !runtimeEnv(k)) };
}

/** The authorizer's environment read as its entry reads it (the route table is checked on its own below). */
const authorizerSettings = (env: Readonly<Record<string, string | undefined>>) =>
  authorizer.settingsFromEnv(env, () => RESOURCE_ROUTES);

describe('each function’s environment against its handler’s config loader', () => {
  const fns = () => {
    const { authServer: a, resourceApi: r } = s.stack;
    return {
      token: [a.token, token.loadConfig],
      'token-client-auth': [a.tokenClientAuth, tokenClientAuth.loadConfig],
      publisher: [a.documents.publisher, publisher.loadConfig],
      discovery: [a.discovery, discovery.loadConfig],
      authorizer: [r.authorizer.functionConstruct, authorizerSettings],
      products: [r.products, products.loadConfig],
      rotation: [a.keyRotation!.function, rotation.loadConfig],
    } as const;
  };

  it.each([
    'token',
    'token-client-auth',
    'publisher',
    'discovery',
    'authorizer',
    'products',
    'rotation',
  ] as const)(
    '%s: loads without a problem and every variable the stack sets is one the handler reads',
    (name) => {
      const [fn, load] = fns()[name];
      const e = deployedEnv(fn);
      expect(() => (load as (env: Record<string, string>) => unknown)(e.recording)).not.toThrow();
      expect(e.unread()).toEqual([]);
    },
  );

  it('computes the rotation’s waits from the settings the token, JWKS and authorizer functions are deployed with', () => {
    const { authServer: a, resourceApi: r } = s.stack;
    const settings = rotation.rotationSettingsFrom(
      {
        token: deployedEnv(a.token).env,
        jwks: deployedEnv(a.documents.publisher).env,
        authorizers: [deployedEnv(r.authorizer.functionConstruct).env],
      },
      { marginSeconds: 60, keyTagPropagationSeconds: 300 },
    );
    expect(settings).toEqual({
      jwksMaxAgeSeconds: 300,
      authorizerJwksMaxAgeSeconds: 600,
      authorizerRefetchCooldownSeconds: 30,
      maxTokenLifetimeSeconds: 3600,
      clockLeewaySeconds: 5,
      keyStateCacheSeconds: 10,
      keyTagPropagationSeconds: 300,
      marginSeconds: 60,
    });
  });

  it('gives the authorizer the issuer, audience, JWKS and revocation URIs of the token function’s issuer', () => {
    const { authServer: a, resourceApi: r } = s.stack;
    const issued = token.loadConfig(deployedEnv(a.token).env);
    const checked = authorizerSettings(deployedEnv(r.authorizer.functionConstruct).env);
    expect(checked.issuer).toBe(issued.ISSUER);
    expect(checked.audience).toEqual([issued.AUDIENCE]);
    expect(checked.jwksUri).toBe(`${issued.ISSUER}/.well-known/jwks.json`);
    expect(checked.revocationsUri).toBe(`${issued.ISSUER}/revocations`);
    expect(checked.issuer).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/prod$/);
  });

  it('ships the route file the authorizer’s ROUTES_FILE names, and it parses', () => {
    const fn = s.stack.resourceApi.authorizer.functionConstruct;
    const dir = s.assetDir(s.id(fn.function));
    const settings = authorizer.settingsFromEnv(deployedEnv(fn).env, (file) =>
      JSON.parse(readFileSync(join(dir, file), 'utf8')),
    );
    expect(settings.routes).toHaveLength(3);
  });
});
