// The signing-key rotation task: each invocation applies at most one rotation step (core/issuer/
// key-rotation.ts) and says how long to wait before the next, which a Step Functions Wait state honours
// (infra/lib/constructs/key-rotation.ts). The waits come from the settings the token, JWKS and authorizer
// Lambdas run with, read from their deployed configuration at every step, or from this process's
// environment where they share one (the local stack, `npm run keys`).
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError, int, list, oneOf, optionalStr, readConfig, str } from '../core/config.js';
import { AUTHORIZER_TUNING_ENV } from '../core/contract.js';
import {
  createDynamoClient,
  createKeyRotator,
  createKeyStateStore,
  createKmsClient,
  type DynamoApi,
  inheritedKeyPrincipals,
  type KeyRotator,
  type KmsApi,
  type RotationEvent,
  type RotationOutcome,
  type RotationSettings,
  rotationWaits,
  type SigningKeyPrincipals,
  signingKeyPolicy,
} from '../core/issuer/index.js';
import { TUNING_BOUNDS } from './authorizer/settings.js';
import { jwksKeySettingsSpec } from './jwks.js';
import { safeLog } from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';
import { tokenKeySettingsSpec } from './token.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `key=value`: the tag created keys carry (it names the stack; key policies, not tags, grant use). */
const TAG = /^[\w.:/=+\-@]{1,128}=[\w.:/=+\-@ ]{0,256}$/;

/** Which policy a created key gets, and the roles it names. */
const keyPolicySpec = {
  /**
   * `keygate`: each created key's policy names the keygate roles (core/issuer/keys/signing-key-policy.ts), the
   * ones below or, when none are set, the ones the signing key it replaces names. `default`: KMS's default
   * key policy, where IAM policies decide (the local emulator, which evaluates no policy).
   */
  SIGNING_KEY_POLICY: oneOf(['keygate', 'default'] as const, { default: 'keygate' }),
  /**
   * The roles a created key's policy names: this task's own role, the token role(s) (kms:Sign) and the
   * JWKS role(s) (kms:GetPublicKey).
   */
  SIGNING_KEY_ROTATOR_ARN: optionalStr(),
  SIGNING_KEY_SIGNER_ARNS: list({ default: [] }),
  SIGNING_KEY_READER_ARNS: list({ default: [] }),
} as const;

export function loadConfig(env: Env = process.env) {
  return readConfig(
    {
      CLIENTS_TABLE: str(),
      /** The deployed signing key (ARN or alias): in force until the first rotation records the state. */
      SIGNING_KEY_ID: str(),
      PUBLISHED_KEY_IDS: list({ default: [] }),
      /** Moved to the new key when signing switches. */
      SIGNING_KEY_ALIAS: optionalStr(),
      SIGNING_KEY_TAG: str({ default: 'keygate:signing-key=true', pattern: TAG, hint: 'key=value' }),
      ...keyPolicySpec,
      KEY_PENDING_WINDOW_DAYS: int({ default: 30, min: 7, max: 30 }),
      /** Wait after creating a key before tagging and publishing it (KMS eventual consistency: minutes). */
      KMS_TAG_PROPAGATION_SECONDS: int({ default: 300, min: 0, max: 3600 }),
      /** Added to every computed wait (clock differences, a JWKS fetch in flight). */
      ROTATION_MARGIN_SECONDS: int({ default: 60, min: 0, max: 3600 }),
      /** Where the waits' settings are read from (GetFunctionConfiguration); unset: this environment. */
      TOKEN_FUNCTION_NAME: optionalStr(),
      JWKS_FUNCTION_NAME: optionalStr(),
      /** The authorizers verifying these tokens; none named (with the two above): the authorizer's defaults. */
      AUTHORIZER_FUNCTION_NAMES: list({ default: [] }),
      ...loggerConfigSpec('keygate-rotation'),
    },
    env,
  );
}

export type RotationConfig = ReturnType<typeof loadConfig>;

/** SIGNING_KEY_POLICY and SIGNING_KEY_*_ARN(S) alone (`keys adopt` needs no other setting). */
export const keyPolicyConfig = (env: Env) => readConfig(keyPolicySpec, env);

