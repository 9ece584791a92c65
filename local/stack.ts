// The whole of keygate on one machine: dynalite (DynamoDB), the KMS emulator, the auth API (token, JWKS,
// discovery) and the resource API behind the API Gateway emulator with the real TOKEN authorizer, which
// fetches the JWKS over HTTP from the auth API exactly as it does in AWS (or, with `authorizer: 'native'`,
// API Gateway's native JWT authorizer reading the auth API's discovery). Used by `npm start`, the e2e
// tests, `npm run load:local` and the reliability tests. This file wires the servers; the options are in
// ./stack-options.ts, key rotation in ./signing-keys.ts, the test hooks in ./stack-test-hooks.ts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { clockLeewaySecondsField } from '../core/authz/token-expiry.js';
import {
  AUTHORIZER_TUNING_ENV,
  GATEWAY_RESPONSE_HEADERS,
  NATIVE_JWT_REQUIRED_CLAIMS,
} from '../core/contract.js';
import {
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  createIssuanceTable,
  createKmsClient,
} from '../core/issuer/index.js';
import { TOKEN_GATEWAY_RESPONSES } from '../core/issuer/tokens/token-endpoint-answers.js';
import { AUTH_ROUTES } from '../core/routes.js';
import { tierNames, USAGE_TIERS_ENV, type UsageTiers, usageKeyEnv } from '../core/usage-tiers.js';
import { type DemoClient, ensureDemoClient } from './demo-client.js';
import { startDynalite } from './dynalite.js';
import { DemoFileError, StackStartError, StateDirInUseError } from './errors.js';
import {
  type AccessLogEntry,
  createJwtAuthorizer,
  type Gateway,
  GatewayError,
  type JwtAuthorizer,
  startGateway,
  type UsagePlanKey,
} from './gateway/index.js';
import { type KmsEmulator, startKmsEmulator } from './kms/index.js';
import { createLocalLambdas, type HandlerEnv } from './lambdas.js';
import { lockStateDir } from './lock.js';
import { createSigningKeys, ensureSigningKey, type SigningKeyRotation } from './signing-keys.js';
import {
  type AuthorizerMode,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalStackOptions,
  resolveStackOptions,
  type StackPortName,
} from './stack-options.js';
import { createDynamoSwitch, type LocalStackTestHooks } from './stack-test-hooks.js';
import { routeScopes, upstreamIntegration } from './upstream.js';

export type { DemoClient, DemoClientState } from './demo-client.js';
export { SIGNING_KEY_ALIAS, type SigningKeyRotation } from './signing-keys.js';
export {
  AUTHORIZER_MODES,
  type AuthorizerMode,
  DEFAULT_PORTS,
  DEFAULT_STAGE,
  DEFAULT_STATE_DIR,
  DEFAULT_TABLE,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalStackOptions,
  type StackPortName,
} from './stack-options.js';
export type { LocalStackTestHooks } from './stack-test-hooks.js';
export { StackStartError };

export interface LocalStack extends SigningKeyRotation, LocalStackTestHooks {
  /** Auth API stage URL (= issuer). */
  readonly authUrl: string;
  /** Resource API stage URL. */
  readonly apiUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** Every audience the issuer serves: `audience` (the default) first, then `options.audiences`. */
  readonly audiences: readonly string[];
  /** Usage tier names with a plan on the resource API (the default tier's first); empty without usageTiers. */
  readonly usageTiers: readonly string[];
  readonly tokenUrl: string;
  readonly jwksUrl: string;
  readonly discoveryUrl: string;
  readonly demoClient: DemoClient;
  readonly authorizerMode: AuthorizerMode;
  readonly kms: KmsEmulator;
  readonly kmsEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  readonly region: string;
  /** The SDK clients the handlers use, and the client registry on the stack's table. */
  readonly clients: { readonly kms: KMSClient; readonly dynamodb: DynamoDBClient };
  readonly registry: ClientRegistry;
  /** Absolute state directory, or undefined in memory. */
  readonly stateDir: string | undefined;
  readonly gateways: { readonly auth: Gateway; readonly api: Gateway };
  /** Environment for `npm run clients` (and any AWS SDK tool) to reach this stack. */
  readonly clientEnv: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

async function listenAs<T>(server: StackPortName, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'port_in_use') {
      throw new StackStartError('port_in_use', `port ${port} is in use`, server, port);
    }
    if (err instanceof GatewayError && err.code === 'gateway_config') {
      throw new StackStartError('config', err.message, server, port);
    }
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'listen_failed') {
      throw new StackStartError('listen_failed', `cannot listen on port ${port} (${code})`, server, port);
    }
    throw err;
  }
}

