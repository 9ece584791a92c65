// The whole of keygate on one machine: dynalite (DynamoDB), the KMS emulator, the auth API (token, JWKS,
// discovery) and the resource API behind the API Gateway emulator with the real TOKEN authorizer, which
// fetches the JWKS over HTTP from the auth API exactly as it does in AWS (or, with `authorizer: 'native'`,
// API Gateway's native JWT authorizer reading the auth API's discovery). Used by `npm start`, the e2e
// tests, `npm run load:local` and the reliability tests.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, type KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import {
  DEFAULT_RESULTS_CACHE_TTL_SECONDS,
  GATEWAY_RESPONSE_HEADERS,
  MAX_RESULTS_CACHE_TTL_SECONDS,
} from '../core/contract.js';
import {
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  createKmsClient,
} from '../core/issuer/index.js';
import { AUTH_ROUTES, RESOURCE_ROUTES } from '../core/routes.js';
import { type AuthorizerDeps, authorizerConfigSpec } from '../handlers/authorizer.js';
import { DEMO_SCOPES, type DemoClient, DemoFileError, ensureDemoClient } from './demo-client.js';
import { type DynaliteServer, startDynalite } from './dynalite.js';
import { StackStartError } from './errors.js';
import {
  type AccessLogEntry,
  createJwtAuthorizer,
  type Gateway,
  GatewayError,
  type JwtAuthorizer,
  startGateway,
} from './gateway/index.js';
import { type KmsEmulator, startKmsEmulator } from './kms/index.js';
import { createLocalLambdas, type HandlerEnv, type LambdaName, type LocalLambdasOptions } from './lambdas.js';
import { lockStateDir } from './lock.js';
import { type UpstreamOptions, upstreamIntegration, upstreamScopes } from './upstream.js';

export { StackStartError };