/** The roles SIGNING_KEY_*_ARN(S) name, checked (ConfigError); undefined when none is set. */
export function configuredKeyPrincipals(
  config: ReturnType<typeof keyPolicyConfig>,
): SigningKeyPrincipals | undefined {
  const rotator = config.SIGNING_KEY_ROTATOR_ARN;
  const some = config.SIGNING_KEY_SIGNER_ARNS.length > 0 || config.SIGNING_KEY_READER_ARNS.length > 0;
  if (!rotator) {
    if (some)
      throw new ConfigError([
        'SIGNING_KEY_SIGNER_ARNS and SIGNING_KEY_READER_ARNS need SIGNING_KEY_ROTATOR_ARN',
      ]);
    return undefined;
  }
  if (config.SIGNING_KEY_POLICY === 'default') {
    throw new ConfigError(['SIGNING_KEY_POLICY=default names no roles: unset SIGNING_KEY_ROTATOR_ARN']);
  }
  const principals = {
    rotator,
    signers: config.SIGNING_KEY_SIGNER_ARNS,
    readers: config.SIGNING_KEY_READER_ARNS,
  };
  try {
    signingKeyPolicy(principals);
  } catch (err) {
    throw new ConfigError([`SIGNING_KEY_*_ARN(S): ${(err as Error).message}`]);
  }
  return principals;
}

/** The environments of the Lambdas whose caches and lifetimes a rotation waits out. */
export interface VerifierEnvs {
  readonly token: Env;
  readonly jwks: Env;
  /** Every authorizer's; the longest setting of any of them counts. None: the authorizer's defaults. */
  readonly authorizers: readonly Env[];
}

const authorizerKeySettingsSpec = {
  [AUTHORIZER_TUNING_ENV.jwksMaxAgeSeconds]: int(TUNING_BOUNDS.jwksMaxAgeSeconds),
  [AUTHORIZER_TUNING_ENV.jwksRefetchCooldownSeconds]: int(TUNING_BOUNDS.jwksRefetchCooldownSeconds),
  [AUTHORIZER_TUNING_ENV.clockLeewaySeconds]: int(TUNING_BOUNDS.clockLeewaySeconds),
} as const;

/** The rotation settings as those Lambdas read them (their own defaults where a variable is unset). */
export function rotationSettingsFrom(
  envs: VerifierEnvs,
  own: { readonly marginSeconds: number; readonly keyTagPropagationSeconds: number },
): RotationSettings {
  const token = readConfig(tokenKeySettingsSpec, envs.token);
  const jwks = readConfig(jwksKeySettingsSpec, envs.jwks);
  const authorizers = (envs.authorizers.length > 0 ? envs.authorizers : [{}]).map((env) =>
    readConfig(authorizerKeySettingsSpec, env),
  );
  const longest = (key: keyof (typeof authorizers)[number]) => Math.max(...authorizers.map((a) => a[key]));
  return {
    jwksMaxAgeSeconds: jwks.JWKS_MAX_AGE_SECONDS,
    // The longest age and the longest cooldown may come from different authorizers: the sum bounds both.
    authorizerJwksMaxAgeSeconds: longest('JWKS_MAX_AGE_SECONDS'),
    authorizerRefetchCooldownSeconds: longest('JWKS_REFETCH_COOLDOWN_SECONDS'),
    maxTokenLifetimeSeconds: token.TOKEN_MAX_LIFETIME_SECONDS,
    clockLeewaySeconds: longest('CLOCK_LEEWAY_SECONDS'),
    keyStateCacheSeconds: Math.max(token.KEY_STATE_CACHE_SECONDS, jwks.KEY_STATE_CACHE_SECONDS),
    ...own,
  };
}

export type LambdaApi = Pick<LambdaClient, 'send'>;

async function functionEnv(lambda: LambdaApi, name: string): Promise<Env> {
  const out = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  return out.Environment?.Variables ?? {};
}

type LogFn = (message: string, fields: Record<string, unknown>) => void;
/** What the task logs through (Powertools Logger satisfies it). */
export interface RotationLogger {
  readonly info: LogFn;
  readonly error: LogFn;
}

export interface RotationClients {
  readonly dynamodb?: DynamoApi;
  readonly kms?: KmsApi;
  readonly lambda?: LambdaApi;
  readonly logger?: RotationLogger;
  /** Hears every rotation event (the CLI prints them). */
  readonly onEvent?: (event: RotationEvent) => void;
  readonly now?: () => number;
  /** The environment the settings come from when no function names are configured. */
  readonly env?: Env;
}

export interface RotationDeps {
  /** A rotator with the waits computed from the settings deployed now. */
  rotator(): Promise<KeyRotator>;
  readonly settings: () => Promise<RotationSettings>;
  readonly logger: RotationLogger;
}