/** An API Gateway-shaped id (10 lower-case letters and digits) derived from the state directory. */
function stableApiId(stateDir: string): string {
  const digest = createHash('sha256').update(stateDir).digest();
  return Array.from(digest.subarray(0, 10), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

/** Starts every local server and wires them; `close()` stops them all (also on a failed start). */

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings = resolveStackOptions(options);
  const { host, internalHost, exposeInternals, ports, stage, tableName, stateDir, mode } = settings;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  };
  /** The outermost state folder this start created: a start that fails leaves no state behind. */
  let createdStateDir: string | undefined;

  try {
    if (stateDir) {
      try {
        createdStateDir = await mkdir(stateDir, { recursive: true, mode: 0o700 });
        await mkdir(join(stateDir, 'kms'), { recursive: true, mode: 0o700 });
        await mkdir(join(stateDir, 'dynamodb'), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new StackStartError(
          'state',
          `cannot create state directory ${stateDir}: ${(err as Error).message}`,
        );
      }
      // Before dynalite opens its LevelDB store: a second stack on it would crash ("Database is closed").
      closers.push(await lockStateDir(stateDir));
    }
    const startDynamo = (port: number) =>
      startDynalite({
        host: internalHost,
        port,
        ...(stateDir ? { path: join(stateDir, 'dynamodb') } : {}),
        ...(options.clocks?.dynamodb ? { clock: options.clocks.dynamodb } : {}),
      });
    const dynamo = await listenAs('dynamodb', ports.dynamodb, () => startDynamo(ports.dynamodb));
    const dynamodbEndpoint = dynamo.endpoint;
    const dynamoPort = Number(new URL(dynamodbEndpoint).port);
    const dynamoSwitch = createDynamoSwitch(dynamo, () => startDynamo(dynamoPort));
    closers.push(() => dynamoSwitch.close());
    const kms = await listenAs('kms', ports.kms, () =>
      startKmsEmulator({
        host: internalHost,
        port: ports.kms,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        ...(stateDir ? { stateDir: join(stateDir, 'kms') } : {}),
        ...(options.kmsRsaQuotaPerSecond ? { rsaQuotaPerSecond: options.kmsRsaQuotaPerSecond } : {}),
      }),
    );
    closers.push(() => kms.close());

    const sdk = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const kmsClient = createKmsClient({ ...sdk, endpoint: kms.url });
    const dynamoClient = createDynamoClient({
      ...sdk,
      endpoint: dynamodbEndpoint,
      maxAttempts: options.dynamodbMaxAttempts ?? 1,
    });
    closers.push(async () => {
      kmsClient.destroy();
      dynamoClient.destroy();
    });
    // Clients get the scopes the served route table names (the team's upstream, or the demo's).
    const resourceRoutes = options.upstream?.routes ?? options.demo?.routes ?? [];
    const scopes = routeScopes(resourceRoutes);
    const registry = createClientRegistry({ dynamodb: dynamoClient, tableName, scopes });
    // The issuance counters have a table of their own, as KeygateIssuer deploys them: the token limit holds
    // across handler instances (core/issuer/tokens/shared-issuance-limiter.ts).
    const issuanceTable = `${tableName}-issuance`;
    const [signingKeyId] = await Promise.all([
      ensureSigningKey(kms, kmsClient),
      registry.createTable({ waitMs: 10_000 }),
      createIssuanceTable(dynamoClient, issuanceTable),
    ]);
    const demoClient = await ensureDemoClient(registry, stateDir, scopes).catch((err: unknown) => {
      throw err instanceof DemoFileError ? new StackStartError('state', err.message) : err;
    });

    // Both APIs' URLs feed both APIs' handlers (issuer/JWKS URL -> authorizer, API URL -> audience), and
    // port 0 is only resolved by listening: the gateways start with late-bound handlers.
    let handlerEnv: HandlerEnv = {};
    const keys = createSigningKeys(kms, kmsClient, signingKeyId, () => {
      lambdas.deploy('jwks');
      lambdas.deploy('revocations');
      lambdas.deploy('token');
    });
    // A deploy reads the current SIGNING_KEY_ID / PUBLISHED_KEY_IDS, as a redeploy would.
    // A demo's handlers only when no upstream is given (the caller brings them: local/demo.ts).
    const demo = options.upstream ? undefined : options.demo;
    const lambdas = createLocalLambdas({
      ...(demo ? { demo } : {}),
      env: () => ({ ...handlerEnv, ...keys.env() }),
      kms: kmsClient,
      dynamodb: dynamoClient,
      logs: options.handlerLogs ?? false,
      ...(options.clocks ? { clocks: options.clocks } : {}),
      routes: resourceRoutes,
    });
    const fn = lambdas.functions;
    // The native authorizer reads the issuer's discovery when created, which needs the deployed auth API:
    // the resource API listens first and holds requests until the authorizer exists.
    let jwtAuthorizer: JwtAuthorizer | undefined;
    let nativeCreated: (a: JwtAuthorizer) => void = () => undefined;
    const nativeReady = new Promise<JwtAuthorizer>((resolve) => {
      nativeCreated = resolve;
    });
    const guard =
      mode === 'native'
        ? {
            jwtAuthorizer: {
              authorize: async (...args: Parameters<JwtAuthorizer['authorize']>) =>
                (jwtAuthorizer ?? (await nativeReady)).authorize(...args),
            },
          }
        : {
            authorizer: {
              handler: fn.authorizer,
              resultsCacheTtlSeconds: settings.resultsCacheTtlSeconds,
              functionName: 'authorizer',
            },
            // As the CDK stack configures its gateway responses (RFC 6750 §3).
            responseHeaders: GATEWAY_RESPONSE_HEADERS,
          };
    // One key per tier, fresh per start: identifiers between the authorizer and the gateway's plans only.
    const usage = options.usageTiers !== undefined ? localUsagePlans(options.usageTiers) : undefined;
    const resource = options.upstream
      ? upstreamIntegration(options.upstream, {
          clockLeewaySeconds: clockLeewaySecondsField.parse(
            options.env?.[AUTHORIZER_TUNING_ENV.clockLeewaySeconds],
            AUTHORIZER_TUNING_ENV.clockLeewaySeconds,
          ),
          ...(options.clocks?.authorizer ? { now: options.clocks.authorizer } : {}),
        })
      : { routes: demo?.routes ?? [], handlers: lambdas.demoFunctions };
    const auth = await listenAs('auth', ports.auth, () =>
      startGateway({
        routes: AUTH_ROUTES,
        handlers: { token: fn.token, jwks: fn.jwks, discovery: fn.discovery, revocations: fn.revocations },
        // As KeygateIssuer deploys it: the client authenticator on the token route, and its gateway responses.
        requestAuthorizers: { 'token-client-auth': { handler: fn['token-client-auth'] } },
        gatewayResponses: TOKEN_GATEWAY_RESPONSES,
        stage,
        host,
        adminFromAnyAddress: exposeInternals,
        port: ports.auth,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        ...(options.onRequest ? { onRequest: (e: AccessLogEntry) => options.onRequest!('auth', e) } : {}),
      }),
    );
    closers.push(() => auth.close());
    const api = await listenAs('api', ports.api, () =>
      startGateway({
        ...resource,
        stage,
        host,
        // The same REST API id across restarts of one state directory, as a deployed API keeps its id: an
        // admin's pasted KEYGATE_REST_API_ID stays valid for `clients revoke`.
        ...(stateDir ? { apiId: stableApiId(stateDir) } : {}),
        adminFromAnyAddress: exposeInternals,
        port: ports.api,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        ...guard,
        ...(usage ? { usagePlans: usage.plans } : {}),
        ...(options.clocks?.api ? { now: options.clocks.api } : {}),
        ...(options.onRequest ? { onRequest: (e: AccessLogEntry) => options.onRequest!('api', e) } : {}),
      }),
    );
    closers.push(() => api.close());

    const issuer = auth.url;
    const audience = options.audience ?? api.url;
    const jwksUrl = `${issuer}/.well-known/jwks.json`;
    let jwksUri = jwksUrl;
    if (options.jwksVia) {
      const via = await options.jwksVia(auth.origin);
      closers.push(() => via.close());
      jwksUri = `${via.url}${new URL(issuer).pathname}/.well-known/jwks.json`;
    }
    handlerEnv = {
      ISSUER: issuer,
      AUDIENCE: audience,
      // Read by the token handler only: the resource API's authorizer accepts AUDIENCE alone.
      ...(options.audiences?.length ? { AUDIENCES: options.audiences.join(' ') } : {}),
      JWKS_URI: jwksUri,
      // Through the same path as the JWKS (a fault proxy in the reliability tests sits in front of both).
      REVOCATIONS_URI: jwksUri.replace(/\/\.well-known\/jwks\.json$/, '/revocations'),
      CLIENTS_TABLE: tableName,
      ISSUANCE_TABLE: issuanceTable,
      SCOPES: scopes.join(' '),
      ...usage?.env,
      ...options.env,
    };
    try {
      lambdas.deployAll();
    } catch (err) {
      throw new StackStartError('config', (err as Error).message);
    }
    if (mode === 'native') {
      try {
        jwtAuthorizer = await createJwtAuthorizer({
          issuer,
          audiences: [audience],
          // As NativeJwtAuthorizer configures it on AWS.
          additionalClaims: NATIVE_JWT_REQUIRED_CLAIMS.map((claimName) => ({
            claimName,
            format: 'SINGLE_STRING' as const,
            required: true,
          })),
          ...(options.clocks?.authorizer ? { now: options.clocks.authorizer } : {}),
        });
        nativeCreated(jwtAuthorizer);
      } catch (err) {
        throw new StackStartError('config', `native JWT authorizer: ${(err as Error).message}`, 'api');
      }
    }

    const clientEnv = {
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_KMS: kms.url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      CLIENTS_TABLE: tableName,
      // `clients revoke` / `disable` flush the resource API's authorizer cache through the gateway's
      // FlushStageAuthorizersCache (local/gateway/control-plane.ts), as they would on AWS.
      AWS_ENDPOINT_URL_API_GATEWAY: api.origin,
      KEYGATE_REST_API_ID: api.apiId,
      KEYGATE_API_STAGE: api.stage,
      // `clients revoke` says the native JWT authorizer cannot revoke instead of claiming a cutoff.
      ...(mode === 'native' ? { KEYGATE_AUTHORIZER: 'native' } : {}),
      KEYGATE_SCOPES: scopes.join(' '),
      // `keys rotate`: the emulator evaluates no key policy, so rotated keys keep KMS's default one.
      SIGNING_KEY_POLICY: 'default',
    };
    return {
      authUrl: auth.url,
      apiUrl: api.url,
      issuer,
      audience,
      audiences: [...new Set([audience, ...(options.audiences ?? [])])],
      usageTiers: options.usageTiers !== undefined ? tierNames(options.usageTiers) : [],
      tokenUrl: `${issuer}/oauth2/token`,
      jwksUrl,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      demoClient,
      authorizerMode: mode,
      kms,
      kmsEndpoint: kms.url,
      dynamodbEndpoint,
      tableName,
      region: LOCAL_REGION,
      // Getters, not a spread: the key ids change with rotation.
      get signingKeyId() {
        return keys.signingKeyId;
      },
      get publishedKeyIds() {
        return keys.publishedKeyIds;
      },
      rotateSigningKey: keys.rotateSigningKey,
      retireKey: keys.retireKey,
      createKey: keys.createKey,
      deploy: lambdas.deploy,
      authorizerDeps: lambdas.authorizerDeps,
      stopDynamo: dynamoSwitch.stopDynamo,
      startDynamo: dynamoSwitch.startDynamo,
      clients: { kms: kmsClient, dynamodb: dynamoClient },
      registry,
      stateDir,
      gateways: { auth, api },
      clientEnv,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    // Not when another stack holds the folder: it may have taken the folder this start had just created.
    if (createdStateDir && !(err instanceof StateDirInUseError)) {
      await rm(createdStateDir, { recursive: true, force: true }).catch(() => {});
    }
    throw err;
  }
}

/** The gateway's plans and the authorizer's USAGE_TIERS / USAGE_KEY_<TIER> for `tiers`, with random keys. */
function localUsagePlans(tiers: UsageTiers): { plans: UsagePlanKey[]; env: Record<string, string> } {
  const plans: UsagePlanKey[] = [];
  const env: Record<string, string> = { [USAGE_TIERS_ENV]: tierNames(tiers).join(' ') };
  for (const tier of tierNames(tiers)) {
    const key = randomBytes(20).toString('hex');
    const limits = tiers[tier];
    plans.push({ key, ...(limits !== undefined ? { limits } : {}) });
    env[usageKeyEnv(tier)] = key;
  }
  return { plans, env };
}
