// The six keygate Lambdas (and a demo's, local/demo.ts) built in-process from an environment and injected SDK
// clients, behind stable late-bound functions: the gateways are wired before the env is known (port 0 resolves
// on listen), and a deploy swaps one handler for a fresh "container" (new config, cold caches) without
// touching the gateway.
import type { PolicyRoute } from '../core/authz/index.js';
import type { DynamoApi, KmsApi } from '../core/issuer/index.js';
import * as authorizerHandler from '../handlers/authorizer/handler.js';
import * as discoveryHandler from '../handlers/discovery.js';
import * as jwksHandler from '../handlers/jwks.js';
import * as revocationsHandler from '../handlers/revocations.js';
import * as tokenHandler from '../handlers/token.js';
import * as tokenClientAuthHandler from '../handlers/token-client-auth.js';
import type { LocalDemo } from './demo.js';
import type { LambdaFunction } from './gateway/index.js';

export const LAMBDA_NAMES = [
  'token',
  'token-client-auth',
  'jwks',
  'discovery',
  'revocations',
  'authorizer',
] as const;
export type LambdaName = (typeof LAMBDA_NAMES)[number];
export type HandlerEnv = Readonly<Record<string, string>>;

export interface LocalLambdasOptions {
  /** The base environment each deploy reads (called per deploy, so key changes reach the next one). */
  readonly env: () => HandlerEnv;
  readonly kms: KmsApi;
  readonly dynamodb: DynamoApi;
  /** Print the handlers' Powertools JSON logs. Default false (quiet). */
  readonly logs?: boolean;
  /** The demo resource API's handlers, when the stack serves one (local/demo.ts; checked in stack-options). */
  readonly demo?: LocalDemo;
  /** The authorizer's route table (the resource API's routes). */
  readonly routes: readonly PolicyRoute[];
  /** Epoch-ms clocks for the handlers that read time (tests move them forward). Default Date.now. */
  readonly clocks?: {
    readonly authorizer?: () => number;
    readonly token?: () => number;
    /** The demo's handlers. */
    readonly demo?: () => number;
  };
}

export interface LocalLambdas {
  /** One stable function per Lambda for the gateways; each calls the handler deployed now. */
  readonly functions: Readonly<Record<LambdaName, LambdaFunction>>;
  /** The same for the demo's handlers, by their names in its routes. */
  readonly demoFunctions: Readonly<Record<string, LambdaFunction>>;
  /** (Re)builds one handler from the base env with `extraEnv` on top, as a redeploy would. */
  deploy(name: LambdaName, extraEnv?: HandlerEnv): void;
  /** Deploys all of them from the base env (config errors throw here). */
  deployAll(): void;
  /** The deployed authorizer's deps (key store and verifier stats). */
  authorizerDeps(): authorizerHandler.AuthorizerDeps;
}

const quietLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Creates the late-bound functions; nothing is deployed until deploy()/deployAll(). */
export function createLocalLambdas(options: LocalLambdasOptions): LocalLambdas {
  const logs = options.logs ?? false;
  const deployed: Partial<Record<string, LambdaFunction>> = {};
  let authorizerDeps: authorizerHandler.AuthorizerDeps | undefined;

  const demoClock = options.clocks?.demo;
  const demoBuild = Object.fromEntries(
    Object.entries(options.demo?.handlers ?? {}).map(([name, create]) => [
      name,
      (env: HandlerEnv) => create({ env, logs, ...(demoClock ? { now: demoClock } : {}) }),
    ]),
  );
  const build: Partial<Record<string, (env: HandlerEnv) => LambdaFunction>> = {
    token: (env) =>
      tokenHandler.createHandler(
        tokenHandler.createDeps(tokenHandler.loadConfig(env), {
          dynamodb: options.dynamodb,
          kms: options.kms,
          ...(logs ? {} : { logger: quietLogger }),
          ...(options.clocks?.token ? { now: options.clocks.token } : {}),
        }),
      ),
    // The token endpoint's client authenticator shares the token Lambda's clock (cache TTLs, secret grace).
    'token-client-auth': (env) =>
      tokenClientAuthHandler.createHandler(
        tokenClientAuthHandler.createDeps(tokenClientAuthHandler.loadConfig(env), {
          dynamodb: options.dynamodb,
          ...(logs ? {} : { logger: quietLogger }),
          ...(options.clocks?.token ? { now: options.clocks.token } : {}),
        }),
      ),
    jwks: (env) =>
      jwksHandler.createHandler(
        jwksHandler.createDeps(jwksHandler.loadConfig(env), {
          kms: options.kms,
          dynamodb: options.dynamodb,
          ...(options.clocks?.token ? { now: options.clocks.token } : {}),
          ...(logs ? {} : { logger: quietLogger }),
        }),
      ),
    discovery: (env) =>
      discoveryHandler.createHandler(discoveryHandler.createDeps(discoveryHandler.loadConfig(env))),
    revocations: (env) =>
      revocationsHandler.createHandler(
        // The keys inside the list follow the key state on the JWKS Lambda's clock, as its own keys do.
        revocationsHandler.createDeps(revocationsHandler.loadConfig(env), {
          dynamodb: options.dynamodb,
          kms: options.kms,
          ...(options.clocks?.token ? { keyStateNow: options.clocks.token } : {}),
          ...(logs ? {} : { logger: quietLogger }),
        }),
      ),
    ...demoBuild,
    authorizer: (env) => {
      authorizerDeps = authorizerHandler.createDeps(
        authorizerHandler.settingsFromEnv(env, () => options.routes),
        {
          metrics: null,
          ...(logs ? {} : { logger: null }),
          ...(options.clocks?.authorizer ? { now: options.clocks.authorizer } : {}),
        },
      );
      return authorizerHandler.createHandler(authorizerDeps) as LambdaFunction;
    },
  };

  const deploy = (name: string, extraEnv: HandlerEnv = {}) => {
    const builder = build[name];
    if (!builder) throw new Error(`no ${name} Lambda in this stack`);
    deployed[name] = builder({ ...options.env(), ...extraEnv });
  };
  const late =
    (name: string): LambdaFunction =>
    (event, context, callback) =>
      deployed[name]!(event, context, callback);

  return {
    functions: Object.fromEntries(LAMBDA_NAMES.map((name) => [name, late(name)])) as Record<
      LambdaName,
      LambdaFunction
    >,
    demoFunctions: Object.fromEntries(Object.keys(demoBuild).map((name) => [name, late(name)])),
    deploy,
    deployAll() {
      for (const name of Object.keys(build)) deploy(name);
    },
    authorizerDeps: () => authorizerDeps!,
  };
}