export function createDeps(config: RotationConfig, clients: RotationClients = {}): RotationDeps {
  const logger = clients.logger ?? createLogger(config);
  const kms = clients.kms ?? createKmsClient({ requestTimeoutMs: 10_000 });
  const store = createKeyStateStore({
    dynamodb: clients.dynamodb ?? createDynamoClient({ maxAttempts: 3, requestTimeoutMs: 5000 }),
    tableName: config.CLIENTS_TABLE,
    ...(clients.now ? { now: clients.now } : {}),
  });
  const tokenName = config.TOKEN_FUNCTION_NAME;
  const jwksName = config.JWKS_FUNCTION_NAME;
  const authorizerNames = config.AUTHORIZER_FUNCTION_NAMES;
  if (Boolean(tokenName) !== Boolean(jwksName) || (!tokenName && authorizerNames.length > 0)) {
    throw new ConfigError([
      'TOKEN_FUNCTION_NAME and JWKS_FUNCTION_NAME go together, and AUTHORIZER_FUNCTION_NAMES needs both',
    ]);
  }
  const configured = configuredKeyPrincipals(config);
  const keyPrincipals =
    config.SIGNING_KEY_POLICY === 'default' ? undefined : (configured ?? inheritedKeyPrincipals(kms));
  let lambda: LambdaApi | undefined = clients.lambda;
  const own = {
    marginSeconds: config.ROTATION_MARGIN_SECONDS,
    keyTagPropagationSeconds: config.KMS_TAG_PROPAGATION_SECONDS,
  };
  const settings = async (): Promise<RotationSettings> => {
    if (!tokenName || !jwksName) {
      const env = clients.env ?? process.env;
      return rotationSettingsFrom({ token: env, jwks: env, authorizers: [env] }, own);
    }
    lambda ??= new LambdaClient({});
    const api = lambda;
    const [token, jwks, ...authorizers] = await Promise.all(
      [tokenName, jwksName, ...authorizerNames].map((n) => functionEnv(api, n)),
    );
    return rotationSettingsFrom({ token: token!, jwks: jwks!, authorizers }, own);
  };
  const [tagKey, ...tagValue] = config.SIGNING_KEY_TAG.split('=');
  const signingKeyId = config.SIGNING_KEY_ID;
  return {
    settings,
    logger,
    async rotator() {
      return createKeyRotator({
        store,
        kms,
        initial: {
          signingKeyId,
          publishedKeyIds: [...new Set([signingKeyId, ...config.PUBLISHED_KEY_IDS])],
        },
        waits: rotationWaits(await settings()),
        ...(config.SIGNING_KEY_ALIAS ? { alias: config.SIGNING_KEY_ALIAS } : {}),
        keyTags: { [tagKey!]: tagValue.join('=') },
        ...(keyPrincipals ? { keyPrincipals } : {}),
        pendingWindowDays: config.KEY_PENDING_WINDOW_DAYS,
        ...(clients.now ? { now: clients.now } : {}),
        onEvent: (event) => {
          safeLog(logger, 'info', 'key rotation', { ...event });
          clients.onEvent?.(event);
        },
      });
    },
  };
}

/**
 * The task's input: the first task starts (`start: true`) with the execution's input, whose `requestId`
 * (the schedule's scheduled time) is the idempotency key; the loop's tasks resume (`start: false`).
 */
export interface RotationInput {
  readonly start?: boolean;
  readonly requestId?: string;
  readonly execution?: { readonly requestId?: unknown } | null;
}

export interface RotationOutput {
  readonly outcome: RotationOutcome;
  readonly done: boolean;
  readonly waitSeconds: number;
  readonly rotationId?: string;
  readonly signingKeyId: string;
}

/** Failures throw: Step Functions retries the task (each step is idempotent) and then fails the run. */
export function createHandler(deps: RotationDeps) {
  return async (input: RotationInput | null | undefined): Promise<RotationOutput> => {
    const requestId = input?.requestId ?? input?.execution?.requestId;
    const request = {
      start: input?.start === true,
      ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
    };
    try {
      const result = await (await deps.rotator()).step(request);
      return {
        outcome: result.outcome,
        done: result.done,
        waitSeconds: result.waitSeconds,
        ...(result.rotationId ? { rotationId: result.rotationId } : {}),
        signingKeyId: result.keys.signingKeyId,
      };
    } catch (err) {
      safeLog(deps.logger, 'error', 'key rotation step failed', {
        error: (err as Error)?.name,
        code: (err as { code?: string })?.code,
        message: (err as Error)?.message,
        cause: ((err as Error)?.cause as Error | undefined)?.name,
      });
      throw err;
    }
  };
}