/** Documented default ports (README "Run it locally"). */
export const DEFAULT_PORTS = { auth: 4000, api: 4001, kms: 4002, dynamodb: 4003 } as const;
export const DEFAULT_STATE_DIR = '.keygate';
export const SIGNING_KEY_ALIAS = 'alias/keygate-signing';
export const DEFAULT_TABLE = 'keygate-clients';
export const DEFAULT_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '123456789012';
/** Dummy SigV4 credentials: dynalite and the KMS emulator check the signature's shape, not the key. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export type StackPortName = keyof typeof DEFAULT_PORTS;

/** An API Gateway-shaped id (10 lower-case letters and digits) derived from the state directory. */
function stableApiId(stateDir: string): string {
  const digest = createHash('sha256').update(stateDir).digest();
  return Array.from(digest.subarray(0, 10), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

export type { DemoClient, DemoClientState } from './demo-client.js';

/** Who guards the resource API: keygate's Lambda TOKEN authorizer, or API Gateway's native JWT authorizer. */
export const AUTHORIZER_MODES = ['lambda', 'native'] as const;
export type AuthorizerMode = (typeof AUTHORIZER_MODES)[number];

export interface LocalStackOptions {
  /** Keep nothing on disk (a new key and demo client each start). Default false. */
  readonly inMemory?: boolean;
  /** Where table data, KMS keys and the demo credentials persist. Default `.keygate` (cwd). */
  readonly stateDir?: string;
  /** The auth and resource APIs listen here. Default 127.0.0.1 (local/host-safety.ts). */
  readonly host?: string;
  /**
   * Also put the KMS emulator, dynalite and the gateways' admin endpoints on `host`. Default false: they
   * stay on 127.0.0.1 (admin endpoints answer loopback peers only) whatever `host` is.
   */
  readonly exposeInternals?: boolean;
  /** Per-server ports; 0 picks a free one (tests). Unset ones take DEFAULT_PORTS. */
  readonly ports?: Partial<Record<StackPortName, number>>;
  /** Default 'lambda'. 'native' reads the issuer's discovery at start-up (docs/authorizers.md). */
  readonly authorizer?: AuthorizerMode;
  /** The resource API's authorizer result cache TTL (0-3600). Default 300, as in AWS. */
  readonly resultsCacheTtlSeconds?: number;
  readonly stage?: string;
  /** Tokens' `aud`. Default: the resource API URL (as the CDK stack does). */
  readonly audience?: string;
  readonly tableName?: string;
  /** Extra handler environment (e.g. TOKEN_MAX_LIFETIME_SECONDS, TOKEN_CACHE_SIZE, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Print the handlers' Powertools JSON logs. Default false (quiet). */
  readonly handlerLogs?: boolean;
  /** Clocks for the authorizer's and the token handler's time checks (tests); default Date.now. */
  readonly clocks?: LocalLambdasOptions['clocks'];
  /**
   * Puts something between the authorizer and the JWKS route (e.g. a fault proxy): called with the auth
   * API's origin once it listens; the authorizer fetches the JWKS through the returned `url` (an origin),
   * which the stack closes with the rest. `jwksUrl` stays the auth API's own.
   */
  readonly jwksVia?: (authOrigin: string) => Promise<{ readonly url: string; close(): Promise<void> }>;
  /**
   * SDK attempts per DynamoDB call, on top of the client registry's own bounded retries. Default 1, as the
   * token Lambda's client on AWS: one retry policy, so an outage costs 3 attempts, not 9.
   */
  readonly dynamodbMaxAttempts?: number;
  /** The KMS emulator's RSA request quota per second. Default 500, as AWS (local/kms/quota.ts). */
  readonly kmsRsaQuotaPerSecond?: number;
  /**
   * Put the resource API in front of the team's own dev server instead of the products sample: `routes` (the
   * authorizer's route table) are served through an HTTP proxy integration to `url`.
   */
  readonly upstream?: UpstreamOptions;
  /** One call per request on either API (access log). */
  readonly onRequest?: (api: 'auth' | 'api', entry: AccessLogEntry) => void;
}

export interface LocalStack {
  /** Auth API stage URL (= issuer). */
  readonly authUrl: string;
  /** Resource API stage URL. */
  readonly apiUrl: string;
  readonly issuer: string;
  readonly audience: string;
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
  /** The KMS key id tokens are signed with now (changes with rotateSigningKey). */
  readonly signingKeyId: string;
  /** Key ids whose public keys the JWKS endpoint publishes. */
  readonly publishedKeyIds: readonly string[];
  /**
   * The rotation runbook (docs/operations.md) in one call: create a new KMS key, publish it beside the
   * current one, switch signing to it (and move the signing alias, so a restart keeps it). The previous key
   * stays published until retireKey(); verifiers pick the new kid up through their unknown-kid refetch.
   */
  rotateSigningKey(): Promise<{ readonly keyId: string; readonly previousKeyId: string }>;
  /** Stops publishing a key (after the longest token lifetime has passed). Refuses the signing key. */
  retireKey(keyId: string): Promise<void>;
  /** Creates an RSA signing key in the KMS emulator (not yet published nor signing). */
  createKey(): Promise<string>;
  /** Redeploys one handler: the stack's env (current keys included) with `extraEnv` on top. */
  deploy(name: LambdaName, extraEnv?: HandlerEnv): void;
  /** The deployed authorizer's live deps (key store and verifier stats). */
  authorizerDeps(): AuthorizerDeps;
  /** Stops DynamoDB (connections refused from now on); its data stays in the state directory. */
  stopDynamo(): Promise<void>;
  /** Starts DynamoDB again on the same port and state directory (in memory: empty). */
  startDynamo(): Promise<void>;
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

// Straight into the emulator's store, not over the SDK: RSA key generation on a loaded machine can
// outlast the KMS client's 2 s request timeout.
async function createSigningKey(kms: KmsEmulator, alias?: string): Promise<string> {
  const { keyId } = await kms.createKey({
    description: 'keygate local signing key',
    ...(alias ? { alias } : {}),
  });
  return keyId;
}

async function ensureSigningKey(kms: KmsEmulator, kmsClient: KMSClient): Promise<string> {
  try {
    const out = await kmsClient.send(new DescribeKeyCommand({ KeyId: SIGNING_KEY_ALIAS }));
    return out.KeyMetadata!.KeyId!;
  } catch (err) {
    if ((err as { name?: string }).name !== 'NotFoundException') throw err;
  }
  return createSigningKey(kms, SIGNING_KEY_ALIAS);
}

/** Starts every local server and wires them; `close()` stops them all (also on a failed start). */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const exposeInternals = options.exposeInternals ?? false;
  const internalHost = exposeInternals ? host : '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const stage = options.stage ?? DEFAULT_STAGE;
  const tableName = options.tableName ?? DEFAULT_TABLE;
  const stateDir = options.inMemory ? undefined : resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const ttl = options.resultsCacheTtlSeconds ?? DEFAULT_RESULTS_CACHE_TTL_SECONDS;
  // Checked before anything starts: a bad flag should not cost a full start and teardown.
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_RESULTS_CACHE_TTL_SECONDS) {
    throw new StackStartError(
      'config',
      `resultsCacheTtlSeconds must be an integer from 0 to ${MAX_RESULTS_CACHE_TTL_SECONDS} (got ${ttl})`,
      'api',
    );
  }
  for (const [name, p] of Object.entries(ports)) {
    if (!Number.isInteger(p) || p < 0 || p > 65_535) {
      throw new StackStartError(
        'config',
        `${name} port must be an integer from 0 to 65535`,
        name as StackPortName,
      );
    }
  }
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
  };

  try {
    if (stateDir) {
      try {
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
      startDynalite({ host: internalHost, port, ...(stateDir ? { path: join(stateDir, 'dynamodb') } : {}) });
    let dynamo: DynaliteServer | undefined = await listenAs('dynamodb', ports.dynamodb, () =>
      startDynamo(ports.dynamodb),
    );
    const dynamodbEndpoint = dynamo.endpoint;
    closers.push(async () => dynamo?.close());
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
    // With an upstream, clients get the scopes the team's route table names.
    const scopes = options.upstream ? upstreamScopes(options.upstream) : DEMO_SCOPES;
    const registry = createClientRegistry({ dynamodb: dynamoClient, tableName, scopes });
    const [signingKeyId] = await Promise.all([
      ensureSigningKey(kms, kmsClient),
      registry.createTable({ waitMs: 10_000 }),
    ]);
    const demoClient = await ensureDemoClient(registry, stateDir, scopes).catch((err: unknown) => {
      throw err instanceof DemoFileError ? new StackStartError('state', err.message) : err;
    });

    // Both APIs' URLs feed both APIs' handlers (issuer/JWKS URL -> authorizer, API URL -> audience), and
    // port 0 is only resolved by listening: the gateways start with late-bound handlers.
    let handlerEnv: HandlerEnv = {};
    const keys = { signing: signingKeyId, published: [signingKeyId] };
    // The token and JWKS Lambdas read their keys from config at init, so a key change means new
    // "containers": a deploy reads the current SIGNING_KEY_ID / PUBLISHED_KEY_IDS, as a redeploy would.
    const lambdas = createLocalLambdas({
      env: () => ({
        ...handlerEnv,
        SIGNING_KEY_ID: keys.signing,
        PUBLISHED_KEY_IDS: keys.published.join(','),
      }),
      kms: kmsClient,
      dynamodb: dynamoClient,
      logs: options.handlerLogs ?? false,
      ...(options.clocks ? { clocks: options.clocks } : {}),
      ...(options.upstream ? { routes: options.upstream.routes } : {}),
    });
    const fn = lambdas.functions;
    const mode = options.authorizer ?? 'lambda';
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
            authorizer: { handler: fn.authorizer, resultsCacheTtlSeconds: ttl, functionName: 'authorizer' },
            // As the CDK stack configures its gateway responses (RFC 6750 §3).
            responseHeaders: GATEWAY_RESPONSE_HEADERS,
          };
    const resource = options.upstream
      ? upstreamIntegration(options.upstream, {
          clockLeewaySeconds: authorizerConfigSpec.CLOCK_LEEWAY_SECONDS.parse(
            options.env?.CLOCK_LEEWAY_SECONDS,
            'CLOCK_LEEWAY_SECONDS',
          ),
          ...(options.clocks?.authorizer ? { now: options.clocks.authorizer } : {}),
        })
      : { routes: RESOURCE_ROUTES, handlers: { products: fn.products } };
    const auth = await listenAs('auth', ports.auth, () =>
      startGateway({
        routes: AUTH_ROUTES,
        handlers: { token: fn.token, jwks: fn.jwks, discovery: fn.discovery, revocations: fn.revocations },
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
      JWKS_URI: jwksUri,
      // Through the same path as the JWKS (a fault proxy in the reliability tests sits in front of both).
      REVOCATIONS_URI: jwksUri.replace(/\/\.well-known\/jwks\.json$/, '/revocations'),
      CLIENTS_TABLE: tableName,
      SCOPES: scopes.join(' '),
      ...options.env,
    };
    try {
      lambdas.deployAll();
    } catch (err) {
      throw new StackStartError('config', (err as Error).message);
    }
    if (mode === 'native') {
      try {
        jwtAuthorizer = await createJwtAuthorizer({ issuer, audiences: [audience] });
        nativeCreated(jwtAuthorizer);
      } catch (err) {
        throw new StackStartError('config', `native JWT authorizer: ${(err as Error).message}`, 'api');
      }
    }

    const redeployIssuer = () => {
      lambdas.deploy('jwks');
      lambdas.deploy('token');
    };
    const dynamoPort = Number(new URL(dynamodbEndpoint).port);
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
    };
    return {
      authUrl: auth.url,
      apiUrl: api.url,
      issuer,
      audience,
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
      get signingKeyId() {
        return keys.signing;
      },
      get publishedKeyIds() {
        return [...keys.published];
      },
      async rotateSigningKey() {
        const previousKeyId = keys.signing;
        const keyId = await createSigningKey(kms);
        keys.published = [...keys.published, keyId];
        keys.signing = keyId;
        redeployIssuer();
        await kmsClient.send(new UpdateAliasCommand({ AliasName: SIGNING_KEY_ALIAS, TargetKeyId: keyId }));
        return { keyId, previousKeyId };
      },
      async retireKey(keyId: string) {
        if (keyId === keys.signing) throw new Error('cannot retire the key tokens are signed with');
        if (!keys.published.includes(keyId)) throw new Error(`key ${keyId} is not published`);
        keys.published = keys.published.filter((k) => k !== keyId);
        redeployIssuer();
      },
      createKey: () => createSigningKey(kms),
      deploy: lambdas.deploy,
      authorizerDeps: lambdas.authorizerDeps,
      async stopDynamo() {
        const running = dynamo;
        dynamo = undefined;
        await running?.close();
      },
      async startDynamo() {
        dynamo ??= await startDynamo(dynamoPort);
      },
      clients: { kms: kmsClient, dynamodb: dynamoClient },
      registry,
      stateDir,
      gateways: { auth, api },
      clientEnv,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
